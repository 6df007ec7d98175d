package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/authorisation"
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

// Inquiries is what authorised inquiries read (see store.Store).
type Inquiries interface {
	// InquiryRecords returns the person's active, unrepaired records of types.
	InquiryRecords(ctx context.Context, subjectKey string, types []string) ([]store.InquiryRecord, error)
	// GrantAuthorisation keeps a grant the hub signed.
	GrantAuthorisation(ctx context.Context, g authorisation.Grant) error
	// Authorisations returns up to limit of a person's grants, newest first.
	Authorisations(ctx context.Context, subjectKey string, limit int) ([]store.Authorisation, error)
	// WithdrawAuthorisation withdraws the person's grant id; false: they
	// have no grant of that id.
	WithdrawAuthorisation(ctx context.Context, id, subjectKey string) (bool, error)
	// AuthorisationWithdrawn reports whether the grant id was withdrawn.
	AuthorisationWithdrawn(ctx context.Context, id string) (bool, error)
	// CountInquiry counts an inquiry of agency on day against its quota a
	// day; false: the quota is used up, and nothing was counted.
	CountInquiry(ctx context.Context, agency string, day time.Time) (bool, error)
}

// routeInquiries registers authorised inquiries: a person grants an
// agency an authorisation (with their ID token: an agency cannot grant one
// itself), and the agency inquires with it, or under a legal basis of its
// own. The person lists their authorisations and may withdraw one before it
// expires.
func (a *server) routeInquiries(mux *http.ServeMux) {
	mux.Handle("POST /v1/authorisations", a.asPerson(a.grantAuthorisation))
	mux.Handle("GET /v1/authorisations", a.asPerson(a.listAuthorisations))
	mux.Handle("DELETE /v1/authorisations/{id}", a.asPerson(a.withdrawAuthorisation))
	mux.Handle("POST /v1/inquiries", a.authenticate(http.HandlerFunc(a.inquire)))
}

var (
	errInquiryNotAgency  = apierr.New(http.StatusForbidden, "not_an_agency", "only agencies make authorised inquiries")
	errAuthRequired      = apierr.New(http.StatusForbidden, "authorisation_required", "send the person's authorisation token, or the code of a legal basis of yours").At("/authorisation")
	errAuthInvalid       = apierr.New(http.StatusForbidden, "authorisation_invalid", "the authorisation token is not one the hub issued; ask the person for a new one").At("/authorisation")
	errAuthExpired       = apierr.New(http.StatusForbidden, "authorisation_expired", "the authorisation is not valid now; ask the person for a new one").At("/authorisation")
	errAuthMismatch      = apierr.New(http.StatusForbidden, "authorisation_mismatch", "the authorisation is for another agency, person, purpose or types").At("/authorisation")
	errAuthWithdrawn     = apierr.New(http.StatusForbidden, "authorisation_withdrawn", "the person withdrew this authorisation").At("/authorisation")
	errAuthNotFound      = apierr.New(http.StatusNotFound, "authorisation_not_found", "you granted no authorisation with this id")
	errInquiryQuota      = apierr.New(http.StatusTooManyRequests, "inquiry_quota_exceeded", "your agency's inquiries of today are used up; more may be made from midnight, China Standard Time, as Retry-After says")
	errLegalBasisUnknown = apierr.New(http.StatusForbidden, "legal_basis_unknown", "you have no legal basis of this code: legal bases are configured for each agency").At("/legal_basis")
	errLegalBasisTypes   = apierr.New(http.StatusForbidden, "legal_basis_mismatch", "your legal basis of this code does not cover every type asked for").At("/types")
	errBothBases         = apierr.New(http.StatusBadRequest, "ambiguous_basis", "send either authorisation or legal_basis, not both").At("/legal_basis")
	errMissingPurpose    = apierr.New(http.StatusBadRequest, "missing_purpose", "purpose is required: why you inquire, in at most 200 characters").At("/purpose")
	errInvalidValidDays  = apierr.New(http.StatusBadRequest, "invalid_valid_days", "valid_days is from 1 to 90").At("/valid_days")
	errMissingAgency     = apierr.New(http.StatusBadRequest, "missing_agency", "agency is required: the name of the agency you authorise").At("/agency")
	errMissingGrantTypes = apierr.New(http.StatusBadRequest, "missing_types", "types is required: the record types the agency may see").At("/types")
)

// grantRequest is the body of POST /v1/authorisations. Name and IDNumber
// are optional: the person is the one the request's ID token names.
type grantRequest struct {
	Name      string   `json:"name"`
	IDNumber  string   `json:"id_number"`
	Agency    string   `json:"agency"`
	Purpose   string   `json:"purpose"`
	Types     []string `json:"types"`
	ValidDays int      `json:"valid_days"`
}

