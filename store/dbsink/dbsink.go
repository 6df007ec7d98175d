// Package dbsink writes accepted records from Kafka into the public credit
// database. It is a pipeline.Handler: batches are written in one transaction,
// idempotently, and a record that can never be written is handed back as a
// dead letter instead of blocking its partition.
package dbsink

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// Sink is the database sink.
type Sink struct {
	store   *store.Store
	records *prometheus.CounterVec
	delay   prometheus.Histogram
	now     func() time.Time
}

var _ pipeline.Handler = (*Sink)(nil)

// New returns a sink writing to st. Metrics go to reg.
func New(st *store.Store, reg prometheus.Registerer) *Sink {
	s := &Sink{
		store: st,
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credex_sink_records_total",
			Help: "Records the database sink handled, by outcome: stored, duplicate (already stored) or dead_letter.",
		}, []string{"outcome"}),
		delay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "credex_sink_delay_seconds",
			Help:    "Time from a record's acceptance (Kafka acknowledged it) until the database sink committed it.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		now: time.Now,
	}
	reg.MustRegister(s.records, s.delay)
	return s
}

// Handle writes a batch. Messages that do not decode, and records the
// database refuses, come back as dead letters; a database that cannot be
// reached fails the whole batch so that it is retried.
func (s *Sink) Handle(ctx context.Context, batch []kafka.Message) ([]pipeline.DeadLetter, error) {
	var dead []pipeline.DeadLetter
	var deliveries []store.Delivery
	var sources []kafka.Message
	for _, m := range batch {
		r, err := record.Decode(m.Value)
		if err != nil {
			dead = append(dead, pipeline.DeadLetter{Message: m, Reason: fmt.Errorf("decode record: %w", err)})
			continue
		}
		if err := check(r); err != nil {
			dead = append(dead, pipeline.DeadLetter{Message: m, Reason: err})
			continue
		}
		deliveries = append(deliveries, store.Delivery{Record: r, Topic: m.Topic, Partition: m.Partition, Offset: m.Offset})
		sources = append(sources, m)
	}
	applied, err := s.store.Apply(ctx, deliveries)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for i, a := range applied {
		switch {
		case a.Err != nil:
			dead = append(dead, pipeline.DeadLetter{Message: sources[i], Reason: fmt.Errorf("database refused record: %w", a.Err)})
		case a.Stored:
			s.records.WithLabelValues("stored").Inc()
			s.delay.Observe(now.Sub(deliveries[i].Record.AcceptedAt).Seconds())
		default:
			s.records.WithLabelValues("duplicate").Inc()
		}
	}
	s.records.WithLabelValues("dead_letter").Add(float64(len(dead)))
	return dead, nil
}

// check rejects records no hub could have produced.
func check(r *record.Record) error {
	switch {
	case r.ID == "" || r.Type == "" || r.Department == "" || r.SourceID == "" || r.SubjectKey == "":
		return fmt.Errorf("record %q lacks its identity (id, type, department, source id, subject)", r.ID)
	case r.Version < 1:
		return fmt.Errorf("record %s: version %d is not positive", r.ID, r.Version)
	case !r.Op.Valid():
		return fmt.Errorf("record %s: unknown op %q", r.ID, r.Op)
	}
	return nil
}
