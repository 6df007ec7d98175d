package kafkasrc

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/intake"
)

func TestRepliesAnswerEachMessageByItsPlaceAndKey(t *testing.T) {
	t.Parallel()
	msgs := []kafka.Message{
		{Topic: "market.envelopes", Partition: 2, Offset: 41, Key: []byte("P-1"), Value: []byte(`{"type":"administrative_penalty","op":"upsert","source_id":"P-1","data":{}}`)},
		{Topic: "market.envelopes", Partition: 0, Offset: 7, Value: []byte(`not json`)},
		{Topic: "market.envelopes", Partition: 1, Offset: 3, Key: []byte("x"), Value: []byte(`{"source_id":12}`)},
	}
	res := &intake.Result{SubmissionID: "sub_1", Receipts: []intake.Receipt{
		{Index: 0, Status: "accepted", RecordID: "rec_1", Version: 1, Unchanged: true, Topic: "credex.records.administrative_penalty"},
		{Index: 1, Status: "rejected", Errors: []catalog.FieldError{{Code: "malformed_json", Message: "not JSON"}}},
		{Index: 2, Status: "rejected", Errors: []catalog.FieldError{{Code: "wrong_type", Pointer: "/source_id", Message: "a string"}}},
	}}
	out, err := replies("market.receipts", "market-topic", msgs, res)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"topic":"market.envelopes","partition":2,"offset":41,"source_id":"P-1","status":"accepted","record_id":"rec_1","version":1,"unchanged":true}`,
		`{"topic":"market.envelopes","partition":0,"offset":7,"status":"rejected","errors":[{"code":"malformed_json","pointer":"","message":"not JSON"}]}`,
		`{"topic":"market.envelopes","partition":1,"offset":3,"status":"rejected","errors":[{"code":"wrong_type","pointer":"/source_id","message":"a string"}]}`,
	}
	for i, m := range out {
		if m.Topic != "market.receipts" || string(m.Key) != string(msgs[i].Key) || (m.Key == nil) != (msgs[i].Key == nil) {
			t.Errorf("reply %d: topic %q key %q, want market.receipts and the envelope's key %q", i, m.Topic, m.Key, msgs[i].Key)
		}
		if string(m.Value) != want[i] {
			t.Errorf("reply %d:\n got %s\nwant %s", i, m.Value, want[i])
		}
		headers := map[string]string{}
		for _, h := range m.Headers {
			headers[h.Key] = string(h.Value)
		}
		if headers[HeaderConnector] != "market-topic" || headers[HeaderSubmission] != "sub_1" {
			t.Errorf("reply %d: headers %v", i, headers)
		}
	}
}

func TestAReplyTooLongKeepsItsFirstErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100<<10)
	var errs []catalog.FieldError
	for i := range 5000 {
		errs = append(errs, catalog.FieldError{Code: "unknown_field", Pointer: fmt.Sprintf("/data/f%d", i), Message: "not a field"})
	}
	errs[0].Message = long
	msgs := []kafka.Message{{Topic: "t", Value: []byte(`{"source_id":"` + long + `"}`)}}
	res := &intake.Result{Receipts: []intake.Receipt{{Status: "rejected", Errors: errs}}}
	out, err := replies("r", "c", msgs, res)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(out[0].Value); n > MaxReplyBytes {
		t.Fatalf("reply of %d bytes, more than %d", n, MaxReplyBytes)
	}
	var r Reply
	if err := json.Unmarshal(out[0].Value, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) != 20 || r.ErrorsOmitted != 4980 || r.Errors[1].Pointer != "/data/f1" || r.SourceID != "" {
		t.Errorf("got %d errors, %d omitted, second at %q, source_id of %d bytes; want 20, 4980, /data/f1, none",
			len(r.Errors), r.ErrorsOmitted, r.Errors[1].Pointer, len(r.SourceID))
	}
}
