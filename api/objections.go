package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/authz"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// Objections keeps the objections (appeals) people file against their
// records and the source departments' decisions (see store.Store).
type Objections interface {
	// FileObjection stores o and calls publish before committing; it
	// returns store.ErrObjectionOpen when the record has an open objection.
	FileObjection(ctx context.Context, o *store.Objection, change func(*store.Ledger) error) error
	// Objection returns one objection or store.ErrNotFound.
	Objection(ctx context.Context, id string) (*store.Objection, error)
	// Objections lists the objections f selects, oldest first.
	Objections(ctx context.Context, f store.ObjectionFilter) ([]store.Objection, error)
	// MoveObjection calls move with the objection locked and stores what
	// it made of it when move returns nil; it returns move's error as it is.
	MoveObjection(ctx context.Context, id string, move func(*store.Ledger, *store.Objection) error) error
}

func (a *server) routeObjections(mux *http.ServeMux) {
	mux.Handle("POST /v1/objections", a.limitByIP(a.fileObjection))
	mux.Handle("GET /v1/objections", a.authenticate(http.HandlerFunc(a.listObjections)))
	mux.Handle("GET /v1/objections/{id}", a.limitByIP(a.objection))
	mux.Handle("POST /v1/objections/{id}/decision", a.authenticate(http.HandlerFunc(a.decideObjection)))
}

var (
	errNotObjectionSubject = apierr.New(http.StatusNotFound, "not_the_subject",
		"no record with this id is about a person of this name and ID number; check all three")
	errNoObjection       = apierr.New(http.StatusNotFound, "objection_not_found", "no objection with this id is visible to you")
	errObjectionOpen     = apierr.New(http.StatusConflict, "objection_open", "the record has an open objection already; follow it with its tracking token")
	errObjectionClosed   = apierr.New(http.StatusConflict, "objection_closed", "the objection is decided already")
	errRecordRevoked     = apierr.New(http.StatusConflict, "record_revoked", "the record is revoked; an objection to it can only be decided as revoked")
	errNotDeciding       = apierr.New(http.StatusForbidden, "not_a_department", "only departments and operators list objections")
	errBadObjection      = apierr.New(http.StatusBadRequest, "invalid_objection", "the objection cannot be filed as it is; errors lists every problem")
	errBadDecision       = apierr.New(http.StatusBadRequest, "invalid_decision", "the decision cannot be made as it is; errors lists every problem")
	errObjectionTooLarge = apierr.New(http.StatusRequestEntityTooLarge, "body_too_large", "the body is larger than the hub allows")
)

// maxObjectionBody bounds the body of an objection: the most evidence the
// lifecycle allows, in base64, and the rest.
const maxObjectionBody = lifecycle.DefaultMaxFiles*lifecycle.DefaultMaxSize*4/3 + 1<<20

// maxDecisionBody bounds the body of a decision, a corrected payload included.
const maxDecisionBody = 4 << 20

// objectionRequest is the body of POST /v1/objections.
type objectionRequest struct {
	RecordID  string            `json:"record_id"`
	Name      string            `json:"name"`
	IDNumber  string            `json:"id_number"`
	Grounds   lifecycle.Grounds `json:"grounds"`
	Statement string            `json:"statement"`
	Evidence  []evidenceFile    `json:"evidence"`
}

// evidenceFile is a file attached to an objection.
type evidenceFile struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Content   string `json:"content_base64"`
}

// decisionRequest is the body of POST /v1/objections/{id}/decision.
type decisionRequest struct {
	Outcome lifecycle.Outcome `json:"outcome"`
	Reason  string            `json:"reason"`
	Data    json.RawMessage   `json:"data"`
}

