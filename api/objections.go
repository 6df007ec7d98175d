package api

import (
	"net/http"
	"time"

	"github.com/credex/credex/casework"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/lifecycle"
)

func (a *server) routeObjections(mux *http.ServeMux) {
	mux.Handle("POST /v1/objections", a.limitByIP(a.fileObjection))
	mux.Handle("GET /v1/objections", a.authenticate(http.HandlerFunc(a.listObjections)))
	mux.Handle("GET /v1/objections/{id}", a.limitByIP(a.objection))
	mux.Handle("POST /v1/objections/{id}/decision", a.authenticate(http.HandlerFunc(a.decideObjection)))
}

var (
	errBadObjection = apierr.New(http.StatusBadRequest, "invalid_objection", "the objection cannot be filed as it is; errors lists every problem")
	// objectionCodes answer for objections: only their department and
	// operators may know of them.
	objectionCodes = caseCodes{
		notFound:     apierr.New(http.StatusNotFound, "objection_not_found", "no objection with this id is visible to you"),
		open:         apierr.New(http.StatusConflict, "objection_open", "the record has an open objection already; follow it with its tracking token"),
		closed:       apierr.New(http.StatusConflict, "objection_closed", "the objection is decided already"),
		notPermitted: apierr.New(http.StatusForbidden, "not_a_department", "only departments and operators list objections"),
	}
)

// maxObjectionBody bounds the body of an objection: the most evidence the
// lifecycle allows, in base64, and the rest.
const maxObjectionBody = lifecycle.DefaultMaxFiles*lifecycle.DefaultMaxSize*4/3 + 1<<20

// maxDecisionBody bounds the body of a decision, a corrected payload included.
const maxDecisionBody = 4 << 20

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

func objectionOf(o *casework.Objection) objectionView {
	return objectionView{
		ID: o.ID, RecordID: o.RecordID, Department: o.Department, Grounds: o.Grounds, Statement: o.Statement,
		Evidence: attachmentList(o.Evidence), Status: o.Status, Deadline: o.Deadline(), Overdue: o.Late,
		FiledAt: o.FiledAt, AcceptBy: o.AcceptBy, AcceptedAt: o.AcceptedAt, DecideBy: o.DecideBy,
		ClosedAt: o.ClosedAt, Outcome: o.Outcome, Reason: o.Reason, TrackingToken: o.TrackingToken,
	}
}

// fileObjection serves POST /v1/objections (casework.Service.FileObjection).
func (a *server) fileObjection(w http.ResponseWriter, r *http.Request) {
	var f casework.ObjectionFiling
	if !decodeBody(w, r, maxObjectionBody, &f) {
		return
	}
	o, err := a.Cases.FileObjection(r.Context(), f)
	if !a.failed(w, r, err, objectionCodes, errBadObjection) {
		apierr.JSON(w, http.StatusCreated, objectionOf(o))
	}
}

// objection serves GET /v1/objections/{id} (casework.Service.ReadObjection).
func (a *server) objection(w http.ResponseWriter, r *http.Request) {
	cred, ok := credential(w, r)
	if !ok {
		return
	}
	o, err := a.Cases.ReadObjection(r.Context(), r.PathValue("id"), cred)
	if !a.failed(w, r, err, objectionCodes, nil) {
		apierr.JSON(w, http.StatusOK, objectionOf(o))
	}
}

// listObjections serves GET /v1/objections (casework.Service.ListObjections).
func (a *server) listObjections(w http.ResponseWriter, r *http.Request) {
	page, err := a.Cases.ListObjections(r.Context(), listQuery(r))
	if a.failed(w, r, err, objectionCodes, nil) {
		return
	}
	views := make([]objectionView, len(page.Cases))
	for i := range page.Cases {
		views[i] = objectionOf(&page.Cases[i])
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"objections": views, "next": page.Next})
}

// decideObjection serves POST /v1/objections/{id}/decision
// (casework.Service.DecideObjection).
func (a *server) decideObjection(w http.ResponseWriter, r *http.Request) {
	var d casework.ObjectionDecision
	if !decodeBody(w, r, maxDecisionBody, &d) {
		return
	}
	o, err := a.Cases.DecideObjection(r.Context(), r.PathValue("id"), d)
	if !a.failed(w, r, err, objectionCodes, errBadDecision) {
		apierr.JSON(w, http.StatusOK, objectionOf(o))
	}
}
