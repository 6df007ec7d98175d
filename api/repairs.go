package api

import (
	"mime"
	"net/http"
	"time"

	"github.com/credex/credex/casework"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/lifecycle"
)

// routeRepairs registers credit repair (casework.Service) and the red and
// black list query. A person applies with their ID token and follows the
// application with its tracking token; the record's source department
// reviews it; operators list and read every department's.
func (a *server) routeRepairs(mux *http.ServeMux) {
	k := &caseKind[casework.Repair]{codes: repairCodes, invalid: errBadRepair, view: repairOf, list: "repairs"}
	mux.Handle("POST /v1/repairs", a.asPerson(fileCase(a, k, proofAndCommitment, a.Cases.ApplyForRepair, repairReceiptOf)))
	mux.Handle("GET /v1/repairs", a.authenticate(listCases(a, k, a.Cases.ListRepairs)))
	mux.Handle("GET /v1/repairs/{id}", a.limitByIP(readCase(a, k, a.Cases.ReadRepair)))
	mux.Handle("GET /v1/repairs/{id}/files/{list}/{position}", a.limitByIP(a.repairFile))
	mux.Handle("POST /v1/repairs/{id}/decision", a.authenticate(decideCase(a, k, maxRepairDecisionBody, a.Cases.DecideRepair)))
	mux.Handle("POST /v1/lists/query", a.authenticate(http.HandlerFunc(a.queryLists)))
}

// proofAndCommitment names the lists of files of an application.
func proofAndCommitment(a *casework.RepairApplication) map[string]*[]casework.Upload {
	return map[string]*[]casework.Upload{"proof": &a.Proof, "commitment": &a.Commitment}
}

// maxRepairDecisionBody bounds the body of a decision on an application.
const maxRepairDecisionBody = 64 << 10

var (
	errBadRepair = apierr.New(http.StatusBadRequest, "invalid_repair",
		"the application cannot be submitted as it is; errors lists every problem")
	// repairCodes answer for repair applications.
	repairCodes = caseCodes{
		notFound: apierr.New(http.StatusNotFound, "repair_not_found", "no repair application with this id is visible to you"),
		open: apierr.New(http.StatusConflict, "repair_pending",
			"an application to repair this record is under review; follow it with its tracking token"),
		closed: apierr.New(http.StatusConflict, "repair_decided", "the application has been decided already"),
		notPermitted: apierr.New(http.StatusForbidden, "not_a_department",
			"repair applications are decided by the record's source department; operators may list them"),
	}
)

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

func repairReceiptOf(r *casework.Repair) any {
	return repairReceipt{ID: r.ID, TrackingToken: r.TrackingToken, RecordID: r.RecordID,
		Status: r.Status, SubmittedAt: r.SubmittedAt, ReviewBy: r.ReviewBy}
}

func repairOf(r *casework.Repair) any {
	v := repairView{ID: r.ID, RecordID: r.RecordID, RecordType: r.RecordType, Department: r.Department,
		Status: r.Status, Statement: r.Statement, Proof: attachmentList(r.Proof), Commitment: attachmentList(r.Commitment),
		SubmittedAt: r.SubmittedAt, ReviewBy: r.ReviewBy, Overdue: r.Late, Reasons: list(r.Reasons)}
	if !r.ReviewedAt.IsZero() {
		v.ReviewedAt = &r.ReviewedAt
	}
	return v
}

// attachmentList makes an absent list encode as [] rather than null.
func attachmentList(a []lifecycle.Attachment) []lifecycle.Attachment {
	if a == nil {
		return []lifecycle.Attachment{}
	}
	return a
}

// repairFile serves GET /v1/repairs/{id}/files/{list}/{position}
// (casework.Service.RepairFile): one file of an application, to those who
// may read it.
func (a *server) repairFile(w http.ResponseWriter, r *http.Request) {
	cred, ok := credential(w, r)
	if !ok {
		return
	}
	f, err := a.Cases.RepairFile(r.Context(), r.PathValue("id"), cred, r.PathValue("list"), r.PathValue("position"))
	if a.failed(w, r, err, repairCodes, nil) {
		return
	}
	w.Header().Set("Content-Type", f.MediaType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	w.Write(f.Content)
}
