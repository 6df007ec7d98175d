// Package delivery pushes the events owed to subscriptions to their
// agencies: by signed webhook (Webhook) or to a Kafka topic of the
// subscription's own (Kafka). Pull subscriptions need no pushing; the API
// serves them from the same store.
//
// A Worker leases one subscription at a time and delivers its pending
// events strictly in order, so events about one person arrive in order; a
// failing endpoint only delays its own subscription. Failures are retried on
// a schedule with jitter; an event whose schedule is exhausted goes to the
// subscription's dead-letter list, from which it can be redelivered. Delivery
// is at least once: an event delivered by a worker that dies before recording
// it is delivered again, with the same id.
package delivery

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/store"
	"github.com/credex/credex/subscription"
)

// Transport delivers one event to a subscription's agency.
type Transport interface {
	// Mode is the subscription mode the transport serves.
	Mode() string
	// Deliver sends e and says what came of it. status is the endpoint's
	// HTTP status, or 0 when there was none; err says why a delivery
	// failed, for the event's record.
	Deliver(ctx context.Context, sub *store.Subscription, e subscription.Event) (out Outcome, status int, err error)
}

// Store is where the worker finds subscriptions and events.
type Store interface {
	Claim(ctx context.Context, mode string, lease time.Duration) (*store.Subscription, error)
	Events(ctx context.Context, id string, after int64, limit int, statuses ...string) ([]store.Event, error)
	MarkDelivered(ctx context.Context, seqs ...int64) error
	MarkFailed(ctx context.Context, seq int64, reason string, dead bool) error
	Release(ctx context.Context, id string, next time.Time) error
	SetSubscriptionStatus(ctx context.Context, id, status, reason string) error
}

// Config tunes a worker.
type Config struct {
	// Workers is how many subscriptions are served at once; default 4.
	Workers int
	// Schedule is the retry schedule; default DefaultSchedule.
	Schedule Schedule
	// Lease is how long a worker holds a subscription; default 30s. A dead
	// worker's subscription is taken over when its lease runs out.
	Lease time.Duration
	// Batch bounds the events delivered per lease; default 100.
	Batch int
	// Idle is how long to wait when no delivery is due; default 100ms.
	Idle time.Duration
	// InFlight bounds the events of one subscription sent at once, each
	// about a different person; default 16.
	InFlight int
}

// Validate names the first impossible setting.
func (c Config) Validate() error {
	switch {
	case c.Workers < 0:
		return fmt.Errorf("delivery workers: %d is negative", c.Workers)
	case c.Lease < 0:
		return fmt.Errorf("delivery lease: %s is negative", c.Lease)
	case c.Batch < 0:
		return fmt.Errorf("delivery batch: %d is negative", c.Batch)
	case c.Idle < 0:
		return fmt.Errorf("delivery idle: %s is negative", c.Idle)
	case c.InFlight < 0:
		return fmt.Errorf("delivery in flight: %d is negative", c.InFlight)
	}
	for i, d := range c.Schedule {
		if d <= 0 {
			return fmt.Errorf("delivery retry schedule: delay %d (%s) is not positive", i+1, d)
		}
	}
	return nil
}

func (c Config) workers() int         { return cmp.Or(c.Workers, 4) }
func (c Config) lease() time.Duration { return cmp.Or(c.Lease, 30*time.Second) }
func (c Config) batch() int           { return cmp.Or(c.Batch, 100) }
func (c Config) idle() time.Duration  { return cmp.Or(c.Idle, 100*time.Millisecond) }
func (c Config) inFlight() int        { return cmp.Or(c.InFlight, 16) }
func (c Config) schedule() Schedule {
	if len(c.Schedule) == 0 {
		return DefaultSchedule
	}
	return c.Schedule
}

// Worker delivers the events of every subscription of one transport's mode.
type Worker struct {
	cfg       Config
	store     Store
	transport Transport
	render    *subscription.Renderer
	audit     *audit.Recorder
	log       *slog.Logger
	m         *Metrics
}

