package api

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/authz"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
	"github.com/credex/credex/subscription"
	"github.com/credex/credex/workday"
)

// Repairs keeps credit repair applications and answers the red and black
// list queries. *store.Store implements it.
type Repairs interface {
	RecordDisplay(ctx context.Context, id string) (*store.RecordDisplay, error)
	// CreateRepair fails with store.ErrRepairPending when the record has an
	// application under review.
	CreateRepair(ctx context.Context, r *store.Repair, files []store.RepairFile) error
	Repair(ctx context.Context, id string) (*store.Repair, error)
	Repairs(ctx context.Context, q store.RepairQuery) ([]store.Repair, error)
	// DecideRepair locks the application while decide moves it, and saves
	// the move unless decide fails.
	DecideRepair(ctx context.Context, id string, decide func(*store.Ledger, *store.Repair) error) (*store.Repair, error)
	RepairFile(ctx context.Context, id, list string, position int) (*store.RepairFile, error)
	OverdueRepairs(ctx context.Context, t time.Time) (int, error)
	ListEntries(ctx context.Context, subjectKey string, types []string, t time.Time) ([]store.ListEntry, error)
}

// routeRepairs registers credit repair and the red and black list query.
// A person applies without a key and follows the application with its
// tracking token; the record's source department reviews it.
func (a *server) routeRepairs(mux *http.ServeMux) {
	mux.Handle("POST /v1/repairs", a.limitByIP(a.submitRepair))
	mux.Handle("GET /v1/repairs", a.authenticate(http.HandlerFunc(a.listRepairs)))
	mux.Handle("GET /v1/repairs/{id}", a.limitByIP(a.getRepair))
	mux.Handle("GET /v1/repairs/{id}/files/{list}/{position}", a.limitByIP(a.repairFile))
	mux.Handle("POST /v1/repairs/{id}/decision", a.authenticate(http.HandlerFunc(a.decideRepair)))
	mux.Handle("POST /v1/lists/query", a.authenticate(http.HandlerFunc(a.queryLists)))
	a.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "credex_repairs_overdue",
		Help: "Credit repair applications awaiting review past their deadline.",
	}, a.overdueRepairs))
}

// maxRepairBody bounds an application: its files travel in it, base64.
const maxRepairBody = 40 << 20

var (
	// errRepairNotSubject answers an application whose name and ID number
	// are not those of the record's subject, or whose record does not exist,
	// alike, as objections do: it does not say which part was wrong.
	errRepairNotSubject = apierr.New(http.StatusNotFound, "not_the_subject",
		"no record with this id is about a person of this name and ID number; check all three")
	errBadRepair = apierr.New(http.StatusBadRequest, "invalid_repair",
		"the application cannot be submitted as it is; errors lists every problem")
	errNoRepair      = apierr.New(http.StatusNotFound, "repair_not_found", "no repair application with this id is visible to you")
	errNotRepairable = apierr.New(http.StatusConflict, "not_repairable",
		"only negative and serious dishonesty records with a display period can be repaired")
	errDisplayEnded = apierr.New(http.StatusConflict, "display_ended",
		"the record is no longer publicly displayed, so there is nothing to repair")
	errRepairPending = apierr.New(http.StatusConflict, "repair_pending",
		"an application to repair this record is under review; follow it with its tracking token")
	errBadRepairDecision = apierr.New(http.StatusBadRequest, "invalid_decision",
		"the decision cannot be made as it is; errors lists every problem")
	errRepairDecided = apierr.New(http.StatusConflict, "repair_decided", "the application has been decided already")
	errNotReviewer   = apierr.New(http.StatusForbidden, "not_a_department",
		"repair applications are reviewed by departments; operators may list them")
	errListsNotAgency = apierr.New(http.StatusForbidden, "not_an_agency", "only agencies query the red and black lists")
	errNotDecider     = apierr.New(http.StatusForbidden, "not_a_department", "only the record's source department decides")
)

// repairRequest is the body of POST /v1/repairs.
type repairRequest struct {
	RecordID   string             `json:"record_id"`
	Name       string             `json:"name"`
	IDNumber   string             `json:"id_number"`
	Statement  string             `json:"statement"`
	Proof      []repairAttachment `json:"proof"`
	Commitment []repairAttachment `json:"commitment"`
}

// repairAttachment is a file as an application carries it.
type repairAttachment struct {
	Name          string `json:"name"`
	MediaType     string `json:"media_type"`
	ContentBase64 string `json:"content_base64"`
}