// objectionView is an objection as the API shows it.
type objectionView struct {
	ID         string                 `json:"id"`
	RecordID   string                 `json:"record_id"`
	Department string                 `json:"department"`
	Grounds    lifecycle.Grounds      `json:"grounds"`
	Statement  string                 `json:"statement"`
	Evidence   []lifecycle.Attachment `json:"evidence"`
	Status     lifecycle.Status       `json:"status"`
	// Deadline is that of the move the objection awaits; Overdue says it
	// passed.
	Deadline   time.Time         `json:"deadline,omitzero"`
	Overdue    bool              `json:"overdue"`
	FiledAt    time.Time         `json:"filed_at"`
	AcceptBy   time.Time         `json:"accept_by"`
	AcceptedAt time.Time         `json:"accepted_at,omitzero"`
	DecideBy   time.Time         `json:"decide_by,omitzero"`
	ClosedAt   time.Time         `json:"closed_at,omitzero"`
	Outcome    lifecycle.Outcome `json:"outcome,omitempty"`
	Reason     string            `json:"reason,omitempty"`
	// TrackingToken is shown once, in the answer to the filing.
	TrackingToken string `json:"tracking_token,omitempty"`
}

func (a *server) objectionView(o *store.Objection) objectionView {
	evidence := o.Evidence
	if evidence == nil {
		evidence = []lifecycle.Attachment{}
	}
	return objectionView{
		ID: o.ID, RecordID: o.RecordID, Department: o.Department, Grounds: o.Grounds, Statement: o.Statement,
		Evidence: evidence, Status: o.Status, Deadline: o.Deadline(), Overdue: o.Overdue(a.now()),
		FiledAt: o.FiledAt, AcceptBy: o.AcceptBy, AcceptedAt: o.AcceptedAt, DecideBy: o.DecideBy,
		ClosedAt: o.ClosedAt, Outcome: o.Outcome, Reason: o.Reason,
	}
}

// fileObjection serves POST /v1/objections. The person proves to be the
// record's subject with its name and ID number; a wrong name, a wrong ID
// number and an unknown record are answered alike (not_the_subject). An
// objection on listed grounds is accepted at once and its record disputed.
func (a *server) fileObjection(w http.ResponseWriter, r *http.Request) {
	var req objectionRequest
	if e := readObjectionBody(w, r, maxObjectionBody, &req); e != nil {
		apierr.Write(w, e)
		return
	}
	attachments, files, errs := req.check()
	if len(errs) > 0 {
		apierr.JSON(w, http.StatusBadRequest, problems(errBadObjection, errs))
		return
	}
	rec, e := a.subjectRecord(r.Context(), req)
	if e != nil {
		apierr.Write(w, e)
		return
	}
	o, _, err := a.desk().File(lifecycle.ObjectionRequest{ID: newID("obj_"), RecordID: rec.ID,
		Grounds: req.Grounds, Statement: req.Statement, Evidence: attachments})
	if err != nil { // req.check checks what File does
		a.Logger.Error("file objection", "record", rec.ID, "err", err)
		apierr.Write(w, errDown)
		return
	}
	token := newID("otk_")
	stored := &store.Objection{Objection: *o, Department: rec.Department, TokenHash: trackingTokenHash(token), Files: files}
	dispute := objectionChangeOf(rec, record.OpDispute, o.ID, o.AcceptedAt,
		"objection accepted on grounds "+string(o.Grounds), map[string]any{"grounds": o.Grounds})
	err = a.Objections.FileObjection(r.Context(), stored, func(l *store.Ledger) error {
		return objectionChange(r.Context(), l, dispute)
	})
	switch {
	case errors.Is(err, store.ErrObjectionOpen):
		apierr.Write(w, errObjectionOpen)
		return
	case errors.Is(err, errRecordRevoked):
		apierr.Write(w, errRecordRevoked)
		return
	case err != nil:
		a.Logger.Error("file objection", "record", rec.ID, "err", err)
		apierr.Write(w, errDown)
		return
	}
	a.Logger.Info("objection filed", "objection", o.ID, "record", rec.ID, "department", rec.Department,
		"grounds", o.Grounds, "decide_by", o.DecideBy)
	if !a.logAccess(w, r, audit.Entry{Kind: audit.Person, Action: audit.ObjectionFiled, Resource: o.ID, Subject: rec.SubjectKey, Result: audit.OK}) {
		return
	}
	v := a.objectionView(stored)
	v.TrackingToken = token
	apierr.JSON(w, http.StatusCreated, v)
}

