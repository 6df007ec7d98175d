package pipeline

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/credex/credex/record"
)

func TestTopics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		prefix                            string
		record, rejected, deadLetter, grp string
	}{
		{"", "credex.records.administrative_penalty", "credex.rejected", "credex.deadletter", "credex.dbsink"},
		{"test-42.", "test-42.credex.records.administrative_penalty", "test-42.credex.rejected", "test-42.credex.deadletter", "test-42.credex.dbsink"},
	}
	for _, tt := range tests {
		t.Run("prefix "+tt.prefix, func(t *testing.T) {
			t.Parallel()
			topics := Topics{Prefix: tt.prefix}
			if got := topics.Record("administrative_penalty"); got != tt.record {
				t.Errorf("Record = %s, want %s", got, tt.record)
			}
			if got := topics.Rejected(); got != tt.rejected {
				t.Errorf("Rejected = %s, want %s", got, tt.rejected)
			}
			if got := topics.DeadLetter(); got != tt.deadLetter {
				t.Errorf("DeadLetter = %s, want %s", got, tt.deadLetter)
			}
			if got := topics.Group("dbsink"); got != tt.grp {
				t.Errorf("Group = %s, want %s", got, tt.grp)
			}
			if typ, ok := topics.RecordType(topics.Record("serious_dishonesty")); !ok || typ != "serious_dishonesty" {
				t.Errorf("RecordType(record.Record(serious_dishonesty)) = %q, %v", typ, ok)
			}
		})
	}
}

func TestRecordTypeRefusesOtherTopics(t *testing.T) {
	t.Parallel()
	topics := Topics{Prefix: "a."}
	for _, topic := range []string{
		"a.credex.rejected",
		"a.credex.deadletter",
		"credex.records.administrative_penalty",   // another hub's (no prefix)
		"b.credex.records.administrative_penalty", // another hub's
	} {
		if typ, ok := topics.RecordType(topic); ok {
			t.Errorf("RecordType(%q) = %q, true; want false", topic, typ)
		}
	}
}

func TestRecordMessage(t *testing.T) {
	t.Parallel()
	topics := Topics{Prefix: "t."}
	r := &record.Record{
		ID:             record.ID([]byte("0123456789abcdef"), "11500103540776846N", "administrative_penalty", "MR-2026-0001"),
		Type:           "administrative_penalty",
		Op:             record.OpUpsert,
		Version:        3,
		Department:     "11500103540776846N",
		SourceID:       "MR-2026-0001",
		SubjectKey:     record.SubjectKey([]byte("0123456789abcdef"), "500103196607041934"),
		SubjectName:    "王小明",
		SubjectMasked:  "500103********1934",
		CatalogVersion: 1,
		ContentHash:    record.CanonicalHash(record.OpUpsert, []byte(`{"amount_yuan":5000}`)),
		Data:           json.RawMessage(`{"amount_yuan":5000}`),
		SubmissionID:   "sub_x",
		AcceptedAt:     time.Date(2026, 11, 2, 9, 30, 0, 123_000_000, time.UTC),
	}
	m, err := topics.Message(r)
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	if m.Topic != "t.credex.records.administrative_penalty" {
		t.Errorf("Topic = %s, want t.credex.records.administrative_penalty", m.Topic)
	}
	if string(m.Key) != r.SubjectKey {
		t.Errorf("Key = %s, want the subject key %s", m.Key, r.SubjectKey)
	}
	headers := map[string]string{}
	for _, h := range m.Headers {
		headers[h.Key] = string(h.Value)
	}
	if headers["credex-record-id"] != r.ID || headers["credex-version"] != "3" {
		t.Errorf("Headers = %v, want credex-record-id %s and credex-version 3", headers, r.ID)
	}
	var back record.Record
	if err := json.Unmarshal(m.Value, &back); err != nil {
		t.Fatalf("decode value: %v", err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Errorf("value decodes to\n%+v\nwant\n%+v", back, *r)
	}
}
