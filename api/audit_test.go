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

// TestAccessLogShowsThePersonTheirEntries: the person, with their ID token,
// sees the public queries about them, newest first and paged; a body that
// names them is theirs to send; another person's token sees nothing of
// theirs, and name and ID number without a token see nothing at all.
func TestAccessLogShowsThePersonTheirEntries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := `{"name":"` + exampleName + `","id_number":"` + exampleIDNumber + `"}`
	for range 3 {
		if w := b.do("POST", "/v1/public/query", "application/json", "", []byte(body)); w.Code != 200 {
			t.Fatalf("query = %d: %s", w.Code, w.Body)
		}
	}
	token := b.token(t, exampleName, exampleIDNumber)
	read := func(token, body string) (entries []map[string]any, next string) {
		t.Helper()
		w := b.do("POST", "/v1/public/access-log", "application/json", token, []byte(body))
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
	page, next := read(token, `{"limit":2}`)
	if len(page) != 2 || page[0]["action"] != audit.PublicQuery || page[0]["kind"] != "public" || next == "" {
		t.Fatalf("first page %v next %q, want two public queries and a cursor", page, next)
	}
	page, _ = read(token, `{"name":"`+exampleName+`","id_number":"`+exampleIDNumber+`","limit":2,"before":"`+next+`"}`)
	if len(page) != 1 {
		t.Errorf("second page has %d entries, want the oldest query", len(page))
	}
	if page, _ := read(token, ``); len(page) != 5 || page[0]["action"] != audit.AccessLogRead || page[0]["kind"] != audit.Person {
		t.Errorf("an empty body reads %v, want the two reads by the person and the queries", page)
	}
	stranger := ident.NewCitizenID(rand.New(rand.NewPCG(5, 5)))
	if page, _ := read(b.token(t, "李小红", stranger), ``); len(page) != 0 {
		t.Errorf("another person reads %d entries, want none", len(page))
	}
	// A limit or a cursor outside what the document states is refused.
	for _, c := range []struct{ extra, code, pointer string }{
		{`"limit":0`, "invalid_limit", "/limit"},
		{`"limit":201`, "invalid_limit", "/limit"},
		{`"limit":-1`, "invalid_limit", "/limit"},
		{`"before":"x"`, "invalid_cursor", "/before"},
		{`"before":"1000000000000000000"`, "invalid_cursor", "/before"},
	} {
		w := b.do("POST", "/v1/public/access-log", "application/json", token, []byte(`{`+c.extra+`}`))
		var e struct{ Code, Pointer string }
		json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 400 || e.Code != c.code || e.Pointer != c.pointer {
			t.Errorf("access log with %s = %d %s, want 400 %s at %s", c.extra, w.Code, w.Body, c.code, c.pointer)
		}
	}
	if w := b.do("POST", "/v1/public/access-log", "application/json", "", []byte(body)); w.Code != 401 || errorCode(w) != "person_token_required" {
		t.Errorf("name and ID number without a token = %d %s, want 401 person_token_required", w.Code, w.Body)
	}
	subject := record.SubjectKey([]byte(testSubjectKey), exampleIDNumber)
	for _, e := range b.audit.entries {
		if e.Subject != "" && e.Subject != subject && e.Subject != record.SubjectKey([]byte(testSubjectKey), stranger) {
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
// with a name that is not theirs to the public query, or names them with
// another person's ID token, is told no more than about a stranger, and the
// attempt is logged about that person, by the keyed hash only; a number of
// whom the hub holds nothing is no one's failed proof.
func TestFailedIdentityProofsAreAudited(t *testing.T) {
	t.Parallel()
	b := setup(t)
	subject := record.SubjectKey([]byte(testSubjectKey), exampleIDNumber)
	r := rand.New(rand.NewPCG(7, 7))
	stranger, impostor := ident.NewCitizenID(r), ident.NewCitizenID(r)
	impostorToken := b.token(t, "李不是", impostor)
	for _, tt := range []struct {
		name, path, token, body string
		code                    int
		action, kind            string
	}{
		{"public query", "/v1/public/query", "", `{"name":"李不是","id_number":"` + exampleIDNumber + `"}`, 200, audit.PublicQuery, audit.Public},
		{"access log", "/v1/public/access-log", impostorToken, `{"name":"` + exampleName + `","id_number":"` + exampleIDNumber + `"}`,
			403, audit.AccessLogRead, audit.Person},
		{"authorisation", "/v1/authorisations", impostorToken, `{"name":"` + exampleName + `","id_number":"` + exampleIDNumber +
			`","agency":"commercial-bank","purpose":"loan","types":["tax_credit"],"valid_days":30}`, 403, "authorisation.granted", audit.Person},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := b.do("POST", tt.path, "application/json", tt.token, []byte(tt.body))
			if w.Code != tt.code {
				t.Fatalf("%s naming another = %d: %s, want %d", tt.path, w.Code, w.Body, tt.code)
			}
			got := b.audit.last()
			if got.Action != tt.action || got.Result != audit.IdentityFailed || got.Subject != subject || got.Kind != tt.kind {
				t.Errorf("recorded %+v, want a failed proof of %s about the person", got.Entry, tt.action)
			}
			if strings.Contains(fmt.Sprint(got.Entry), exampleIDNumber) {
				t.Errorf("the entry holds the ID number: %+v", got.Entry)
			}

			n := len(b.audit.entries)
			again := b.do("POST", tt.path, "application/json", tt.token, []byte(strings.ReplaceAll(tt.body, exampleIDNumber, stranger)))
			if again.Code != tt.code || again.Body.String() != strings.ReplaceAll(w.Body.String(), exampleIDNumber, stranger) {
				t.Fatalf("%s naming a stranger = %d: %s, want the answer about the person: %d %s", tt.path, again.Code, again.Body, w.Code, w.Body)
			}
			for _, e := range b.audit.entries[n:] {
				if e.Result == audit.IdentityFailed {
					t.Errorf("a number of no record logged a failed proof: %+v", e.Entry)
				}
			}
		})
	}

	w := b.do("POST", "/v1/public/access-log", "application/json", b.token(t, exampleName, exampleIDNumber), nil)
	if w.Code != 200 || strings.Count(w.Body.String(), audit.IdentityFailed) != 3 {
		t.Errorf("the person's access log = %d %s, want the three failed proofs", w.Code, w.Body)
	}

	b.audit.failing(true)
	w = b.do("POST", "/v1/authorisations", "application/json", impostorToken, []byte(`{"name":"`+exampleName+`","id_number":"`+exampleIDNumber+
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