// check returns the attachments of req with their contents, or every
// problem with req.
func (req *objectionRequest) check() ([]lifecycle.Attachment, [][]byte, lifecycle.FieldErrors) {
	var errs lifecycle.FieldErrors
	require := func(at, v, what string) {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, lifecycle.FieldError{Code: lifecycle.CodeRequired, Pointer: at, Message: what + " is required"})
		}
	}
	require("/record_id", req.RecordID, "record_id, the id of the record objected to,")
	require("/name", req.Name, "name, the name of the person the record is about,")
	require("/id_number", req.IDNumber, "id_number, the citizen ID number of the person the record is about,")
	req.Name, req.IDNumber = strings.TrimSpace(req.Name), strings.ToUpper(strings.TrimSpace(req.IDNumber))
	if req.IDNumber != "" {
		if err := ident.CheckCitizenID(req.IDNumber); err != nil {
			errs = append(errs, lifecycle.FieldError{Code: "invalid_id_number", Pointer: "/id_number",
				Message: "id_number is not a valid citizen ID number: " + err.Error()})
		}
	}
	switch {
	case strings.TrimSpace(string(req.Grounds)) == "":
		require("/grounds", "", "grounds, what is wrong with the record,")
	case !req.Grounds.Listed():
		errs = append(errs, lifecycle.FieldError{Code: lifecycle.CodeNotAllowed, Pointer: "/grounds",
			Message: "grounds must be one of error, omission, duplicate, should_not_be_public, shown_past_period and differs_from_deciding_authority"})
	}
	require("/statement", req.Statement, "statement, what is wrong in your words,")
	attachments := make([]lifecycle.Attachment, len(req.Evidence))
	files := make([][]byte, len(req.Evidence))
	for i, f := range req.Evidence {
		at := fmt.Sprintf("/evidence/%d", i)
		require(at+"/name", f.Name, "the file's name")
		content, err := base64.StdEncoding.DecodeString(f.Content)
		if err != nil {
			errs = append(errs, lifecycle.FieldError{Code: "invalid_base64", Pointer: at + "/content_base64",
				Message: "content_base64 is not standard base64 (RFC 4648, with padding)"})
		}
		attachments[i] = lifecycle.Attachment{Name: f.Name, MediaType: f.MediaType, Size: int64(len(content))}
		files[i] = content
	}
	for _, fe := range (lifecycle.EvidenceLimits{}).Check("/evidence", attachments) {
		fe.Pointer = strings.Replace(fe.Pointer, "/size", "/content_base64", 1) // the size is the content's
		if !objectionHasError(errs, fe.Pointer) {
			errs = append(errs, fe)
		}
	}
	return attachments, files, errs
}

func objectionHasError(errs lifecycle.FieldErrors, pointer string) bool {
	for _, fe := range errs {
		if fe.Pointer == pointer {
			return true
		}
	}
	return false
}

// subjectRecord returns the record req names if req names its subject, and
// not_the_subject when there is no such record or it is about someone else,
// without telling which; record_revoked for a revoked record.
func (a *server) subjectRecord(ctx context.Context, req objectionRequest) (*store.Record, *apierr.Error) {
	rec, err := a.Store.Record(ctx, req.RecordID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, errNotObjectionSubject
	case err != nil:
		a.Logger.Error("read record", "err", err)
		return nil, errDown
	case !a.isSubject(rec.SubjectKey, rec.SubjectName, req.Name, req.IDNumber):
		return nil, errNotObjectionSubject
	case rec.State == "revoked":
		return nil, errRecordRevoked
	}
	return rec, nil
}

