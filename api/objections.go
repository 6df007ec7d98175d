package api

import (
	"net/http"
	"time"

	"github.com/credex/credex/casework"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/lifecycle"
)

// routeObjections registers objections (casework.Service): the person files
// one with their ID token and follows it with its tracking token; the record's
// source department lists and decides them; operators list and read every
// department's.
func (a *server) routeObjections(mux *http.ServeMux) {
	k := &caseKind[casework.Objection]{codes: objectionCodes, invalid: errBadObjection, view: objectionOf, list: "objections"}
	mux.Handle("POST /v1/objections", a.asPerson(fileCase(a, k, evidence, a.Cases.FileObjection, objectionOf)))
	mux.Handle("GET /v1/objections", a.authenticate(listCases(a, k, a.Cases.ListObjections)))
	mux.Handle("GET /v1/objections/{id}", a.limitByIP(readCase(a, k, a.Cases.ReadObjection)))
	mux.Handle("POST /v1/objections/{id}/decision", a.authenticate(decideCase(a, k, maxDecisionBody, a.Cases.DecideObjection)))
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

// evidence names the list of files of an objection.
func evidence(f *casework.ObjectionFiling) map[string]*[]casework.Upload {
	return map[string]*[]casework.Upload{"evidence": &f.Evidence}
}

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

func objectionOf(o *casework.Objection) any {
	return objectionView{
		ID: o.ID, RecordID: o.RecordID, Department: o.Department, Grounds: o.Grounds, Statement: o.Statement,
		Evidence: attachmentList(o.Evidence), Status: o.Status, Deadline: o.Deadline(), Overdue: o.Late,
		FiledAt: o.FiledAt, AcceptBy: o.AcceptBy, AcceptedAt: o.AcceptedAt, DecideBy: o.DecideBy,
		ClosedAt: o.ClosedAt, Outcome: o.Outcome, Reason: o.Reason, TrackingToken: o.TrackingToken,
	}
}