// repairReceipt answers a submitted application. The tracking token is
// shown once: only its hash is kept.
type repairReceipt struct {
	ID            string           `json:"id"`
	TrackingToken string           `json:"tracking_token"`
	RecordID      string           `json:"record_id"`
	Status        lifecycle.Status `json:"status"`
	SubmittedAt   time.Time        `json:"submitted_at"`
	ReviewBy      time.Time        `json:"review_by"`
}

// repairView is an application as its applicant, its deciding department
// and operators see it.
type repairView struct {
	ID          string                 `json:"id"`
	RecordID    string                 `json:"record_id"`
	RecordType  string                 `json:"record_type"`
	Department  string                 `json:"department"`
	Status      lifecycle.Status       `json:"status"`
	Statement   string                 `json:"statement"`
	Proof       []lifecycle.Attachment `json:"proof"`
	Commitment  []lifecycle.Attachment `json:"commitment"`
	SubmittedAt time.Time              `json:"submitted_at"`
	ReviewBy    time.Time              `json:"review_by"`
	Overdue     bool                   `json:"overdue"`
	ReviewedAt  *time.Time             `json:"reviewed_at,omitempty"`
	Reasons     []string               `json:"reasons"`
}

func (a *server) repairView(r *store.Repair) repairView {
	v := repairView{ID: r.ID, RecordID: r.RecordID, RecordType: r.RecordType, Department: r.Department,
		Status: r.Status, Statement: r.Statement, Proof: r.Proof, Commitment: r.Commitment,
		SubmittedAt: r.SubmittedAt, ReviewBy: r.ReviewBy, Overdue: r.Overdue(a.now()), Reasons: list(r.Reasons)}
	if !r.ReviewedAt.IsZero() {
		v.ReviewedAt = &r.ReviewedAt
	}
	v.Proof, v.Commitment = attachmentList(v.Proof), attachmentList(v.Commitment)
	return v
}

func attachmentList(a []lifecycle.Attachment) []lifecycle.Attachment {
	if a == nil {
		return []lifecycle.Attachment{}
	}
	return a
}