// objection serves GET /v1/objections/{id} to the person who filed it, with
// its tracking token, and to its department and operators, with their API
// keys. Anyone else is told it does not exist.
func (a *server) objection(w http.ResponseWriter, r *http.Request) {
	cred := objectionCredential(r)
	if cred == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="credex"`)
		apierr.Write(w, errNoKey)
		return
	}
	o, err := a.Objections.Objection(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		apierr.Write(w, errNoObjection)
		return
	case err != nil:
		a.Logger.Error("read objection", "err", err)
		apierr.Write(w, errDown)
		return
	}
	read := audit.Entry{Action: audit.ObjectionRead, Resource: o.ID, Subject: o.SubjectKey, Result: audit.OK}
	if a.readCase(w, r, cred, o.TokenHash, o.Department, authz.ReadObjection, read, errNoObjection) {
		apierr.JSON(w, http.StatusOK, a.objectionView(o))
	}
}

// objectionCredential is the bearer token of r, or its token parameter.
func objectionCredential(r *http.Request) string {
	scheme, v, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return r.URL.Query().Get("token")
}

// listObjections serves GET /v1/objections: a department's objections, or
// for operators every department's.
func (a *server) listObjections(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	var f store.ObjectionFilter
	if !authz.Allowed(p.Kind, authz.ListObjections, nil) {
		apierr.Write(w, errNotDeciding)
		return
	}
	if p.Kind != principal.Operator {
		f.Department = p.Code
	}
	q := r.URL.Query()
	switch s := lifecycle.Status(q.Get("status")); s {
	case "":
	case "open":
		f.Statuses = []lifecycle.Status{lifecycle.Filed, lifecycle.Accepted}
	case "closed":
		f.Statuses = []lifecycle.Status{lifecycle.Decided, lifecycle.Refused}
	case lifecycle.Filed, lifecycle.Accepted, lifecycle.Decided, lifecycle.Refused:
		f.Statuses = []lifecycle.Status{s}
	default:
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_parameter",
			"status is one of open, closed, filed, accepted, decided and refused").At("/status"))
		return
	}
	var e *apierr.Error
	if f.OverdueAt, e = a.overdueAt(r); e != nil {
		apierr.Write(w, e)
		return
	}
	list, err := a.Objections.Objections(r.Context(), f)
	if err != nil {
		a.Logger.Error("list objections", "err", err)
		apierr.Write(w, errDown)
		return
	}
	views := make([]objectionView, len(list))
	entries := make([]audit.Entry, len(list))
	for i := range list {
		views[i] = a.objectionView(&list[i])
		entries[i] = audit.Entry{Action: audit.ObjectionListed, Resource: list[i].ID, Subject: list[i].SubjectKey, Result: audit.OK}
	}
	if !a.logAccess(w, r, entries...) {
		return
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"objections": views})
}

// decideObjection serves POST /v1/objections/{id}/decision to the record's
// source department: upheld resolves the dispute, corrected replaces the
// record's content with data, revoked revokes the record; each settles the
// dispute. Anyone else is told the objection does not exist.
func (a *server) decideObjection(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	var req decisionRequest
	if e := readObjectionBody(w, r, maxDecisionBody, &req); e != nil {
		apierr.Write(w, e)
		return
	}
	var decided *store.Objection
	err := a.Objections.MoveObjection(r.Context(), r.PathValue("id"), func(l *store.Ledger, o *store.Objection) error {
		if !authz.Allowed(p.Kind, authz.DecideObjection, nil) || p.Code != o.Department {
			return errNoObjection
		}
		if o.Status != lifecycle.Accepted {
			return errObjectionClosed
		}
		rec, err := l.Record(r.Context(), o.RecordID)
		if err != nil {
			return err
		}
		next := o.Objection
		_, err = a.desk().Decide(&next, req.Outcome, req.Reason)
		var errs lifecycle.FieldErrors
		if err != nil && !errors.As(err, &errs) {
			return err
		}
		changes, dataErrs, err := a.decision(rec, o.ID, next.ClosedAt, req)
		if err != nil {
			return err
		}
		if errs = append(errs, dataErrs...); len(errs) > 0 {
			return problems(errBadDecision, errs)
		}
		if err := objectionChange(r.Context(), l, changes...); err != nil {
			return err
		}
		o.Objection = next
		decided = o
		return nil
	})
	var bad *invalidFields
	var e *apierr.Error
	switch {
	case errors.Is(err, store.ErrNotFound):
		apierr.Write(w, errNoObjection)
	case errors.As(err, &bad):
		apierr.JSON(w, http.StatusBadRequest, bad)
	case errors.As(err, &e):
		apierr.Write(w, e)
	case err != nil:
		a.Logger.Error("decide objection", "objection", r.PathValue("id"), "err", err)
		apierr.Write(w, errDown)
	default:
		a.Logger.Info("objection decided", "objection", decided.ID, "record", decided.RecordID,
			"outcome", decided.Outcome, "overdue", decided.ClosedAt.After(decided.DecideBy))
		if a.logAccess(w, r, audit.Entry{Action: audit.ObjectionDecided, Resource: decided.ID, Subject: decided.SubjectKey,
			Result: string(decided.Outcome)}) {
			apierr.JSON(w, http.StatusOK, a.objectionView(decided))
		}
	}
}

// decision returns the changes of rec that decide objection id as req asks,
// or the problems with req's data.
func (a *server) decision(rec *store.Record, id string, at time.Time, req decisionRequest) ([]*record.Record, lifecycle.FieldErrors, error) {
	hasData := len(req.Data) > 0 && string(req.Data) != "null"
	summary := map[string]any{"outcome": req.Outcome, "reason": req.Reason}
	switch req.Outcome {
	case lifecycle.Corrected:
		if !hasData {
			return nil, lifecycle.FieldErrors{{Code: lifecycle.CodeRequired, Pointer: "/data",
				Message: "data, the corrected payload of the record, is required"}}, nil
		}
		if rec.State == "revoked" {
			return nil, nil, errRecordRevoked
		}
		rt, ok := a.Catalog.Type(rec.Type)
		if !ok {
			return nil, nil, fmt.Errorf("record %s: type %s not in the catalogue", rec.ID, rec.Type)
		}
		var errs lifecycle.FieldErrors
		for _, fe := range rt.Validate(req.Data) {
			errs = append(errs, lifecycle.FieldError{Code: fe.Code, Pointer: "/data" + fe.Pointer, Message: fe.Message})
		}
		if len(errs) > 0 || strings.TrimSpace(req.Reason) == "" {
			return nil, errs, nil
		}
		c, err := record.Correction(rec.Ref(), rt, a.SubjectKey, req.Data, id, at, req.Reason)
		if err != nil {
			return nil, nil, err
		}
		return []*record.Record{c}, nil, nil
	case lifecycle.Upheld, lifecycle.Revoked:
		if hasData {
			return nil, lifecycle.FieldErrors{{Code: lifecycle.CodeNotAllowed, Pointer: "/data",
				Message: "only a decision of outcome corrected takes data"}}, nil
		}
	}
	switch {
	case req.Outcome == lifecycle.Upheld && rec.State == "revoked":
		return nil, nil, errRecordRevoked
	case req.Outcome == lifecycle.Upheld:
		return []*record.Record{objectionChangeOf(rec, record.OpResolve, id, at, req.Reason, summary)}, nil, nil
	case req.Outcome == lifecycle.Revoked: // a revocation settles the dispute
		return []*record.Record{objectionChangeOf(rec, record.OpRevoke, id, at, req.Reason, summary)}, nil, nil
	}
	return nil, nil, nil // the outcome is not one of the three; Decide said so
}

// objectionChangeOf is a change of rec's lifecycle made by objection id at
// at; its data is fields with the objection's id.
func objectionChangeOf(rec *store.Record, op record.Op, id string, at time.Time, reason string, fields map[string]any) *record.Record {
	data := map[string]any{"objection_id": id}
	maps.Copy(data, fields)
	return record.Change(rec.Ref(), op, id, at, reason, data)
}

// objectionChange admits recs in l's transaction. It returns
// errRecordRevoked when the ledger refused one (the record was revoked).
func objectionChange(ctx context.Context, l *store.Ledger, recs ...*record.Record) error {
	outcomes, err := l.Admit(ctx, recs)
	if err != nil {
		return err
	}
	for i, o := range outcomes {
		switch {
		case o == store.Refused:
			return errRecordRevoked
		case o == store.UnknownRecord:
			return fmt.Errorf("change record %s: the ledger does not know it", recs[i].ID)
		}
	}
	return nil
}

// readObjectionBody decodes a JSON body of at most limit bytes into v,
// refusing unknown fields.
func readObjectionBody(w http.ResponseWriter, r *http.Request, limit int64, v any) *apierr.Error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errObjectionTooLarge
	case errors.Is(err, io.EOF):
		return apierr.New(http.StatusBadRequest, "invalid_body", "the body must be a JSON object; it is empty")
	case err != nil:
		return apierr.New(http.StatusBadRequest, "invalid_body", "the body must be a JSON object of the documented fields: "+err.Error())
	}
	return nil
}
