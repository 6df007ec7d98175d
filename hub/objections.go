package hub

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// objectionsOverdue is the gauge of open objections past their deadline.
func objectionsOverdue(reg prometheus.Registerer) prometheus.Gauge {
	return promauto.With(reg).NewGauge(prometheus.GaugeOpts{
		Name: "credex_objections_overdue",
		Help: "Open objections past their deadline: not decided by the source department within 10 working days of acceptance.",
	})
}

// EscalateObjections sets the gauge credex_objections_overdue to the number
// of open objections past their deadline, and logs a warning for each that
// became overdue since the last pass of any hub: once per objection.
func (h *Hub) EscalateObjections(ctx context.Context) error {
	n, newly, err := h.store.EscalateObjections(ctx, time.Now())
	if err != nil {
		return fmt.Errorf("escalate overdue objections: %w", err)
	}
	h.overdue.Set(float64(n))
	for _, o := range newly {
		h.log.Warn("objection overdue", "objection", o.ID, "record", o.RecordID, "department", o.Department,
			"status", o.Status, "deadline", o.Deadline)
	}
	return nil
}

// WatchObjections runs EscalateObjections every interval until ctx ends.
func (h *Hub) WatchObjections(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := h.EscalateObjections(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("objections", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