// submitRepair serves POST /v1/repairs: the person a record is about
// applies for its credit repair, proving who they are with the record's
// subject name and ID number.
func (a *server) submitRepair(w http.ResponseWriter, r *http.Request) {
	var req repairRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRepairBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			apierr.Write(w, apierr.New(http.StatusRequestEntityTooLarge, "body_too_large",
				fmt.Sprintf("an application is at most %d bytes, its files included", maxRepairBody)))
			return
		}
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", "the body must be a repair application object: "+err.Error()))
		return
	}
	req.Name, req.IDNumber = strings.TrimSpace(req.Name), strings.ToUpper(strings.TrimSpace(req.IDNumber))
	var errs lifecycle.FieldErrors
	for _, f := range []struct{ at, value, what string }{
		{"/record_id", req.RecordID, "the id of the record to repair"},
		{"/name", req.Name, "the name on the ID card"},
		{"/id_number", req.IDNumber, "the citizen ID number"},
		{"/statement", req.Statement, "a statement of how the obligations were fulfilled"},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, lifecycle.FieldError{Code: lifecycle.CodeRequired, Pointer: f.at, Message: f.what + " is required"})
		}
	}
	proof, proofFiles, proofErrs := decodeAttachments("proof", req.Proof)
	commitment, commitmentFiles, commitmentErrs := decodeAttachments("commitment", req.Commitment)
	if errs = slices.Concat(errs, proofErrs, commitmentErrs); len(errs) > 0 {
		apierr.JSON(w, http.StatusBadRequest, problems(errBadRepair, errs))
		return
	}

	rec, err := a.Repairs.RecordDisplay(r.Context(), req.RecordID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		apierr.Write(w, errRepairNotSubject)
		return
	case err != nil:
		a.Logger.Error("read record for repair", "err", err)
		apierr.Write(w, errDown)
		return
	case !a.isSubject(rec.SubjectKey, rec.SubjectName, req.Name, req.IDNumber):
		a.Logger.Info("repair refused: not the subject", "record", rec.ID)
		apierr.Write(w, errRepairNotSubject)
		return
	}
	decided, period, e := a.repairWindow(rec)
	if e != nil {
		apierr.Write(w, e)
		return
	}
	if rec.State != "active" || rec.Display != "displayed" {
		apierr.Write(w, errDisplayEnded)
		return
	}
	app, _, err := a.desk().Submit(lifecycle.RepairRequest{
		ID: newID("rpr_"), RecordID: rec.ID, Decided: decided, Period: period, Proof: proof, Commitment: commitment,
	})
	if fe, ok := errors.AsType[lifecycle.FieldErrors](err); ok {
		apierr.JSON(w, http.StatusBadRequest, problems(errBadRepair, fe))
		return
	}
	switch {
	case errors.Is(err, lifecycle.ErrTooEarly):
		minEnd, _ := lifecycle.Window(decided, period)
		from := minEnd.AddDate(0, 0, 1).Format(time.DateOnly)
		e := apierr.New(http.StatusConflict, "repair_too_early",
			"the record's minimum display period is not over: apply from "+from)
		apierr.JSON(w, e.Status, struct {
			*apierr.Error
			ApplyFrom string `json:"apply_from"`
		}{e, from})
		return
	case errors.Is(err, lifecycle.ErrDisplayEnded):
		apierr.Write(w, errDisplayEnded)
		return
	case err != nil:
		a.Logger.Error("submit repair", "err", err)
		apierr.Write(w, errDown)
		return
	}
	token := newID("rpt_") + newID("")
	stored := &store.Repair{Repair: *app, RecordType: rec.Type, Department: rec.Department,
		Statement: req.Statement, TokenHash: trackingTokenHash(token)}
	err = a.Repairs.CreateRepair(r.Context(), stored, slices.Concat(proofFiles, commitmentFiles))
	switch {
	case errors.Is(err, store.ErrRepairPending):
		apierr.Write(w, errRepairPending)
		return
	case err != nil:
		a.Logger.Error("create repair", "err", err)
		apierr.Write(w, errDown)
		return
	}
	a.Logger.Info("repair submitted", "repair", app.ID, "record", rec.ID, "review_by", app.ReviewBy)
	if !a.logAccess(w, r, audit.Entry{Kind: audit.Person, Action: audit.RepairFiled, Resource: app.ID, Subject: rec.SubjectKey, Result: audit.OK}) {
		return
	}
	apierr.JSON(w, http.StatusCreated, repairReceipt{ID: app.ID, TrackingToken: token, RecordID: app.RecordID,
		Status: app.Status, SubmittedAt: app.SubmittedAt, ReviewBy: app.ReviewBy})
}

// decodeAttachments decodes the files of one list of an application, named
// at, into what the state machine checks and what the store keeps.
func decodeAttachments(at string, in []repairAttachment) ([]lifecycle.Attachment, []store.RepairFile, lifecycle.FieldErrors) {
	var meta []lifecycle.Attachment
	var files []store.RepairFile
	var errs lifecycle.FieldErrors
	for i, f := range in {
		ptr := fmt.Sprintf("/%s/%d", at, i)
		content, err := base64.StdEncoding.DecodeString(f.ContentBase64)
		if err != nil {
			errs = append(errs, lifecycle.FieldError{Code: "invalid_base64", Pointer: ptr + "/content_base64",
				Message: "the content must be the file in standard base64"})
		}
		if strings.TrimSpace(f.Name) == "" {
			errs = append(errs, lifecycle.FieldError{Code: lifecycle.CodeRequired, Pointer: ptr + "/name", Message: "the file's name is required"})
		}
		meta = append(meta, lifecycle.Attachment{Name: f.Name, MediaType: f.MediaType, Size: int64(len(content))})
		files = append(files, store.RepairFile{List: at, Position: i, Name: f.Name, MediaType: f.MediaType, Content: content})
	}
	return meta, files, errs
}

// repairWindow returns the date of a record's deciding document (the
// start of its display window) and its display period under the catalogue
// version it was published with. Only negative and serious dishonesty
// records, with a period, are repairable.
func (a *server) repairWindow(rec *store.RecordDisplay) (time.Time, lifecycle.Period, *apierr.Error) {
	t, ok := a.Catalog.TypeVersion(rec.Type, rec.CatalogVersion)
	if !ok {
		t, ok = a.Catalog.Type(rec.Type)
	}
	if !ok || (t.Class != catalog.Negative && t.Class != catalog.SeriousDishonesty) {
		return time.Time{}, lifecycle.Period{}, errNotRepairable
	}
	p, ok := t.DisplayPeriod(rec.Data)
	if !ok {
		return time.Time{}, lifecycle.Period{}, errNotRepairable
	}
	if rec.From != nil {
		return *rec.From, lifecycle.Period(p), nil
	}
	var d struct {
		Decision struct {
			Date string `json:"date"`
		} `json:"decision"`
	}
	json.Unmarshal(rec.Data, &d)
	decided, err := time.ParseInLocation(time.DateOnly, d.Decision.Date, workday.Location)
	if err != nil {
		return time.Time{}, lifecycle.Period{}, errNotRepairable
	}
	return decided, lifecycle.Period(p), nil
}

