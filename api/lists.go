package api

import (
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/authz"
	"github.com/credex/credex/casework"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
	"github.com/credex/credex/subscription"
	"github.com/credex/credex/workday"
)

// Lists answers the red and black list queries. *store.Store implements it.
type Lists interface {
	// ListEntries returns the records of types about the person with subject
	// key subjectKey that are active, displayed and within their display
	// window at t.
	ListEntries(ctx context.Context, subjectKey string, types []string, t time.Time) ([]store.ListEntry, error)
}

var errListsNotAgency = apierr.New(http.StatusForbidden, "not_an_agency", "only agencies query the red and black lists")

// listsQuery is the body of POST /v1/lists/query.
type listsQuery struct {
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
}

// listEntryView is one record that puts a person on the red or black list.
type listEntryView struct {
	RecordID string `json:"record_id"`
	Type     string `json:"type"`
	// Title names the list or honour (list_name, red_list or honour_name
	// of the payload), or else the type.
	Title string `json:"title"`
	// Grounds are the payload's grounds, for types that give them.
	Grounds    string `json:"grounds,omitempty"`
	LegalBasis string `json:"legal_basis,omitempty"`
	DocumentNo string `json:"document_no,omitempty"`
	DecidedOn  string `json:"decided_on,omitempty"`
	// Until is the last day of display (Beijing time); null when the type
	// sets no display period.
	Until      *string         `json:"until"`
	Department string          `json:"department"`
	Name       string          `json:"name"`
	IDNumber   string          `json:"id_number"`
	Data       json.RawMessage `json:"data"`
}

// listsAnswer answers POST /v1/lists/query.
type listsAnswer struct {
	Red   []listEntryView `json:"red"`
	Black []listEntryView `json:"black"`
	// NotEntitled are the red and black list types the agency is not
	// entitled to: the answer says nothing about them.
	NotEntitled []string  `json:"not_entitled"`
	AsOf        time.Time `json:"as_of"`
}

// queryLists serves POST /v1/lists/query: for joint rewards and
// punishments, an agency asks whether a person is on the red list (records
// of positive types) or the black list (serious dishonesty types) that are
// active, displayed and within their display window now. Only the types the
// agency is entitled to count; ID numbers are masked unless the type is
// shared with the agency's kind of body by name.
func (a *server) queryLists(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	if !authz.Allowed(p.Kind, authz.QueryLists, nil) {
		apierr.Write(w, errListsNotAgency)
		return
	}
	var req listsQuery
	if !decodeStrict(w, r, &req, `the body must be {"id_number": ..., "name": ...}`) {
		return
	}
	if e := tooLong("/name", req.Name, casework.MaxName); e != nil {
		apierr.Write(w, e)
		return
	}
	req.Name = strings.TrimSpace(req.Name)
	var e *apierr.Error
	if req.IDNumber, e = readIDNumber(req.IDNumber); e != nil {
		apierr.Write(w, e)
		return
	}
	types := map[string]*catalog.RecordType{}
	fullID := map[string]bool{}
	answer := listsAnswer{Red: []listEntryView{}, Black: []listEntryView{}, NotEntitled: []string{}, AsOf: a.now()}
	for _, t := range a.Catalog.Types() {
		if t.Class != catalog.Positive && t.Class != catalog.SeriousDishonesty {
			continue
		}
		if !authz.Allowed(p.Kind, authz.QueryLists, t) {
			answer.NotEntitled = append(answer.NotEntitled, t.Code)
			continue
		}
		ent := subscription.Entitle(catalog.Scope(p.Scope), t)
		if !ent.Allowed || ent.NeedsApproval {
			answer.NotEntitled = append(answer.NotEntitled, t.Code)
			continue
		}
		types[t.Code], fullID[t.Code] = t, ent.FullID
	}
	codes := slices.Sorted(maps.Keys(types))
	subject := record.SubjectKey(a.SubjectKey, req.IDNumber)
	entries, err := a.Lists.ListEntries(r.Context(), subject, codes, answer.AsOf)
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "list query", "err", err)
		apierr.Write(w, errDown)
		return
	}
	for _, e := range entries {
		if req.Name != "" && e.SubjectName != req.Name {
			continue
		}
		t := types[e.Type]
		v := listEntry(t, &e, req.IDNumber, fullID[e.Type])
		if t.Class == catalog.Positive {
			answer.Red = append(answer.Red, v)
		} else {
			answer.Black = append(answer.Black, v)
		}
	}
	if !a.logAccess(w, r, audit.Entry{Action: audit.ListQuery, Subject: subject, Result: found(len(answer.Red) + len(answer.Black))}) {
		return
	}
	apierr.JSON(w, http.StatusOK, answer)
}

// listEntry shows a list entry of type t about the person with idNumber,
// in full or masked. A masked entry takes every field from the masked
// payload, so that no ID number written in its grounds or title shows.
func listEntry(t *catalog.RecordType, e *store.ListEntry, idNumber string, fullID bool) listEntryView {
	data := json.RawMessage(e.Data)
	if !fullID {
		data, idNumber = ident.MaskPayload(data), ident.MaskCitizenID(idNumber)
	}
	var d struct {
		ListName   string `json:"list_name"`
		RedList    string `json:"red_list"`
		HonourName string `json:"honour_name"`
		Grounds    any    `json:"grounds"`
		LegalBasis string `json:"legal_basis"`
		Decision   struct {
			DocumentNo string `json:"document_no"`
			Date       string `json:"date"`
		} `json:"decision"`
	}
	json.Unmarshal(data, &d)
	grounds, _ := d.Grounds.(string)
	v := listEntryView{RecordID: e.RecordID, Type: e.Type, Title: cmp.Or(d.ListName, d.RedList, d.HonourName, t.NameZH),
		Grounds: grounds, LegalBasis: d.LegalBasis, DocumentNo: d.Decision.DocumentNo, DecidedOn: d.Decision.Date,
		Department: e.Department, Name: e.SubjectName, IDNumber: idNumber, Data: data}
	if e.Until != nil {
		until := e.Until.In(workday.Location).Format(time.DateOnly)
		v.Until = &until
	}
	return v
}