// grantAuthorisation serves POST /v1/authorisations: the person whose ID
// token the request bears (asPerson) authorises an agency to inquire, for a
// purpose, into their records of some authorised-inquiry types, for up to
// 90 days. A body that names someone else is refused (personSubject).
func (a *server) grantAuthorisation(w http.ResponseWriter, r *http.Request) {
	var req grantRequest
	if !decodeStrict(w, r, &req, `the body must be {"agency", "purpose", "types", "valid_days"}, with "name" and "id_number" optional`) {
		return
	}
	for _, e := range []*apierr.Error{tooLong("/name", req.Name, casework.MaxName), tooLong("/agency", req.Agency, maxAgency),
		tooLong("/purpose", req.Purpose, maxPurpose)} {
		if e != nil {
			apierr.Write(w, e)
			return
		}
	}
	req.Name, req.Agency, req.Purpose = strings.TrimSpace(req.Name), strings.TrimSpace(req.Agency), strings.TrimSpace(req.Purpose)
	if req.IDNumber != "" {
		var e *apierr.Error
		if req.IDNumber, e = readIDNumber(req.IDNumber); e != nil {
			apierr.Write(w, e)
			return
		}
	}
	switch {
	case req.Agency == "":
		apierr.Write(w, errMissingAgency)
		return
	case !validPurpose(req.Purpose):
		apierr.Write(w, errMissingPurpose)
		return
	case len(req.Types) == 0:
		apierr.Write(w, errMissingGrantTypes)
		return
	case req.ValidDays < 1 || req.ValidDays > int(authorisation.MaxValidity/(24*time.Hour)):
		apierr.Write(w, errInvalidValidDays)
		return
	}
	if e := a.inquiryTypes(authz.Person, authz.GrantAuthorisation, req.Types); e != nil {
		apierr.Write(w, e)
		return
	}
	subject, ok := a.personSubject(w, r, audit.AuthorisationGranted, req.Name, req.IDNumber)
	if !ok {
		return
	}
	now := a.now()
	g := authorisation.Grant{ID: authorisation.NewID(), Subject: subject, Agency: req.Agency, Purpose: req.Purpose,
		Types: slices.Compact(slices.Sorted(slices.Values(req.Types))), Issued: now.Unix(),
		Expires: now.Add(time.Duration(req.ValidDays) * 24 * time.Hour).Unix()}
	token, err := authorisation.Sign(a.AuthorisationKey, g)
	if err == nil {
		err = a.Inquiries.GrantAuthorisation(r.Context(), g)
	}
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "grant authorisation", "err", err)
		apierr.Write(w, errDown)
		return
	}
	if !a.logAccess(w, r, audit.Entry{Kind: audit.Person, Action: audit.AuthorisationGranted, Resource: g.ID,
		Subject: subject, Purpose: g.Agency + ": " + g.Purpose, Result: audit.OK}) {
		return
	}
	apierr.JSON(w, http.StatusCreated, map[string]any{"id": g.ID, "token": token,
		"expires_at": time.Unix(g.Expires, 0).UTC(), "types": g.Types})
}

