// Package delivery pushes the events owed to subscriptions to their
// agencies: by signed webhook (Webhook) or to a Kafka topic of the
// subscription's own (Kafka). Pull subscriptions need no pushing; the API
// serves them from the same store.
//
// A Worker serves several subscriptions at once, each leased by one worker
// at a time. It sends a subscription's pending events in order, several at
// once but never two about the same person, so the events about one person
// arrive in order; a failing endpoint only delays its own subscription. Failures are retried on
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
	"slices"
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
	PendingEvents(ctx context.Context, id string, limit int) ([]store.Event, error)
	MarkDelivered(ctx context.Context, seqs ...int64) error
	MarkFailed(ctx context.Context, seq int64, reason string, dead bool) error
	Release(ctx context.Context, id string, next time.Time) error
	SetSubscriptionStatus(ctx context.Context, id, status, reason string) error
}

// Config tunes a worker.
type Config struct {
	// Workers is how many subscriptions of one mode are served at once;
	// default 16. A subscription being served holds a database connection
	// only for its brief reads and writes, so this may exceed the pool
	// size; above the number of busy subscriptions it costs nothing: one
	// loop claims subscriptions for all of them, once every Idle when none
	// is due.
	Workers int
	// Schedule is the retry schedule; default DefaultSchedule.
	Schedule Schedule
	// Lease is how long a worker holds a subscription; default 30s. A dead
	// worker's subscription is taken over when its lease runs out.
	Lease time.Duration
	// Batch bounds the events delivered per lease; default 500: a few
	// hundred milliseconds of a busy subscription, after which it goes
	// to the back of the queue, so that more subscriptions than Workers
	// take turns.
	Batch int
	// Idle is how long to wait when no delivery is due; default 100ms.
	Idle time.Duration
	// InFlight bounds the requests of one subscription under way at once,
	// each about a person none of the others is about; default 16, what
	// one agency endpoint may be expected to take from one subscription.
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

func (c Config) workers() int         { return cmp.Or(c.Workers, 16) }
func (c Config) lease() time.Duration { return cmp.Or(c.Lease, 30*time.Second) }
func (c Config) batch() int           { return cmp.Or(c.Batch, 500) }
func (c Config) idle() time.Duration  { return cmp.Or(c.Idle, 100*time.Millisecond) }
func (c Config) inFlight() int        { return cmp.Or(c.InFlight, 16) }
func (c Config) schedule() Schedule {
	if len(c.Schedule) == 0 {
		return DefaultSchedule
	}
	return c.Schedule
}

// auditAhead is how many times InFlight events are logged in one audit
// append, while the events logged before are being sent.
const auditAhead = 4

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

// Run delivers until ctx ends. It claims due subscriptions while fewer than
// Workers are being served, and serves each on a goroutine of its own.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, w.cfg.workers())
	freed := make(chan struct{}, 1) // a serve ended: its subscription may be due again
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		sub, err := w.store.Claim(ctx, w.transport.Mode(), w.cfg.lease())
		if err != nil {
			<-slots
			if err != store.ErrNotFound && ctx.Err() == nil {
				w.log.Warn("delivery", "mode", w.transport.Mode(), "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-freed:
			case <-time.After(w.cfg.idle()):
			}
			continue
		}
		wg.Go(func() {
			defer func() {
				<-slots
				select {
				case freed <- struct{}{}:
				default:
				}
			}()
			if err := w.serve(ctx, sub); err != nil && ctx.Err() == nil {
				w.log.Warn("delivery", "mode", w.transport.Mode(), "subscription", sub.ID, "err", err)
			}
		})
	}
}

// serve delivers the pending events of a leased subscription in order until
// one fails, the batch is done or half the lease is used, and then releases
// the subscription.
func (w *Worker) serve(ctx context.Context, sub *store.Subscription) error {
	next := time.Now()
	defer func() {
		// Release even when ctx ended, so the next worker need not wait.
		if err := w.store.Release(context.WithoutCancel(ctx), sub.ID, next); err != nil {
			w.log.Warn("release subscription", "subscription", sub.ID, "err", err)
		}
	}()
	events, err := w.store.PendingEvents(ctx, sub.ID, w.cfg.batch())
	if err != nil {
		return err
	}
	wait, stop, err := w.deliver(ctx, sub, events, time.Now().Add(w.cfg.lease()/2))
	if stop || err != nil {
		next = time.Now().Add(wait)
	}
	return err
}

