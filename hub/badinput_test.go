package hub_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/internal/testkit/kafkatest"
)

// TestBadInputIsRefusedPrecisely sends every kind of bad submission. Each gets
// a 4xx with a stable code pointing at the culprit, and nothing reaches the
// record topics.
func TestBadInputIsRefusedPrecisely(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	one := func(edit func(d map[string]any)) []byte {
		d := b.penalty()
		edit(d)
		return batch(envelope("administrative_penalty", "upsert", "X-1", d))
	}
	tooMany := make([]map[string]any, 501)
	for i := range tooMany {
		tooMany[i] = envelope("administrative_penalty", "upsert", sourceID("M", i), b.penalty())
	}
	tests := []struct {
		name    string
		key     string
		body    []byte
		status  int
		code    string
		pointer string // of the whole-request error, or of the first receipt's error
	}{
		{"malformed JSON", marketKey, []byte(`{"records": [`), 400, "malformed_json", ""},
		{"body not an object", marketKey, []byte(`[1, 2]`), 400, "invalid_body", ""},
		{"records not an array", marketKey, []byte(`{"records": {}}`), 400, "wrong_type", "/records"},
		{"empty batch", marketKey, []byte(`{"records": []}`), 400, "empty_batch", "/records"},
		{"unknown record type", marketKey, batch(envelope("parking_ticket", "upsert", "X-1", b.penalty())), 422, "unknown_type", "/records/0/type"},
		{"type not assigned to the department", marketKey, batch(envelope("serious_dishonesty", "upsert", "X-1", b.example("serious_dishonesty", nil))), 422, "type_not_assigned", "/records/0/type"},
		{"missing required field", marketKey, one(func(d map[string]any) { delete(d["subject"].(map[string]any), "id_number") }), 422, "missing_field", "/records/0/data/subject/id_number"},
		{"wrong type", marketKey, one(func(d map[string]any) { d["amount_yuan"] = "five thousand" }), 422, "wrong_type", "/records/0/data/amount_yuan"},
		{"bad ID check character", marketKey, one(func(d map[string]any) {
			d["subject"].(map[string]any)["id_number"] = flipCheck(d["subject"].(map[string]any)["id_number"].(string))
		}), 422, "invalid_id_number", "/records/0/data/subject/id_number"},
		{"bad credit code", marketKey, one(func(d map[string]any) {
			a := d["decision"].(map[string]any)["authority"].(map[string]any)
			a["credit_code"] = flipCheck(a["credit_code"].(string))
		}), 422, "invalid_credit_code", "/records/0/data/decision/authority/credit_code"},
		{"a NUL character, which the database cannot store, in the data", marketKey, one(func(d map[string]any) { d["facts"] = "fined\x00twice" }), 422, "invalid_string", "/records/0/data/facts"},
		{"a number the database cannot store", marketKey, one(func(d map[string]any) { d["amount_yuan"] = json.Number("1e200000") }), 422, "out_of_range", "/records/0/data/amount_yuan"},
		{"a NUL character in the source id", marketKey, batch(envelope("administrative_penalty", "upsert", "X-\x001", b.penalty())), 422, "invalid_string", "/records/0/source_id"},
		{"missing source id", marketKey, batch(envelope("administrative_penalty", "upsert", "", b.penalty())), 422, "missing_field", "/records/0/source_id"},
		{"unknown op", marketKey, batch(envelope("administrative_penalty", "delete", "X-1", b.penalty())), 422, "invalid_op", "/records/0/op"},
		{"unknown envelope field", marketKey, batch(map[string]any{"type": "administrative_penalty", "source_id": "X", "data": b.penalty(), "priority": 1}), 422, "unknown_field", "/records/0/priority"},
		{"oversized body", marketKey, append([]byte(`{"records": ["`), bytes.Repeat([]byte("x"), 5<<20)...), 413, "body_too_large", ""},
		{"too many records", marketKey, batch(tooMany...), 413, "too_many_records", "/records"},
		{"missing key", "", batch(envelope("administrative_penalty", "upsert", "X-1", b.penalty())), 401, "missing_credentials", ""},
		{"wrong key", "not-a-key-of-anyone", batch(envelope("administrative_penalty", "upsert", "X-1", b.penalty())), 401, "invalid_credentials", ""},
		{"agency publishing", agencyKey, batch(envelope("administrative_penalty", "upsert", "X-1", b.penalty())), 403, "not_a_department", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp struct {
				httpin.Response
				Pointer string `json:"pointer"`
			}
			status := b.post(tt.key, "application/json", tt.body, &resp)
			if status != tt.status || resp.Code == "" {
				t.Fatalf("status %d code %q, want %d with a code", status, resp.Code, tt.status)
			}
			if status != http.StatusUnprocessableEntity {
				if resp.Code != tt.code || resp.Pointer != tt.pointer || resp.Message == "" {
					t.Errorf("error = %q at %q (%q), want %q at %q with a message", resp.Code, resp.Pointer, resp.Message, tt.code, tt.pointer)
				}
				return
			}
			if resp.Code != "rejected" || resp.Accepted != 0 || len(resp.Receipts) != 1 {
				t.Fatalf("answer = %+v, want one rejected receipt", resp)
			}
			assertError(t, resp.Receipts[0], tt.code, tt.pointer)
		})
	}
	if n := b.topicCount(b.recordTopic("administrative_penalty")); n != 0 {
		t.Errorf("%d bad records reached the penalty topic", n)
	}
	if n := b.count(`SELECT count(*) FROM record_heads`); n != 0 {
		t.Errorf("%d bad records got versions", n)
	}
}