// authorisationView is a grant as its person sees it.
type authorisationView struct {
	ID          string     `json:"id"`
	Agency      string     `json:"agency"`
	Purpose     string     `json:"purpose"`
	Types       []string   `json:"types"`
	GrantedAt   time.Time  `json:"granted_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
	Status      string     `json:"status"`
}

// authorisationsListed bounds the grants a person's list shows, newest
// first: more than a grant a day for a year.
const authorisationsListed = 500

// listAuthorisations serves GET /v1/authorisations: the grants of the
// person whose ID token the request bears, newest first, with what each is
// now (in force, expired or withdrawn).
func (a *server) listAuthorisations(w http.ResponseWriter, r *http.Request) {
	subject, ok := a.personSubject(w, r, audit.AuthorisationListed, "", "")
	if !ok {
		return
	}
	grants, err := a.Inquiries.Authorisations(r.Context(), subject, authorisationsListed)
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "list authorisations", "err", err)
		apierr.Write(w, errDown)
		return
	}
	if !a.logAccess(w, r, audit.Entry{Kind: audit.Person, Action: audit.AuthorisationListed, Subject: subject,
		Result: found(len(grants))}) {
		return
	}
	now := a.now()
	views := make([]authorisationView, len(grants))
	for i, g := range grants {
		views[i] = authorisationView{ID: g.ID, Agency: g.Agency, Purpose: g.Purpose, Types: g.Types,
			GrantedAt: time.Unix(g.Issued, 0).UTC(), ExpiresAt: time.Unix(g.Expires, 0).UTC(),
			WithdrawnAt: g.WithdrawnAt, Status: g.Status(now)}
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"authorisations": views})
}

// withdrawAuthorisation serves DELETE /v1/authorisations/{id}: the person
// whose ID token the request bears withdraws an authorisation they granted,
// and inquiries under it are refused from then on. Withdrawing it again is
// no error; an id that is not one of their grants is 404, alike for grants
// of others and ids never issued.
func (a *server) withdrawAuthorisation(w http.ResponseWriter, r *http.Request) {
	subject, ok := a.personSubject(w, r, audit.AuthorisationWithdrawn, "", "")
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !authorisation.ValidID(id) {
		apierr.Write(w, errAuthNotFound)
		return
	}
	theirs, err := a.Inquiries.WithdrawAuthorisation(r.Context(), id, subject)
	switch {
	case err != nil:
		a.Logger.ErrorContext(r.Context(), "withdraw authorisation", "err", err)
		apierr.Write(w, errDown)
	case !theirs:
		apierr.Write(w, errAuthNotFound)
	case a.logAccess(w, r, audit.Entry{Kind: audit.Person, Action: audit.AuthorisationWithdrawn, Resource: id,
		Subject: subject, Result: audit.OK}):
		w.WriteHeader(http.StatusNoContent)
	}
}

// inquiryTypes checks that every code names a type on which the matrix
// allows the action: types disclosed only on an authorised inquiry.
func (a *server) inquiryTypes(kind principal.Kind, action authz.Action, codes []string) *apierr.Error {
	for i, code := range codes {
		if t, ok := a.Catalog.Type(code); !ok || !authz.Allowed(kind, action, t) {
			return apierr.New(http.StatusBadRequest, "invalid_type",
				"each type must be a record type disclosed on authorised inquiry (see GET /v1/catalog)").At(fmt.Sprintf("/types/%d", i))
		}
	}
	return nil
}

// inquiryRequest is the body of POST /v1/inquiries.
type inquiryRequest struct {
	IDNumber      string   `json:"id_number"`
	Name          string   `json:"name"`
	Types         []string `json:"types"`
	Purpose       string   `json:"purpose"`
	Authorisation string   `json:"authorisation"`
	LegalBasis    string   `json:"legal_basis"`
}

// inquiryRecordView is a record as an authorised inquiry discloses it.
type inquiryRecordView struct {
	RecordID       string          `json:"record_id"`
	Type           string          `json:"type"`
	Department     string          `json:"department"`
	Version        int             `json:"version"`
	Disputed       bool            `json:"disputed"`
	CatalogVersion int             `json:"catalog_version"`
	Subject        subjectView     `json:"subject"`
	Data           json.RawMessage `json:"data"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// inquire serves POST /v1/inquiries: an agency reads a person's records of
// authorised-inquiry types, under the person's authorisation (which must
// cover this agency, person, purpose and every type asked for, and be valid
// now) or under a legal basis of the agency's own that covers every type
// asked for (principal.LegalBasis). Only types the agency is entitled
// to count; ID numbers are masked unless the type is shared with the
// agency's kind of body by name. Every inquiry, allowed or refused, is in
// the audit log with its purpose.
func (a *server) inquire(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	if !authz.Allowed(p.Kind, authz.Inquire, nil) {
		apierr.Write(w, errInquiryNotAgency)
		return
	}
	var req inquiryRequest
	if !decodeStrict(w, r, &req, `the body must be {"id_number", "purpose", "authorisation"} or {"id_number", "purpose", "legal_basis"}`) {
		return
	}
	for _, e := range []*apierr.Error{tooLong("/name", req.Name, casework.MaxName), tooLong("/purpose", req.Purpose, maxPurpose)} {
		if e != nil {
			apierr.Write(w, e)
			return
		}
	}
	req.Name, req.Purpose = strings.TrimSpace(req.Name), strings.TrimSpace(req.Purpose)
	var e *apierr.Error
	if req.IDNumber, e = readIDNumber(req.IDNumber); e != nil {
		apierr.Write(w, e)
		return
	}
	switch {
	case !validPurpose(req.Purpose):
		apierr.Write(w, errMissingPurpose)
		return
	case req.Authorisation != "" && req.LegalBasis != "":
		apierr.Write(w, errBothBases)
		return
	}
	if e := a.inquiryTypes(p.Kind, authz.Inquire, req.Types); e != nil {
		apierr.Write(w, e)
		return
	}
	subject := record.SubjectKey(a.SubjectKey, req.IDNumber)
	types, basis, e := a.inquiryBasis(r.Context(), p, subject, &req)
	entry := audit.Entry{Action: audit.InquiryRead, Subject: subject, Purpose: req.Purpose + " (" + basis + ")", Result: audit.OK}
	if e == errDown {
		apierr.Write(w, e)
		return
	}
	if e != nil {
		entry.Result = audit.Refused
		if a.logAccess(w, r, entry) {
			apierr.Write(w, e)
		}
		return
	}
	now := a.now().In(workday.Location)
	switch counted, err := a.Inquiries.CountInquiry(r.Context(), p.Name, now); {
	case err != nil:
		a.Logger.ErrorContext(r.Context(), "count inquiry", "err", err)
		apierr.Write(w, errDown)
		return
	case !counted:
		entry.Result = audit.Refused
		if a.logAccess(w, r, entry) {
			y, m, d := now.Date()
			w.Header().Set("Retry-After", strconv.Itoa(int(time.Date(y, m, d+1, 0, 0, 0, 0, workday.Location).Sub(now).Seconds())+1))
			apierr.Write(w, errInquiryQuota)
		}
		return
	}
	answer := map[string]any{"records": []inquiryRecordView{}, "not_entitled": []string{}, "basis": basis, "as_of": a.now()}
	var codes, notEntitled []string
	fullID := map[string]bool{}
	for _, code := range types {
		t, _ := a.Catalog.Type(code)
		ent := subscription.Entitle(catalog.Scope(p.Scope), t)
		if !ent.Allowed {
			notEntitled = append(notEntitled, code)
			continue
		}
		codes, fullID[code] = append(codes, code), ent.FullID
	}
	if notEntitled != nil {
		answer["not_entitled"] = notEntitled
	}
	recs, err := a.Inquiries.InquiryRecords(r.Context(), subject, codes)
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "inquiry", "err", err)
		apierr.Write(w, errDown)
		return
	}
	views := []inquiryRecordView{}
	for _, rec := range recs {
		if req.Name != "" && rec.SubjectName != req.Name {
			continue
		}
		v := inquiryRecordView{RecordID: rec.ID, Type: rec.Type, Department: rec.Department, Version: rec.Version,
			Disputed: rec.Disputed, CatalogVersion: rec.CatalogVersion,
			Subject: subjectView{Name: rec.SubjectName, IDNumber: rec.SubjectMasked}, Data: rec.Data, UpdatedAt: rec.UpdatedAt}
		if !fullID[rec.Type] {
			v.Data = ident.MaskPayload(rec.Data)
		}
		views = append(views, v)
	}
	entry.Result = found(len(views))
	if !a.logAccess(w, r, entry) {
		return
	}
	answer["records"] = views
	apierr.JSON(w, http.StatusOK, answer)
}