// deliver sends events, in order, up to InFlight at a time, and records the
// outcomes. An event waits for the one before it about the same person to
// be delivered or given up, so an agency gets each person's events in
// order; events about different persons overtake each other. Every attempt
// is logged in the audit log before it is made, a chunk of events at a
// time while the chunk before is being sent; an attempt that cannot be
// logged is not made. Once an event is not delivered, or the budget time
// has passed, no more are sent; the events under way are seen to the end.
// The attempts of up to two chunks may then have been logged and not made;
// they are logged again when they are.
// deliver returns how long the subscription must wait and whether to stop
// serving it for now: when one was not delivered.
//
// Delivered events are marked in batches, in the order their deliveries
// ended, so the marks that reach the database are those of a prefix of
// them: an event is never left pending while a later one about the same
// person is marked, and one marked redelivery cannot overtake another.
// Once a mark fails, nothing more is marked: those events are sent again.
func (w *Worker) deliver(ctx context.Context, sub *store.Subscription, events []store.Event, budget time.Time) (time.Duration, bool, error) {
	r := &run{w: w, sub: sub, marks: make(chan int64, len(events))}
	marked := make(chan struct{})
	go func() {
		defer close(marked)
		r.markDelivered(context.WithoutCancel(ctx))
	}()

	auditCtx, stopAudit := context.WithCancel(ctx)
	defer stopAudit()
	audited := make(chan []store.Event)
	var auditing sync.WaitGroup
	auditing.Go(func() {
		defer close(audited)
		for chunk := range slices.Chunk(events, auditAhead*w.cfg.inFlight()) {
			if err := w.record(auditCtx, sub, chunk); err != nil {
				if auditCtx.Err() == nil {
					r.halt(time.Second, err)
				}
				return
			}
			select {
			case audited <- chunk:
			case <-auditCtx.Done():
				return
			}
		}
	})

	// InFlight senders, each taking one event at a time: a sender ready to
	// take one is a free slot.
	type job struct {
		e    store.Event
		done chan struct{} // closed once e is delivered or its failure recorded
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range min(w.cfg.inFlight(), len(events)) {
		wg.Go(func() {
			for j := range jobs {
				if !r.halted() { // an event that failed while j waited stops it
					r.send(ctx, j.e)
				}
				close(j.done)
			}
		})
	}
	last := map[string]chan struct{}{} // per person, the done of their latest event
send:
	for chunk := range audited {
		for _, e := range chunk {
			if prev := last[e.SubjectKey]; prev != nil {
				<-prev
			}
			j := job{e: e, done: make(chan struct{})}
			if ctx.Err() != nil || r.halted() || time.Now().After(budget) {
				break send
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				break send
			}
			last[e.SubjectKey] = j.done
		}
	}
	close(jobs)
	stopAudit()
	auditing.Wait()
	wg.Wait()
	close(r.marks)
	<-marked
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.wait, r.stop, r.err
}

// record logs the attempts to deliver events in the audit log. The agency
// receives the records under its subscription: that is who and why.
func (w *Worker) record(ctx context.Context, sub *store.Subscription, events []store.Event) error {
	entries := make([]audit.Entry, len(events))
	for i, e := range events {
		entries[i] = audit.Entry{Principal: sub.Agency, Kind: string(principal.Agency),
			Action: audit.SubscriptionDelivered, Resource: e.RecordID, Subject: e.SubjectKey, Purpose: sub.ID, Result: audit.OK}
	}
	return w.audit.Record(ctx, entries...)
}

// run is the state of one call of deliver.
type run struct {
	w     *Worker
	sub   *store.Subscription
	marks chan int64 // the seqs of the events delivered, in the order their deliveries ended

	mu   sync.Mutex
	wait time.Duration
	stop bool
	err  error
}

// halt stops the run: the subscription waits at least wait; err, when not
// nil and the first, is what the run returns.
func (r *run) halt(wait time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.wait, r.stop = max(r.wait, wait), true
	if r.err == nil {
		r.err = err
	}
}

func (r *run) halted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stop
}

// send delivers e and records the outcome: a delivered event is queued to
// be marked, a failure is recorded before send returns.
func (r *run) send(ctx context.Context, e store.Event) {
	w, mode := r.w, r.w.transport.Mode()
	var a answer
	start := time.Now()
	a.outcome, a.status, a.failure = w.transport.Deliver(ctx, r.sub, w.render.Render(r.sub, e))
	a.took = time.Since(start)
	if ctx.Err() != nil {
		r.halt(0, nil) // cut short: not the endpoint's answer
		return
	}
	w.m.attempts.WithLabelValues(mode).Inc()
	if a.outcome.Verdict == Delivered {
		w.m.deliveries.WithLabelValues(mode, "delivered", statusClass(a.status)).Inc()
		w.m.latency.WithLabelValues(mode).Observe(time.Since(e.CreatedAt).Seconds())
		w.m.requestSeconds.WithLabelValues(mode).Observe(a.took.Seconds())
		r.marks <- e.Seq
		return
	}
	wait, stop, err := w.failed(ctx, r.sub, e, a)
	if stop || err != nil {
		r.halt(wait, err)
	}
}

// markDelivered marks the events of r.marks delivered, as many at once as
// have come while the previous mark was written, until r.marks is closed.
func (r *run) markDelivered(ctx context.Context) {
	failed, count := false, 0
	for seq := range r.marks {
		seqs := []int64{seq}
	more:
		for {
			select {
			case s, ok := <-r.marks:
				if !ok {
					break more
				}
				seqs = append(seqs, s)
			default:
				break more
			}
		}
		if failed {
			continue
		}
		if err := r.w.store.MarkDelivered(ctx, seqs...); err != nil {
			failed = true
			r.halt(time.Second, fmt.Errorf("mark %d events delivered: %w", len(seqs), err))
			continue
		}
		count += len(seqs)
	}
	if count > 0 {
		r.w.log.InfoContext(ctx, "events delivered", "subscription", r.sub.ID, "mode", r.w.transport.Mode(), "count", count)
	}
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