// NewWorker returns a worker that sends each event as r renders it for
// the subscription's agency, and records every delivery attempt in the
// audit log with rec before it sends the event; m may be shared by workers
// of several modes.
func NewWorker(cfg Config, st Store, t Transport, r *subscription.Renderer, rec *audit.Recorder, log *slog.Logger, m *Metrics) *Worker {
	return &Worker{cfg: cfg, store: st, transport: t, render: r, audit: rec, log: cmp.Or(log, slog.Default()), m: m}
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range w.cfg.workers() {
		wg.Go(func() {
			for ctx.Err() == nil {
				served, err := w.serveOne(ctx)
				if err != nil && ctx.Err() == nil {
					w.log.Warn("delivery", "mode", w.transport.Mode(), "err", err)
				}
				if !served || err != nil {
					select {
					case <-ctx.Done():
					case <-time.After(w.cfg.idle()):
					}
				}
			}
		})
	}
	wg.Wait()
}

// serveOne leases the subscription that has waited longest and delivers its
// pending events in order until one fails, the batch is done or half the
// lease is used. It reports whether there was one to serve.
func (w *Worker) serveOne(ctx context.Context) (bool, error) {
	sub, err := w.store.Claim(ctx, w.transport.Mode(), w.cfg.lease())
	if err == store.ErrNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	next := time.Now()
	defer func() {
		// Release even when ctx ended, so the next worker need not wait.
		if err := w.store.Release(context.WithoutCancel(ctx), sub.ID, next); err != nil {
			w.log.Warn("release subscription", "subscription", sub.ID, "err", err)
		}
	}()
	events, err := w.store.Events(ctx, sub.ID, 0, w.cfg.batch(), store.Pending)
	if err != nil {
		return true, err
	}
	budget := time.Now().Add(w.cfg.lease() / 2)
	for len(events) > 0 {
		if ctx.Err() != nil || time.Now().After(budget) {
			return true, nil
		}
		window := distinctPersons(events, w.cfg.inFlight())
		events = events[len(window):]
		wait, stop, err := w.deliverWindow(ctx, sub, window)
		if err != nil || stop {
			next = time.Now().Add(wait)
			return true, err
		}
	}
	return true, nil
}

// distinctPersons returns the longest run of events, from the first and at
// most n, about different persons: those may be sent at once, since an
// agency relies on the order of the events about one person only.
func distinctPersons(events []store.Event, n int) []store.Event {
	seen := map[string]bool{}
	for i, e := range events {
		if i == n || seen[e.SubjectKey] {
			return events[:i]
		}
		seen[e.SubjectKey] = true
	}
	return events
}

