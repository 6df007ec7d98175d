package httpin

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/principal"
)

// Receipt is the answer for one envelope of a submission.
type Receipt = intake.Receipt

// Response is the answer to a submission.
type Response struct {
	// Code and Message are set when no record was accepted, or some are
	// pending.
	Code         string `json:"code,omitempty"`
	Message      string `json:"message,omitempty"`
	SubmissionID string `json:"submission_id"`
	Accepted     int    `json:"accepted"`
	Rejected     int    `json:"rejected"`
	// Pending counts the receipts of status pending.
	Pending  int       `json:"pending,omitempty"`
	Receipts []Receipt `json:"receipts"`
}

// Connector is the name of this door in receipts, metrics and the
// rejected topic.
const Connector = "http"

// Handler serves POST /v1/submissions for authenticated departments.
type Handler struct {
	cfg      Config
	intake   *intake.Intake
	log      *slog.Logger
	requests *prometheus.CounterVec
}

// New returns the submissions handler, which hands its batches to in.
func New(cfg Config, in *intake.Intake, log *slog.Logger, reg prometheus.Registerer) *Handler {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "credex_submissions_total",
		Help: "Submissions received, by department and result (ok, rejected, unavailable, or the whole-request error code).",
	}, []string{"department", "result"})
	reg.MustRegister(requests)
	return &Handler{cfg: cfg, intake: in, log: cmp.Or(log, slog.Default()), requests: requests}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	if p == nil || p.Kind != principal.Department {
		apierr.Write(w, apierr.New(http.StatusForbidden, "not_a_department", "only departments publish records"))
		return
	}
	raws, e := readBatch(r, h.cfg)
	if e != nil {
		h.requests.WithLabelValues(p.Name, e.Code).Inc()
		apierr.Write(w, e)
		return
	}
	res, err := h.intake.Submit(r.Context(), intake.Batch{Department: p, Connector: Connector, Envelopes: raws})
	if err != nil {
		h.requests.WithLabelValues(p.Name, "unavailable").Inc()
		message := "the hub cannot store records right now; nothing of this submission was accepted, send it again later"
		if errors.Is(err, intake.ErrUnconfirmed) {
			message = "the hub cannot confirm this submission right now; send it again later: records it accepted already come back unchanged"
		}
		apierr.Write(w, apierr.New(http.StatusServiceUnavailable, "unavailable", message))
		return
	}
	resp := Response{SubmissionID: res.SubmissionID, Accepted: res.Accepted, Rejected: res.Rejected, Pending: res.Pending, Receipts: res.Receipts}
	for i := range resp.Receipts {
		rc := &resp.Receipts[i]
		for j := range rc.Errors {
			rc.Errors[j].Pointer = fmt.Sprintf("/records/%d%s", i, rc.Errors[j].Pointer)
		}
		for j := range rc.Normalized {
			rc.Normalized[j].Pointer = fmt.Sprintf("/records/%d%s", i, rc.Normalized[j].Pointer)
		}
	}
	status, result := http.StatusOK, "ok"
	switch {
	case resp.Pending > 0:
		status, result = http.StatusAccepted, "pending"
		resp.Code, resp.Message = "pending", "Kafka did not acknowledge every record in time; the hub stored the pending ones and publishes them; send them again later to receive their receipts"
	case resp.Accepted == 0:
		status, result = http.StatusUnprocessableEntity, "rejected"
		resp.Code, resp.Message = "rejected", "no record of the submission was accepted; every receipt lists its errors"
	}
	h.requests.WithLabelValues(p.Name, result).Inc()
	apierr.JSON(w, status, resp)
}