// flipCheck changes the check character of an identifier to another valid one.
func flipCheck(id string) string {
	last := id[len(id)-1]
	for _, c := range "0123456789" {
		if byte(c) != last {
			return id[:len(id)-1] + string(c)
		}
	}
	panic(fmt.Sprintf("cannot flip %q", strings.Repeat("*", len(id))))
}

// TestHugeInvalidRecordIsRejectedAndItsRejectionFits sends an invalid record
// carrying a 1 MiB string. The receipt says rejected with the field's code,
// and the rejected topic holds the rejection with the envelope cut down to a
// marked head and the hash of the whole.
func TestHugeInvalidRecordIsRejectedAndItsRejectionFits(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	d := b.penalty()
	d["facts"] = strings.Repeat("x", 1<<20)
	env := envelope("administrative_penalty", "upsert", "HUGE-1", d)
	var resp httpin.Response
	if status := b.post(marketKey, "application/json", batch(env), &resp); status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d (%s: %s), want 422", status, resp.Code, resp.Message)
	}
	if resp.Code != "rejected" || len(resp.Receipts) != 1 {
		t.Fatalf("answer = %s %q, want one rejected receipt", resp.Code, resp.Message)
	}
	assertError(t, resp.Receipts[0], "invalid_string", "/records/0/data/facts")

	msgs := kafkatest.ReadAll(t, b.cfg.Kafka.Brokers, b.cfg.Kafka.Topics.Rejected())
	if len(msgs) != 1 {
		t.Fatalf("rejected topic holds %d messages, want 1", len(msgs))
	}
	var rej struct {
		intake.Rejection
		Truncated *struct {
			Bytes  int    `json:"bytes"`
			SHA256 string `json:"sha256"`
			Head   string `json:"head"`
		} `json:"truncated_envelope"`
	}
	if err := json.Unmarshal(msgs[0].Value, &rej); err != nil {
		t.Fatalf("rejection does not decode: %v", err)
	}
	if rej.SubmissionID != resp.SubmissionID || len(rej.Errors) != 1 || rej.Errors[0].Code != "invalid_string" {
		t.Errorf("rejection = %s %+v, want submission %s with the receipt's error", rej.SubmissionID, rej.Errors, resp.SubmissionID)
	}
	if rej.Envelope != nil || rej.Truncated == nil {
		t.Fatalf("rejection carries the whole envelope (%d bytes), want its head and hash", len(rej.Envelope))
	}
	raw := mustJSON(env)
	sum := sha256.Sum256(raw)
	head := strings.TrimSuffix(rej.Truncated.Head, "…")
	if tr := rej.Truncated; tr.Bytes != len(raw) || tr.SHA256 != hex.EncodeToString(sum[:]) || head == "" || !bytes.HasPrefix(raw, []byte(head)) {
		t.Errorf("truncated envelope = %d bytes, hash %s, head %.40q; want %d bytes, hash %x and the envelope's head", tr.Bytes, tr.SHA256, tr.Head, len(raw), sum)
	}
}

// TestTextTheDatabaseCannotHoldIsRefused names resources, and sends fields,
// with text PostgreSQL cannot hold: invalid UTF-8 and U+0000. Each is
// refused as a bad request or a name of nothing, never a 503.
func TestTextTheDatabaseCannotHoldIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	person := map[string]any{"name": "王\x00小明", "id_number": "500103196607041934"}
	for _, c := range []struct {
		method, path, key string
		body              any
		status            int
		code              string
	}{
		{"GET", "/v1/records/rec_%00", marketKey, nil, 404, "not_found"},
		{"GET", "/v1/records/%FF%FE", marketKey, nil, 404, "not_found"},
		{"GET", "/v1/subscriptions/sbn_%00", agencyKey, nil, 404, "not_found"},
		{"GET", "/v1/objections/obj_%C3", opKey, nil, 404, "not_found"},
		{"GET", "/v1/repairs/%00/files/proof/0", opKey, nil, 404, "not_found"},
		{"DELETE", "/v1/keys/key_%00", marketKey, nil, 404, "not_found"},
		{"POST", "/v1/keys", marketKey, map[string]any{"label": "a\x00b"}, 400, "invalid_body"},
		{"POST", "/v1/public/query", "", person, 400, "invalid_body"},
		{"POST", "/v1/public/access-log", b.idToken("王小明", "500103196607041934"), person, 400, "invalid_body"},
		{"POST", "/v1/objections", b.idToken("王小明", "500103196607041934"), map[string]any{"record_id": "rec_\x00", "name": "王小明", "id_number": "500103196607041934",
			"grounds": "error", "statement": "wrong"}, 400, "invalid_body"},
	} {
		var e struct{ Code, Message string }
		if got := b.call(c.method, c.path, c.key, c.body, &e); got != c.status || e.Code != c.code {
			t.Errorf("%s %s = %d %s (%s), want %d %s", c.method, c.path, got, e.Code, e.Message, c.status, c.code)
		}
	}
}