// repairFor returns the application named in the path if the bearer may see
// it: its tracking token, or the key of its deciding department or of an
// operator; the read is in the audit log. Anything else is told it does
// not exist, so that ids and tokens cannot be probed.
func (a *server) repairFor(w http.ResponseWriter, r *http.Request) *store.Repair {
	scheme, bearer, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	bearer = strings.TrimSpace(bearer)
	if !strings.EqualFold(scheme, "Bearer") || bearer == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="credex"`)
		apierr.Write(w, errNoKey)
		return nil
	}
	app, err := a.Repairs.Repair(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		apierr.Write(w, errNoRepair)
		return nil
	case err != nil:
		a.Logger.Error("read repair", "err", err)
		apierr.Write(w, errDown)
		return nil
	}
	read := audit.Entry{Action: audit.RepairRead, Resource: app.ID, Subject: app.SubjectKey, Result: audit.OK}
	if !a.readCase(w, r, bearer, app.TokenHash, app.Department, authz.ReadRepair, read, errNoRepair) {
		return nil
	}
	return app
}

// getRepair serves GET /v1/repairs/{id}.
func (a *server) getRepair(w http.ResponseWriter, r *http.Request) {
	if app := a.repairFor(w, r); app != nil {
		apierr.JSON(w, http.StatusOK, a.repairView(app))
	}
}

// repairFile serves GET /v1/repairs/{id}/files/{list}/{position}: one file
// of an application, to those who may see the application.
func (a *server) repairFile(w http.ResponseWriter, r *http.Request) {
	app := a.repairFor(w, r)
	if app == nil {
		return
	}
	list := r.PathValue("list")
	position, err := strconv.Atoi(r.PathValue("position"))
	if (list != "proof" && list != "commitment") || err != nil || position < 0 {
		apierr.Write(w, apierr.New(http.StatusNotFound, "file_not_found", "no such file: name proof or commitment, and the file's position from 0"))
		return
	}
	f, err := a.Repairs.RepairFile(r.Context(), app.ID, list, position)
	switch {
	case errors.Is(err, store.ErrNotFound):
		apierr.Write(w, apierr.New(http.StatusNotFound, "file_not_found", fmt.Sprintf("the application has no %s file at position %d", list, position)))
		return
	case err != nil:
		a.Logger.Error("read repair file", "err", err)
		apierr.Write(w, errDown)
		return
	}
	w.Header().Set("Content-Type", f.MediaType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	w.Write(f.Content)
}

// listRepairs serves GET /v1/repairs: a department lists the applications
// it decides, an operator every one; ?status= and ?overdue=true filter.
func (a *server) listRepairs(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	var q store.RepairQuery
	if !authz.Allowed(p.Kind, authz.ListRepairs, nil) {
		apierr.Write(w, errNotReviewer)
		return
	}
	if p.Kind != principal.Operator {
		q.Department = p.Code
	}
	switch s := lifecycle.Status(r.URL.Query().Get("status")); s {
	case "", lifecycle.Submitted, lifecycle.Approved, lifecycle.Refused:
		q.Status = s
	default:
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_parameter", "status must be submitted, approved or refused").At("/status"))
		return
	}
	var e *apierr.Error
	if q.OverdueAt, e = a.overdueAt(r); e != nil {
		apierr.Write(w, e)
		return
	}
	apps, err := a.Repairs.Repairs(r.Context(), q)
	if err != nil {
		a.Logger.Error("list repairs", "err", err)
		apierr.Write(w, errDown)
		return
	}
	views := make([]repairView, len(apps))
	entries := make([]audit.Entry, len(apps))
	for i := range apps {
		views[i] = a.repairView(&apps[i])
		entries[i] = audit.Entry{Action: audit.RepairListed, Resource: apps[i].ID, Subject: apps[i].SubjectKey, Result: audit.OK}
	}
	if !a.logAccess(w, r, entries...) {
		return
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"repairs": views})
}

// repairDecision is the body of POST /v1/repairs/{id}/decision.
type repairDecision struct {
	Outcome string   `json:"outcome"`
	Reasons []string `json:"reasons"`
}

// decideRepair serves POST /v1/repairs/{id}/decision: the record's source
// department approves an application, which ends the record's display and
// sharing (every subscriber of its type is told, by record.repaired), or
// refuses it with reasons. Other departments are told it does not exist.
func (a *server) decideRepair(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	if !authz.Allowed(p.Kind, authz.DecideRepair, nil) {
		apierr.Write(w, errNotDecider)
		return
	}
	var req repairDecision
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", `the body must be {"outcome": ..., "reasons": [...]}: `+err.Error()))
		return
	}
	if req.Outcome != "approved" && req.Outcome != "refused" {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_outcome", `outcome must be "approved" or "refused"`).At("/outcome"))
		return
	}
	desk := a.desk()
	app, err := a.Repairs.DecideRepair(r.Context(), r.PathValue("id"), func(l *store.Ledger, app *store.Repair) error {
		if app.Department != p.Code {
			return store.ErrNotFound
		}
		app.ReviewedBy = p.Name
		if req.Outcome == "refused" {
			_, err := desk.RefuseRepair(&app.Repair, req.Reasons)
			return err
		}
		if _, err := desk.Approve(&app.Repair); err != nil {
			return err
		}
		app.Reasons = req.Reasons
		return repair(r.Context(), l, app)
	})
	if fe, ok := errors.AsType[lifecycle.FieldErrors](err); ok {
		apierr.JSON(w, http.StatusBadRequest, problems(errBadRepairDecision, fe))
		return
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		apierr.Write(w, errNoRepair)
		return
	case errors.Is(err, lifecycle.ErrIllegalMove):
		apierr.Write(w, errRepairDecided)
		return
	case err != nil:
		a.Logger.Error("decide repair", "err", err)
		apierr.Write(w, errDown)
		return
	}
	a.Logger.Info("repair decided", "repair", app.ID, "record", app.RecordID, "status", app.Status, "by", p.Name)
	if !a.logAccess(w, r, audit.Entry{Action: audit.RepairReviewed, Resource: app.ID, Subject: app.SubjectKey, Result: string(app.Status)}) {
		return
	}
	apierr.JSON(w, http.StatusOK, a.repairView(app))
}

// repair ends the display and sharing of the record of an approved
// application, as the record's next version (op repair), in l's
// transaction. A record no longer displayed (expired or repaired already)
// or revoked meanwhile is left as it is: the approval stands.
func repair(ctx context.Context, l *store.Ledger, app *store.Repair) error {
	rec, err := l.Record(ctx, app.RecordID)
	if err != nil {
		return fmt.Errorf("repair record %s: %w", app.RecordID, err)
	}
	out, err := l.Admit(ctx, []*record.Record{record.Change(rec.Ref(), record.OpRepair, app.ID, app.ReviewedAt,
		"credit repair approved (application "+app.ID+")", map[string]any{"repair_id": app.ID})})
	if err != nil {
		return fmt.Errorf("repair record %s: %w", app.RecordID, err)
	}
	if out[0] == store.UnknownRecord {
		return fmt.Errorf("repair record %s: the ledger does not know it", app.RecordID)
	}
	return nil
}

// overdueRepairs is the value of credex_repairs_overdue; NaN when the
// database does not answer.
func (a *server) overdueRepairs() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	n, err := a.Repairs.OverdueRepairs(ctx, a.now())
	if err != nil {
		a.Logger.Warn("count overdue repairs", "err", err)
		return math.NaN()
	}
	return float64(n)
}

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
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", `the body must be {"id_number": ..., "name": ...}`))
		return
	}
	req.Name, req.IDNumber = strings.TrimSpace(req.Name), strings.ToUpper(strings.TrimSpace(req.IDNumber))
	if ident.CheckCitizenID(req.IDNumber) != nil {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_id_number",
			"id_number must be an 18-character citizen ID number with a valid check character").At("/id_number"))
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
	entries, err := a.Repairs.ListEntries(r.Context(), subject, codes, answer.AsOf)
	if err != nil {
		a.Logger.Error("list query", "err", err)
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
