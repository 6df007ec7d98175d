package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// testSubjectKey keys the subject hash of the API under test.
const testSubjectKey = "test-subject-key"

// The person of the catalogue's example penalty, whom the fake displays.
const (
	exampleName     = "王小明"
	exampleIDNumber = "500103196607041934"
	// otherIDNumber is a valid ID number written into the example's facts.
	otherIDNumber = "11010519491231002X"
)

// fakePublic is an api.PublicRecords displaying one record of the example
// person, with a second ID number in its free text, until a fixed time.
type fakePublic struct {
	rec        store.PublicRecord
	subjectKey string
}

var _ interface {
	PublicRecords(context.Context, string, string, []store.PublicSpan, time.Time) ([]store.PublicRecord, error)
	PublicRecord(context.Context, string, []store.PublicSpan, time.Time) (*store.PublicRecord, error)
} = (*fakePublic)(nil)

func newFakePublic(recordID string, example []byte, at time.Time) *fakePublic {
	var d map[string]any
	json.Unmarshal(example, &d)
	d["facts"] = "当事人（身份证号" + otherIDNumber + "）" + d["facts"].(string)
	data, _ := json.Marshal(d)
	from := time.Date(2025, 6, 3, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	repair, until := from.AddDate(0, 3, 1).Add(-time.Microsecond), from.AddDate(1, 0, 1).Add(-time.Microsecond)
	return &fakePublic{
		subjectKey: record.SubjectKey([]byte(testSubjectKey), exampleIDNumber),
		rec: store.PublicRecord{
			ID: recordID, Type: "administrative_penalty", Department: taxDepartment.Code,
			SubjectName: exampleName, SubjectMasked: "5001**********1934", Version: 1, CatalogVersion: 1,
			Data: data, DisplayFrom: &from, RepairFrom: &repair, DisplayUntil: &until, UpdatedAt: at,
		},
	}
}

// spans reports whether the record's type has a span from the start; the fake's record was
// published under its type's first version.
func (f *fakePublic) spans(spans []store.PublicSpan) bool {
	return slices.ContainsFunc(spans, func(s store.PublicSpan) bool { return s.Type == f.rec.Type && s.From.IsZero() })
}

func (f *fakePublic) PublicRecords(_ context.Context, subjectKey, name string, spans []store.PublicSpan, _ time.Time) ([]store.PublicRecord, error) {
	if subjectKey != f.subjectKey || name != f.rec.SubjectName || !f.spans(spans) {
		return nil, nil
	}
	return []store.PublicRecord{f.rec}, nil
}

func (f *fakePublic) PublicRecord(_ context.Context, id string, spans []store.PublicSpan, _ time.Time) (*store.PublicRecord, error) {
	if id != f.rec.ID || !f.spans(spans) {
		return nil, store.ErrNotFound
	}
	return &f.rec, nil
}

// TestOpenAPIDescribesPublicQuery checks the public query's answers against
// the document: records with every ID number masked, the same empty answer
// for a stranger and for a wrong name, and the documented errors.
func TestOpenAPIDescribesPublicQuery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	schema := func(path, method, status string) map[string]any {
		t.Helper()
		resp, _ := b.lookup("#/paths/" + strings.ReplaceAll(path, "/", "~1") + "/" + method + "/responses/" + status).(map[string]any)
		if resp == nil {
			t.Fatalf("%s %s has no %s response", method, path, status)
		}
		content, _ := b.resolve(t, resp)["content"].(map[string]any)
		return content["application/json"].(map[string]any)["schema"].(map[string]any)
	}
	query := func(body string) (int, map[string]any, string) {
		t.Helper()
		w := b.do("POST", "/v1/public/query", "application/json", "", []byte(body))
		for _, full := range []string{exampleIDNumber, otherIDNumber} {
			if strings.Contains(w.Body.String(), full) {
				t.Errorf("query %s: the answer shows the ID number %s in full: %s", body, full, w.Body)
			}
		}
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("query %s: %v", body, err)
		}
		b.conform(t, "POST /v1/public/query", schema("/v1/public/query", "post", strconv.Itoa(w.Code)), v)
		code, _ := v["code"].(string)
		return w.Code, v, code
	}

	status, v, _ := query(`{"name":"王小明","id_number":"500103196607041934"}`)
	if recs, _ := v["records"].([]any); status != 200 || len(recs) != 1 {
		t.Fatalf("the example person: %d %v, want their one record", status, v)
	}
	rec := v["records"].([]any)[0].(map[string]any)
	if rec["record_id"] != b.recordID || rec["disputed"] != false || rec["display"] == nil {
		t.Errorf("record %v: want %s, not disputed, with its display window", rec, b.recordID)
	}
	if facts := rec["data"].(map[string]any)["facts"].(string); !strings.Contains(facts, "1101**********002X") {
		t.Errorf("facts %q: want the ID number in them masked", facts)
	}
	// Spaces around the name do not matter.
	if status, v, _ := query(`{"name":" 王小明 ","id_number":"500103196607041934"}`); status != 200 || len(v["records"].([]any)) != 1 {
		t.Errorf("the example person with spaces around the name: %d %v, want their record", status, v)
	}
	for _, body := range []string{
		`{"name":"王大明","id_number":"500103196607041934"}`, // the number of someone else's name
		`{"name":"王小明","id_number":"11010519491231002X"}`, // a person with no record
	} {
		if status, v, _ := query(body); status != 200 || len(v["records"].([]any)) != 0 {
			t.Errorf("query %s: %d %v, want 200 and no records", body, status, v)
		}
	}
	for _, tc := range []struct{ body, code string }{
		{`{"name":"王小明"}`, "invalid_id_number"},
		{`{"name":"王小明","id_number":"500103196607041935"}`, "invalid_id_number"},
		{`{"id_number":"500103196607041934"}`, "missing_name"},
		{`{"name":"王小明","id_number":"500103196607041934","extra":1}`, "invalid_body"},
		{`[]`, "invalid_body"},
	} {
		if status, _, code := query(tc.body); status != 400 || code != tc.code {
			t.Errorf("query %s: %d %s, want 400 %s", tc.body, status, code, tc.code)
		}
	}

	w := b.do("GET", "/v1/public/records/"+b.recordID, "", "", nil)
	if w.Code != 200 || strings.Contains(w.Body.String(), exampleIDNumber) || strings.Contains(w.Body.String(), otherIDNumber) {
		t.Errorf("GET the public record = %d %s, want it with ID numbers masked", w.Code, w.Body)
	}
	var one map[string]any
	json.Unmarshal(w.Body.Bytes(), &one)
	b.conform(t, "GET /v1/public/records/{id}", schema("/v1/public/records/{id}", "get", "200"), one)
	w = b.do("GET", "/v1/public/records/rec_nosuchrecord", "", "", nil)
	if w.Code != 404 || errorCode(w) != "record_not_found" {
		t.Errorf("GET an unknown public record = %d %s, want 404 record_not_found", w.Code, w.Body)
	}
}
