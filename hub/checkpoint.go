package hub

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/credex/credex/audit"
)

// DefaultAuditCheckpointInterval is how often a hub checkpoints the audit
// log's head when none is configured.
const DefaultAuditCheckpointInterval = 10 * time.Second

// checkpointMetrics follow the checkpoints of the audit log.
type checkpointMetrics struct {
	seq    prometheus.Gauge
	errors prometheus.Counter
}

func newCheckpointMetrics(reg prometheus.Registerer) *checkpointMetrics {
	return &checkpointMetrics{
		seq: promauto.With(reg).NewGauge(prometheus.GaugeOpts{
			Name: "credex_audit_checkpoint_seq",
			Help: "Seq of the last audit log head this hub wrote to the checkpoint topic.",
		}),
		errors: promauto.With(reg).NewCounter(prometheus.CounterOpts{
			Name: "credex_audit_checkpoint_errors_total",
			Help: "Passes that could not read the audit log's head or write it to the checkpoint topic; entries since the last checkpoint could be cut off unnoticed.",
		}),
	}
}

// CheckpointAudit writes the audit log's head, when it is not the head last
// written by this hub and not the empty chain, to the audit checkpoint
// topic (pipeline.Topics.AuditCheckpoints), and returns the head. last is
// the head this hub wrote before (the zero Head at first).
func (h *Hub) CheckpointAudit(ctx context.Context, last audit.Head) (audit.Head, error) {
	head, err := h.store.AuditHead(ctx)
	if err != nil {
		return last, fmt.Errorf("checkpoint audit log: %w", err)
	}
	if head == last || head.Seq == 0 {
		return head, nil
	}
	msg := h.cfg.Kafka.Topics.CheckpointMessage(audit.Checkpoint{Head: head, At: time.Now()})
	if err := h.producer.Publish(ctx, msg); err != nil {
		return last, fmt.Errorf("checkpoint audit log at %d: %w", head.Seq, err)
	}
	h.checkpoints.seq.Set(float64(head.Seq))
	return head, nil
}

// RunAuditCheckpoints checkpoints the audit log (CheckpointAudit) at once
// and then every Config.AuditCheckpointInterval until ctx ends, and once
// more as it ends (waiting up to 5s for Kafka), so that
// `credex audit verify` notices entries cut off the log: only those appended
// since the last checkpoint could go unnoticed. Any number of hubs may run
// it on one log; each writes the head it reads.
func (h *Hub) RunAuditCheckpoints(ctx context.Context) {
	tick := time.NewTicker(cmp.Or(h.cfg.AuditCheckpointInterval, DefaultAuditCheckpointInterval))
	defer tick.Stop()
	var last audit.Head
	for {
		var err error
		if last, err = h.CheckpointAudit(ctx, last); err != nil && ctx.Err() == nil {
			h.checkpoints.errors.Inc()
			h.log.Error("audit checkpoint", "err", err)
		}
		select {
		case <-ctx.Done():
			// The entries of the last stretch, in a checkpoint too.
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if _, err := h.CheckpointAudit(final, last); err != nil {
				h.checkpoints.errors.Inc()
				h.log.Error("audit checkpoint", "err", err)
			}
			return
		case <-tick.C:
		}
	}
}
