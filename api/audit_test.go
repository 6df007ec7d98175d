package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/credex/credex/api"
	"github.com/credex/credex/audit"
	"github.com/credex/credex/record"
)

// memAudit is an audit log in memory, and the access log read from it. It
// knows the names that go with subjects; fail makes every append fail.
type memAudit struct {
	mu      sync.Mutex
	entries []audit.Stored
	head    audit.Head
	names   map[string]string // subject key → name
	fail    bool
}

var (
	_ audit.Log     = (*memAudit)(nil)
	_ api.AccessLog = (*memAudit)(nil)
)

func (m *memAudit) Append(_ context.Context, entries ...audit.Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("database down")
	}
	for _, e := range entries {
		s := m.head.Next(e)
		m.entries, m.head = append(m.entries, s), s.Head()
	}
	return nil
}

func (m *memAudit) SubjectNamed(_ context.Context, subjectKey, name string) (bool, error) {
	return m.names[subjectKey] == name, nil
}

func (m *memAudit) AuditAbout(_ context.Context, subject string, before int64, limit int) ([]audit.Stored, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []audit.Stored
	for _, e := range slices.Backward(m.entries) {
		if e.Subject == subject && (before == 0 || e.Seq < before) && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memAudit) failing(fail bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = fail
}

// TestAccessIsAuditedBeforeItIsAnswered: a department's read is recorded
// with its purpose and the subject's hash; when the log cannot take it the
// record is not disclosed.
func TestAccessIsAuditedBeforeItIsAnswered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := httptest.NewRequest("GET", "/v1/records/"+b.recordID, nil)
	r.Header.Set("Authorization", "Bearer "+departmentKey)
	r.Header.Set(api.PurposeHeader, "示税稽〔2025〕7号")
	w := httptest.NewRecorder()
	b.handler.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("read = %d: %s", w.Code, w.Body)
	}
	got := b.audit.entries[len(b.audit.entries)-1]
	if got.Action != audit.RecordRead || got.Principal != taxDepartment.Name || got.Kind != "department" ||
		got.Resource != b.recordID || got.Purpose != "示税稽〔2025〕7号" || got.Result != audit.OK {
		t.Errorf("recorded %+v", got.Entry)
	}

	r.Header.Set(api.PurposeHeader, strings.Repeat("因", 201))
	w = httptest.NewRecorder()
	b.handler.ServeHTTP(w, r)
	if w.Code != 400 || !strings.Contains(w.Body.String(), "invalid_purpose") {
		t.Errorf("a purpose of 201 characters: %d %s, want 400 invalid_purpose", w.Code, w.Body)
	}

	b.audit.failing(true)
	w = b.do("GET", "/v1/records/"+b.recordID, "", departmentKey, nil)
	if w.Code != 503 || strings.Contains(w.Body.String(), b.recordID) {
		t.Errorf("read with the audit log down = %d %s, want 503 without the record", w.Code, w.Body)
	}
	w = b.do("POST", "/v1/public/query", "application/json", "", []byte(`{"name":"`+exampleName+`","id_number":"`+exampleIDNumber+`"}`))
	if w.Code != 503 {
		t.Errorf("public query with the audit log down = %d, want 503", w.Code)
	}
}

// TestAccessLogShowsThePersonTheirEntries: the person sees the public query
// about them, newest first and paged; a wrong name sees nothing.
func TestAccessLogShowsThePersonTheirEntries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := `{"name":"` + exampleName + `","id_number":"` + exampleIDNumber + `"}`
	for range 3 {
		if w := b.do("POST", "/v1/public/query", "application/json", "", []byte(body)); w.Code != 200 {
			t.Fatalf("query = %d: %s", w.Code, w.Body)
		}
	}
	read := func(body string) (entries []map[string]any, next string) {
		t.Helper()
		w := b.do("POST", "/v1/public/access-log", "application/json", "", []byte(body))
		if w.Code != 200 {
			t.Fatalf("access log %s = %d: %s", body, w.Code, w.Body)
		}
		if strings.Contains(w.Body.String(), exampleIDNumber) {
			t.Errorf("the access log shows the ID number: %s", w.Body)
		}
		var v struct {
			Entries []map[string]any `json:"entries"`
			Next    string           `json:"next"`
		}
		json.Unmarshal(w.Body.Bytes(), &v)
		return v.Entries, v.Next
	}
	page, next := read(`{"name":"` + exampleName + `","id_number":"` + exampleIDNumber + `","limit":2}`)
	if len(page) != 2 || page[0]["action"] != audit.PublicQuery || page[0]["kind"] != "public" || next == "" {
		t.Fatalf("first page %v next %q, want two public queries and a cursor", page, next)
	}
	page, _ = read(`{"name":"` + exampleName + `","id_number":"` + exampleIDNumber + `","limit":2,"before":"` + next + `"}`)
	if len(page) != 1 {
		t.Errorf("second page has %d entries, want the oldest query", len(page))
	}
	if page, _ := read(`{"name":"李小红","id_number":"` + exampleIDNumber + `"}`); len(page) != 0 {
		t.Errorf("a wrong name reads %d entries, want none", len(page))
	}
	subject := record.SubjectKey([]byte(testSubjectKey), exampleIDNumber)
	for _, e := range b.audit.entries {
		if e.Subject != "" && e.Subject != subject {
			t.Errorf("entry %d has subject %q, not the keyed hash", e.Seq, e.Subject)
		}
	}
}
