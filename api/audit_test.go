package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/credex/credex/api"
	"github.com/credex/credex/audit"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
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
	_ api.Subjects  = (*memAudit)(nil)
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

func (m *memAudit) MatchSubject(_ context.Context, subjectKey, name string) (store.SubjectMatch, error) {
	switch known, ok := m.names[subjectKey]; {
	case !ok:
		return store.SubjectUnknown, nil
	case known != name:
		return store.SubjectMisnamed, nil
	}
	return store.SubjectNamed, nil
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
	// A limit or a cursor outside what the document states is refused.
	for _, c := range []struct{ extra, code, pointer string }{
		{`"limit":0`, "invalid_limit", "/limit"},
		{`"limit":201`, "invalid_limit", "/limit"},
		{`"limit":-1`, "invalid_limit", "/limit"},
		{`"before":"x"`, "invalid_cursor", "/before"},
		{`"before":"1000000000000000000"`, "invalid_cursor", "/before"},
	} {
		w := b.do("POST", "/v1/public/access-log", "application/json", "",
			[]byte(`{"name":"`+exampleName+`","id_number":"`+exampleIDNumber+`",`+c.extra+`}`))
		var e struct{ Code, Pointer string }
		json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 400 || e.Code != c.code || e.Pointer != c.pointer {
			t.Errorf("access log with %s = %d %s, want 400 %s at %s", c.extra, w.Code, w.Body, c.code, c.pointer)
		}
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

// last returns the newest entry of the log.
func (m *memAudit) last() audit.Stored {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.entries) == 0 {
		return audit.Stored{}
	}
	return m.entries[len(m.entries)-1]
}

// TestDeadLettersReadIsAudited: listing a subscription's dead letters
// discloses their records, so each is logged before the answer, and with
// the log down nothing is disclosed.
func TestDeadLettersReadIsAudited(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path := "/v1/subscriptions/" + webhookSubscription + "/dead-letters"
	w := b.do("GET", path, "", agencyKey, nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), b.recordID) {
		t.Fatalf("dead letters = %d: %s", w.Code, w.Body)
	}
	got := b.audit.last()
	if got.Action != audit.DeadLetterRead || got.Principal != "bank-regulator" || got.Kind != "agency" ||
		got.Resource != b.recordID || got.Purpose != webhookSubscription || got.Result != audit.OK {
		t.Errorf("recorded %+v, want the agency's read of the dead letter under its subscription", got.Entry)
	}

	b.audit.failing(true)
	w = b.do("GET", path, "", agencyKey, nil)
	if w.Code != 503 || strings.Contains(w.Body.String(), b.recordID) {
		t.Errorf("dead letters with the audit log down = %d %s, want 503 without the events", w.Code, w.Body)
	}
}

// TestFailedIdentityProofsAreAudited: whoever gives a person's ID number
// with a name that is not theirs gets the answer a stranger gets, and the
// failed proof is logged about that person, by the keyed hash only; a
// number of whom the hub holds nothing is no one's failed proof.
func TestFailedIdentityProofsAreAudited(t *testing.T) {
	t.Parallel()
	b := setup(t)
	subject := record.SubjectKey([]byte(testSubjectKey), exampleIDNumber)
	stranger := ident.NewCitizenID(rand.New(rand.NewPCG(7, 7)))
	for _, tt := range []struct {
		name, path, body string
		code             int
		action           string
	}{
		{"public query", "/v1/public/query", `{"name":"李不是","id_number":"` + exampleIDNumber + `"}`, 200, audit.PublicQuery},
		{"access log", "/v1/public/access-log", `{"name":"李不是","id_number":"` + exampleIDNumber + `"}`, 200, audit.AccessLogRead},
		{"authorisation", "/v1/authorisations", `{"name":"李不是","id_number":"` + exampleIDNumber +
			`","agency":"commercial-bank","purpose":"loan","types":["tax_credit"],"valid_days":30}`, 404, "authorisation.granted"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := b.do("POST", tt.path, "application/json", "", []byte(tt.body))
			if w.Code != tt.code {
				t.Fatalf("%s with a wrong name = %d: %s, want %d", tt.path, w.Code, w.Body, tt.code)
			}
			got := b.audit.last()
			if got.Action != tt.action || got.Result != audit.IdentityFailed || got.Subject != subject || got.Kind != audit.Public {
				t.Errorf("recorded %+v, want a failed proof of %s about the person", got.Entry, tt.action)
			}
			if strings.Contains(fmt.Sprint(got.Entry), exampleIDNumber) {
				t.Errorf("the entry holds the ID number: %+v", got.Entry)
			}

			n := len(b.audit.entries)
			w = b.do("POST", tt.path, "application/json", "", []byte(strings.ReplaceAll(tt.body, exampleIDNumber, stranger)))
			if w.Code != tt.code {
				t.Fatalf("%s of a stranger = %d: %s, want %d, as for a wrong name", tt.path, w.Code, w.Body, tt.code)
			}
			for _, e := range b.audit.entries[n:] {
				if e.Result == audit.IdentityFailed {
					t.Errorf("a number of no record logged a failed proof: %+v", e.Entry)
				}
			}
		})
	}

	w := b.do("POST", "/v1/public/access-log", "application/json", "",
		[]byte(`{"name":"`+exampleName+`","id_number":"`+exampleIDNumber+`"}`))
	if w.Code != 200 || strings.Count(w.Body.String(), audit.IdentityFailed) != 3 {
		t.Errorf("the person's access log = %d %s, want the three failed proofs", w.Code, w.Body)
	}

	b.audit.failing(true)
	w = b.do("POST", "/v1/authorisations", "application/json", "", []byte(`{"name":"李不是","id_number":"`+exampleIDNumber+
		`","agency":"commercial-bank","purpose":"loan","types":["tax_credit"],"valid_days":30}`))
	if w.Code != 503 {
		t.Errorf("a failed proof with the audit log down = %d, want 503", w.Code)
	}
}

// TestAuditEntriesAreBounded: a keyless request with a 900 KB path, or
// with bytes PostgreSQL text cannot hold, leaves a small entry that the
// chain verifies.
func TestAuditEntriesAreBounded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, id := range []string{strings.Repeat("x", 900<<10), "rec_%00%FF"} {
		w := b.do("GET", "/v1/public/records/"+id, "", "", nil)
		if w.Code != 404 {
			t.Fatalf("public read of an unknown id = %d", w.Code)
		}
		got := b.audit.last()
		if size := len(got.Resource) + len(got.Purpose); size > audit.MaxField || !utf8.ValidString(got.Resource) || strings.ContainsRune(got.Resource, 0) {
			t.Errorf("entry of %d bytes, resource %.80q; want at most %d bytes of UTF-8 text", size, got.Resource, audit.MaxField)
		}
	}
	if _, err := audit.Verify(func(yield func(audit.Stored, error) bool) {
		for _, e := range b.audit.entries {
			if !yield(e, nil) {
				return
			}
		}
	}, b.audit.head); err != nil {
		t.Errorf("the log does not verify: %v", err)
	}
}
