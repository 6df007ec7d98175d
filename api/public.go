package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/casework"
	"github.com/credex/credex/catalog/registry"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
	"github.com/credex/credex/workday"
)

// PublicRecords keeps what the public may see of the public credit database:
// records first published within the given spans (while their type was
// public) that are active, displayed and inside their display window at
// now (see store.Store.PublicRecords).
type PublicRecords interface {
	PublicRecords(ctx context.Context, subjectKey, name string, spans []store.PublicSpan, now time.Time) ([]store.PublicRecord, error)
	PublicRecord(ctx context.Context, id string, spans []store.PublicSpan, now time.Time) (*store.PublicRecord, error)
}

// routePublic registers the public query, which needs no key: anyone may
// read what is publicly displayed, masked, by a person's name and ID
// number. A person reads their access log with their ID token. ID numbers
// travel in bodies, never in URLs.
func (a *server) routePublic(mux *http.ServeMux) {
	mux.Handle("POST /v1/public/query", a.limitByIP(a.publicQuery))
	mux.Handle("GET /v1/public/records/{id}", a.limitByIP(a.publicRecord))
	mux.Handle("POST /v1/public/access-log", a.asPerson(a.accessLog))
}

// publicQueryRequest is the body of POST /v1/public/query.
type publicQueryRequest struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

// publicRecordView is a record as the public sees it: no history, no source
// id, every ID number masked.
type publicRecordView struct {
	RecordID       string          `json:"record_id"`
	Type           string          `json:"type"`
	TypeName       string          `json:"type_name_zh,omitempty"`
	Class          string          `json:"class,omitempty"`
	Department     string          `json:"department"`
	Version        int             `json:"version"`
	Disputed       bool            `json:"disputed"`
	CatalogVersion int             `json:"catalog_version"`
	Subject        subjectView     `json:"subject"`
	Data           json.RawMessage `json:"data"`
	Display        *displayView    `json:"display,omitempty"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// displayView is a record's display window, in Beijing time: shown from
// From until Until, open to credit repair after RepairFrom.
type displayView struct {
	From       time.Time `json:"from"`
	RepairFrom time.Time `json:"repair_from"`
	Until      time.Time `json:"until"`
}

var errNoPublicRecord = apierr.New(http.StatusNotFound, "record_not_found", "no publicly displayed record has this id")

// publicQuery serves POST /v1/public/query: the publicly displayed records
// about the person with this name and ID number. A person with no such
// record, or a name that does not go with the number, gets an empty list.
func (a *server) publicQuery(w http.ResponseWriter, r *http.Request) {
	var req publicQueryRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 4<<10))
	if err := decodeJSON(dec, &req); err != nil {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body",
			`the body must be {"name": ..., "id_number": ...}: `+err.Error()))
		return
	}
	if e := checkPerson(&req.Name, &req.IDNumber); e != nil {
		apierr.Write(w, e)
		return
	}
	if !a.throttleLookup(w, r, req.IDNumber) {
		return
	}
	subject := record.SubjectKey(a.SubjectKey, req.IDNumber)
	recs, err := a.Public.PublicRecords(r.Context(), subject, req.Name, a.publicSpans(), a.now())
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "public query", "err", err)
		apierr.Write(w, errDown)
		return
	}
	result := found(len(recs))
	if len(recs) == 0 {
		// A name that does not go with the number's records is a failed
		// proof; the caller gets the same empty list.
		match, err := a.Subjects.MatchSubject(r.Context(), subject, req.Name)
		if err != nil {
			a.Logger.ErrorContext(r.Context(), "public query", "err", err)
			apierr.Write(w, errDown)
			return
		}
		if match == store.SubjectMisnamed {
			result = audit.IdentityFailed
		}
	}
	if !a.logAccess(w, r, audit.Entry{Action: audit.PublicQuery, Subject: subject, Result: result}) {
		return
	}
	views := make([]publicRecordView, len(recs))
	for i := range recs {
		views[i] = a.publicView(&recs[i])
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"records": views})
}

// publicRecord serves GET /v1/public/records/{id}. A record that does not
// exist and one the public may not see answer alike.
func (a *server) publicRecord(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rec, err := a.Public.PublicRecord(r.Context(), id, a.publicSpans(), a.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		if a.logAccess(w, r, audit.Entry{Action: audit.PublicRead, Resource: id, Result: audit.NotFound}) {
			apierr.Write(w, errNoPublicRecord)
		}
		return
	case err != nil:
		a.Logger.ErrorContext(r.Context(), "public record", "err", err)
		apierr.Write(w, errDown)
		return
	}
	if !a.logAccess(w, r, audit.Entry{Action: audit.PublicRead, Resource: id, Subject: rec.SubjectKey, Result: audit.OK}) {
		return
	}
	apierr.JSON(w, http.StatusOK, a.publicView(rec))
}

// publicSpans are the periods in which each public type's records were
// published public (registry.PublicSpans).
func (a *server) publicSpans() []store.PublicSpan {
	return registry.PublicSpans(a.Catalog.Types(), a.Catalog.Spans)
}

func (a *server) publicView(rec *store.PublicRecord) publicRecordView {
	v := publicRecordView{
		RecordID: rec.ID, Type: rec.Type, Department: rec.Department, Version: rec.Version, Disputed: rec.Disputed,
		CatalogVersion: rec.CatalogVersion, Subject: subjectView{Name: rec.SubjectName, IDNumber: rec.SubjectMasked},
		Data: ident.MaskPayload(rec.Data), UpdatedAt: rec.UpdatedAt,
	}
	if t, ok := a.Catalog.Type(rec.Type); ok {
		v.TypeName, v.Class = t.NameZH, string(t.Class)
	}
	if rec.DisplayFrom != nil && rec.RepairFrom != nil && rec.DisplayUntil != nil {
		v.Display = &displayView{From: rec.DisplayFrom.In(workday.Location),
			RepairFrom: rec.RepairFrom.In(workday.Location), Until: rec.DisplayUntil.In(workday.Location)}
	}
	return v
}

// checkPerson tidies the name and ID number by which the public query names
// a person (spaces around the name trimmed, the ID number read by
// readIDNumber) and refuses a missing name or an ID number that is not one.
func checkPerson(name, idNumber *string) *apierr.Error {
	if e := tooLong("/name", *name, casework.MaxName); e != nil {
		return e
	}
	*name = strings.TrimSpace(*name)
	if *name == "" {
		return apierr.New(http.StatusBadRequest, "missing_name", "name is required: the name on the ID card").At("/name")
	}
	n, e := readIDNumber(*idNumber)
	*idNumber = n
	return e
}
