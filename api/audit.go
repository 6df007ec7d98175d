package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/casework"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/store"
)

// PurposeHeader carries why an authenticated caller makes a request: the
// legal basis or authorisation it acts under. The audit log records it with
// every access to personal data the request makes.
const PurposeHeader = "X-Credex-Purpose"

// maxPurpose is the longest purpose, in characters.
const maxPurpose = 200

var errBadPurpose = apierr.New(http.StatusBadRequest, "invalid_purpose",
	PurposeHeader+" is at most 200 characters of UTF-8 text: the legal basis or authorisation you act under")

// purpose returns r's context with the purpose r states, or an error when
// the header is too long or not text.
func purpose(r *http.Request) (context.Context, *apierr.Error) {
	p := strings.TrimSpace(r.Header.Get(PurposeHeader))
	if !utf8.ValidString(p) || utf8.RuneCountInString(p) > maxPurpose {
		return nil, errBadPurpose
	}
	if p == "" {
		return r.Context(), nil
	}
	return audit.WithPurpose(r.Context(), p), nil
}

// logAccess records what a request does with personal data, before the
// answer discloses anything. When the entries cannot be stored it answers
// 503 unavailable and returns false: an access that cannot be logged does
// not happen.
func (a *server) logAccess(w http.ResponseWriter, r *http.Request, entries ...audit.Entry) bool {
	if err := a.Audit.Record(r.Context(), entries...); err != nil {
		a.Logger.ErrorContext(r.Context(), "audit log", "err", err)
		apierr.Write(w, errDown)
		return false
	}
	return true
}

// Subjects says whether a name and an ID number go with the records the hub
// holds (see store.Store.MatchSubject): for the public query, and to tell
// whether someone named in a request that is not theirs has records to
// learn of the attempt.
type Subjects interface {
	MatchSubject(ctx context.Context, subjectKey, name string) (store.SubjectMatch, error)
}

// AccessLog answers a person's question of who accessed their records.
type AccessLog interface {
	// AuditAbout returns up to limit entries about subject with a seq
	// below before (0: from the newest), newest first.
	AuditAbout(ctx context.Context, subject string, before int64, limit int) ([]audit.Stored, error)
}

// accessLogRequest is the body of POST /v1/public/access-log. Name and
// IDNumber are optional: the person is the one the request's ID token
// names.
type accessLogRequest struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	// Before is the cursor of the page: the next of the page before.
	Before string `json:"before"`
	// Limit is the most entries of the page, from 1 to maxAccessPage;
	// defaultAccessPage when absent.
	Limit *int `json:"limit"`
}

// accessView is one access as the person it concerns sees it.
type accessView struct {
	At        time.Time `json:"at"`
	Principal string    `json:"principal"`
	Kind      string    `json:"kind"`
	Action    string    `json:"action"`
	Resource  string    `json:"resource,omitempty"`
	Purpose   string    `json:"purpose,omitempty"`
	Result    string    `json:"result"`
}

const (
	defaultAccessPage = 50
	maxAccessPage     = 200
)

// accessLog serves POST /v1/public/access-log: the person a record is about
// reads, newest first, who accessed their records, when, why and with what
// result. They prove who they are with their ID token (asPerson); a body
// that names someone else is refused (personSubject). The body may be empty.
func (a *server) accessLog(w http.ResponseWriter, r *http.Request) {
	var req accessLogRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 4<<10))
	if err := decodeJSON(dec, &req); err != nil && !errors.Is(err, io.EOF) {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body",
			`the body is empty or {"name": ..., "id_number": ...}, with "before" and "limit" to page; name and id_number are optional: `+err.Error()))
		return
	}
	before, err := parseCursor(req.Before)
	switch {
	case err != nil:
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_cursor", "before must be the next of an earlier answer").At("/before"))
		return
	case req.Limit != nil && (*req.Limit < 1 || *req.Limit > maxAccessPage):
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_limit", "limit is from 1 to 200 (default 50)").At("/limit"))
		return
	}
	if e := tooLong("/name", req.Name, casework.MaxName); e != nil {
		apierr.Write(w, e)
		return
	}
	limit := defaultAccessPage
	if req.Limit != nil {
		limit = *req.Limit
	}
	subject, ok := a.personSubject(w, r, audit.AccessLogRead, req.Name, req.IDNumber)
	if !ok {
		return
	}
	entries, err := a.AccessLog.AuditAbout(r.Context(), subject, before, limit)
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "access log", "err", err)
		apierr.Write(w, errDown)
		return
	}
	if !a.logAccess(w, r, audit.Entry{Kind: audit.Person, Action: audit.AccessLogRead, Subject: subject, Result: audit.OK}) {
		return
	}
	views := make([]accessView, len(entries))
	for i, e := range entries {
		// A purpose is free text that readers wrote: an ID number in it,
		// of this person or another, is masked.
		views[i] = accessView{At: e.At, Principal: e.Principal, Kind: e.Kind, Action: e.Action,
			Resource: e.Resource, Purpose: ident.MaskText(e.Purpose), Result: e.Result}
	}
	answer := map[string]any{"entries": views, "next": ""}
	if len(entries) == limit {
		answer["next"] = formatCursor(entries[len(entries)-1].Seq)
	}
	apierr.JSON(w, http.StatusOK, answer)
}

// found is the result of a query that found n things: OK, or NotFound.
func found(n int) string {
	if n == 0 {
		return audit.NotFound
	}
	return audit.OK
}