// inquiryBasis checks what an inquiry rests on and returns the types it may
// read and the basis as the audit log names it: "authorisation <id>" or
// "legal basis <code>".
func (a *server) inquiryBasis(ctx context.Context, p *principal.Principal, subject string, req *inquiryRequest) ([]string, string, *apierr.Error) {
	if req.LegalBasis != "" {
		basis := "legal basis " + req.LegalBasis
		lb, ok := p.LegalBasis(req.LegalBasis)
		if !ok {
			return nil, basis, errLegalBasisUnknown
		}
		if len(req.Types) == 0 {
			var types []string
			for _, code := range lb.Types {
				if t, ok := a.Catalog.Type(code); ok && authz.Allowed(p.Kind, authz.Inquire, t) {
					types = append(types, code)
				}
			}
			return types, basis, nil
		}
		for _, code := range req.Types {
			if !slices.Contains(lb.Types, code) {
				return nil, basis, errLegalBasisTypes
			}
		}
		return req.Types, basis, nil
	}
	if req.Authorisation == "" {
		return nil, "no basis", errAuthRequired
	}
	g, err := authorisation.Parse(a.AuthorisationKey, req.Authorisation)
	if err != nil {
		return nil, "invalid authorisation", errAuthInvalid
	}
	basis := "authorisation " + g.ID
	types := req.Types
	if len(types) == 0 {
		types = g.Types
	}
	err = g.Check(authorisation.Inquiry{Agency: p.Name, Subject: subject, Purpose: req.Purpose, Types: types, At: a.now()})
	switch {
	case errors.Is(err, authorisation.ErrExpired):
		return nil, basis, errAuthExpired
	case err != nil:
		return nil, basis, errAuthMismatch
	}
	switch withdrawn, err := a.Inquiries.AuthorisationWithdrawn(ctx, g.ID); {
	case err != nil:
		a.Logger.ErrorContext(ctx, "inquiry", "err", err)
		return nil, basis, errDown
	case withdrawn:
		return nil, basis, errAuthWithdrawn
	}
	return types, basis, nil
}

// maxAgency is the longest name of an agency authorised, in characters.
const maxAgency = 100

// validPurpose: a purpose is required, at most 200 characters of text.
func validPurpose(s string) bool {
	return s != "" && utf8.ValidString(s) && utf8.RuneCountInString(s) <= 200
}

// decodeStrict decodes a small JSON body into v, refusing unknown fields;
// on failure it answers 400 invalid_body with shape and returns false.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any, shape string) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	if err := decodeJSON(dec, v); err != nil {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", shape+": "+err.Error()))
		return false
	}
	return true
}