// deliverWindow sends events, about different persons, at once, and
// records the outcomes. It returns how long the subscription must wait and
// whether to stop serving it for now: when one was not delivered.
func (w *Worker) deliverWindow(ctx context.Context, sub *store.Subscription, events []store.Event) (time.Duration, bool, error) {
	// The agency receives the records under its subscription: that is who
	// and why. An attempt that cannot be logged is not made.
	entries := make([]audit.Entry, len(events))
	for i, e := range events {
		entries[i] = audit.Entry{Principal: sub.Agency, Kind: string(principal.Agency),
			Action: audit.SubscriptionDelivered, Resource: e.RecordID, Subject: e.SubjectKey, Purpose: sub.ID, Result: audit.OK}
	}
	if err := w.audit.Record(ctx, entries...); err != nil {
		return time.Second, true, err
	}
	answers := make([]answer, len(events))
	var wg sync.WaitGroup
	for i, e := range events {
		wg.Go(func() {
			start := time.Now()
			answers[i].outcome, answers[i].status, answers[i].failure = w.transport.Deliver(ctx, sub, w.render.Render(sub, e))
			answers[i].took = time.Since(start)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return 0, true, nil // cut short: not the endpoint's answers
	}
	mode := w.transport.Mode()
	var delivered []int64
	var wait time.Duration
	stop := false
	for i, e := range events {
		a := answers[i]
		w.m.attempts.WithLabelValues(mode).Inc()
		if a.outcome.Verdict == Delivered {
			w.m.deliveries.WithLabelValues(mode, "delivered", statusClass(a.status)).Inc()
			w.m.latency.WithLabelValues(mode).Observe(time.Since(e.CreatedAt).Seconds())
			w.m.requestSeconds.WithLabelValues(mode).Observe(a.took.Seconds())
			delivered = append(delivered, e.Seq)
			continue
		}
		d, s, err := w.failed(ctx, sub, e, a)
		if err != nil {
			return d, true, err
		}
		wait, stop = max(wait, d), stop || s
	}
	if err := w.store.MarkDelivered(ctx, delivered...); err != nil {
		return wait, stop, err
	}
	if len(delivered) > 0 {
		w.log.InfoContext(ctx, "events delivered", "subscription", sub.ID, "mode", mode, "count", len(delivered))
	}
	return wait, stop, nil
}

// answer is the outcome of one attempt.
type answer struct {
	outcome Outcome
	status  int
	failure error
	took    time.Duration
}

// failed records an attempt the endpoint did not take. It returns how long
// the subscription must wait and whether to stop serving it for now.
func (w *Worker) failed(ctx context.Context, sub *store.Subscription, e store.Event, a answer) (time.Duration, bool, error) {
	out, status, failure := a.outcome, a.status, a.failure
	mode := w.transport.Mode()
	switch out.Verdict {
	case Gone:
		w.m.deliveries.WithLabelValues(mode, "gone", statusClass(status)).Inc()
		w.log.Warn("endpoint is gone; subscription disabled", "subscription", sub.ID)
		if err := w.store.MarkFailed(ctx, e.Seq, "endpoint answered 410 Gone", false); err != nil {
			return 0, true, err
		}
		return 0, true, w.store.SetSubscriptionStatus(ctx, sub.ID, "disabled", "the endpoint answered 410 Gone")
	}
	reason := fmt.Sprintf("status %d", status)
	if failure != nil {
		reason = failure.Error()
	}
	delay, retry := w.cfg.schedule().Next(e.Attempts+1, rand.Float64())
	if !retry {
		w.m.deliveries.WithLabelValues(mode, "dead", statusClass(status)).Inc()
		w.log.Warn("event dead-lettered after its last attempt", "subscription", sub.ID, "event", e.ID, "reason", reason)
		return 0, false, w.store.MarkFailed(ctx, e.Seq, reason, true)
	}
	w.m.deliveries.WithLabelValues(mode, "retry", statusClass(status)).Inc()
	delay = max(delay, out.RetryAfter)
	w.log.InfoContext(ctx, "delivery failed; retrying", "subscription", sub.ID, "event", e.ID, "attempt", e.Attempts+1,
		"reason", reason, "retry_in", delay.String())
	return delay, true, w.store.MarkFailed(ctx, e.Seq, reason, false)
}

func statusClass(status int) string {
	if status == 0 {
		return "error"
	}
	return fmt.Sprintf("%dxx", status/100)
}

// Metrics are the delivery metrics, shared by the workers of every mode.
type Metrics struct {
	deliveries     *prometheus.CounterVec
	attempts       *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	requestSeconds *prometheus.HistogramVec
	backlog        *prometheus.GaugeVec
	oldest         *prometheus.GaugeVec
}

// NewMetrics registers the delivery metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credex_deliveries_total",
			Help: "Delivery attempts by mode, outcome (delivered, retry, dead, gone) and status class (2xx..5xx, or error when there was no answer).",
		}, []string{"mode", "outcome", "status_class"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credex_delivery_attempts_total", Help: "Delivery attempts by mode.",
		}, []string{"mode"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "credex_delivery_latency_seconds", Help: "Time from an event's creation to its delivery, by mode.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 18),
		}, []string{"mode"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "credex_delivery_request_seconds", Help: "Time one successful delivery took, by mode.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"mode"}),
		backlog: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "credex_subscription_backlog_events", Help: "Events owed to a subscription and not yet delivered.",
		}, []string{"subscription"}),
		oldest: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "credex_subscription_oldest_pending_seconds", Help: "Age of the oldest event not yet delivered to a subscription.",
		}, []string{"subscription"}),
	}
	reg.MustRegister(m.deliveries, m.attempts, m.latency, m.requestSeconds, m.backlog, m.oldest)
	return m
}

// WatchBacklogs updates the backlog gauges every interval until ctx ends.
func (m *Metrics) WatchBacklogs(ctx context.Context, backlogs func(context.Context) ([]store.Backlog, error), interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if bs, err := backlogs(ctx); err == nil {
			m.backlog.Reset()
			m.oldest.Reset()
			for _, b := range bs {
				m.backlog.WithLabelValues(b.Subscription).Set(float64(b.Pending))
				age := 0.0
				if b.Pending > 0 {
					age = time.Since(b.Oldest).Seconds()
				}
				m.oldest.WithLabelValues(b.Subscription).Set(age)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
