package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/credex/credex/audit"
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
		a.Logger.Error("audit log", "err", err)
		apierr.Write(w, errDown)
		return false
	}
	return true
}

// refuseProof records that a caller named a person without proving to be
// them, and returns refusal, the answer they get (nil: none), or 503
// unavailable when the entry cannot be stored. Action is what they tried,
// resource the record they named (if any), subject the keyed hash of the
// person whose records were concerned: the entry holds no ID number and
// tells nobody but that person, in their access log, that someone tried.
//
// Every place that checks a person's name and ID number calls it when the
// check fails, with the same answer as before, so the caller learns nothing
// more: the public query, the access log, authorisations (here), objections
// and repair applications (casework, with the same entry).
func (a *server) refuseProof(ctx context.Context, action, resource, subject string, refusal *apierr.Error) *apierr.Error {
	err := a.Audit.Record(ctx, audit.Entry{Action: action, Resource: resource, Subject: subject, Result: audit.IdentityFailed})
	if err != nil {
		a.Logger.Error("audit log", "err", err)
		return errDown
	}
	return refusal
}

// Subjects says whether a person who names themselves is the subject of
// records (see store.Store.MatchSubject).
type Subjects interface {
	MatchSubject(ctx context.Context, subjectKey, name string) (store.SubjectMatch, error)
}

// AccessLog answers a person's question of who accessed their records.
type AccessLog interface {
	// AuditAbout returns up to limit entries about subject with a seq
	// below before (0: from the newest), newest first.
	AuditAbout(ctx context.Context, subject string, before int64, limit int) ([]audit.Stored, error)
}

// accessLogRequest is the body of POST /v1/public/access-log.
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
// result. They prove who they are as for an objection; a name that goes with
// no record of the number gets an empty list (and the failed proof is in the
// log of the person the number belongs to), as does a person of whom the hub
// holds nothing.
func (a *server) accessLog(w http.ResponseWriter, r *http.Request) {
	var req accessLogRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 4<<10))
	if err := decodeJSON(dec, &req); err != nil {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body",
			`the body must be {"name": ..., "id_number": ...}, with "before" and "limit" to page: `+err.Error()))
		return
	}
	before, err := parseCursor(req.Before)
	if e := checkPerson(&req.Name, &req.IDNumber); e != nil {
		apierr.Write(w, e)
		return
	}
	switch {
	case err != nil:
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_cursor", "before must be the next of an earlier answer").At("/before"))
		return
	case req.Limit != nil && (*req.Limit < 1 || *req.Limit > maxAccessPage):
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_limit", "limit is from 1 to 200 (default 50)").At("/limit"))
		return
	}
	limit := defaultAccessPage
	if req.Limit != nil {
		limit = *req.Limit
	}
	subject := audit.Subject(a.SubjectKey, req.IDNumber)
	answer := map[string]any{"entries": []accessView{}, "next": ""}
	match, err := a.Subjects.MatchSubject(r.Context(), subject, req.Name)
	switch {
	case err != nil:
		a.Logger.Error("access log", "err", err)
		apierr.Write(w, errDown)
		return
	case match == store.SubjectMisnamed:
		if e := a.refuseProof(r.Context(), audit.AccessLogRead, "", subject, nil); e != nil {
			apierr.Write(w, e)
			return
		}
		fallthrough
	case match != store.SubjectNamed:
		apierr.JSON(w, http.StatusOK, answer)
		return
	}
	entries, err := a.AccessLog.AuditAbout(r.Context(), subject, before, limit)
	if err != nil {
		a.Logger.Error("access log", "err", err)
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
	answer["entries"] = views
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
