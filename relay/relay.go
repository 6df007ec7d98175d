// Package relay publishes the ledger's outbox to Kafka. Every change enters
// the ledger in a database transaction that also writes it to the outbox
// (store.Ledger); the relay publishes what committed, in order, with
// acks=all, and deletes it from the outbox only once Kafka acknowledged it.
// So nothing reaches Kafka, the database or a subscriber that the ledger did
// not commit, and no request holds a lock while Kafka answers.
//
// Every hub runs a relay; one at a time publishes (store.Store.Relay), the
// others find it busy and leave the rows to it. Publishing is at least once:
// a relay that dies after Kafka acknowledged and before its delete commits
// publishes the same versions again, which the sinks ignore.
package relay

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/store"
)

// Store is the outbox as the relay uses it.
type Store interface {
	Relay(ctx context.Context, limit int, publish func([]store.Outgoing) error) ([]store.Outgoing, error)
	Unpublished(ctx context.Context, ids []int64) (int, error)
	OutboxBacklog(ctx context.Context) (rows int, oldest time.Duration, err error)
	Admitted() <-chan struct{}
}

// Publisher writes messages to Kafka and waits for their acknowledgement.
type Publisher interface {
	Publish(ctx context.Context, msgs ...kafka.Message) error
}

// Config tunes a Relay.
type Config struct {
	// Batch is the most rows one publication takes; default 1000.
	Batch int
	// Poll is how often an idle relay looks for rows that other hubs
	// admitted, and how often Await asks the database; default 250ms.
	Poll time.Duration
	// Healthy is how long a successful publication vouches for Kafka
	// before Ready asks the brokers again; default 5s.
	Healthy time.Duration
}

// Validate names the first bad setting.
func (c Config) Validate() error {
	switch {
	case c.Batch < 0:
		return errors.New("relay batch: negative")
	case c.Poll < 0:
		return errors.New("relay poll: negative")
	case c.Healthy < 0:
		return errors.New("relay healthy: negative")
	}
	return nil
}

// Relay publishes the outbox. Run it once per process; Await and Ready are
// safe for concurrent use.
type Relay struct {
	cfg       Config
	store     Store
	publisher Publisher
	topics    pipeline.Topics
	ping      func(context.Context) error
	log       *slog.Logger
	m         metrics

	kick chan struct{}
	mu   sync.Mutex
	wait map[int64]*waiter
	// okUntil is when the last acknowledged publication stops vouching for
	// Kafka (unix nanoseconds); failing is set while publications fail.
	okUntil atomic.Int64
	failing atomic.Bool
}

type waiter struct {
	left int
	done chan struct{}
}

// New returns a relay of st's outbox to publisher, naming topics with
// topics. ping asks the brokers whether they answer (Ready). Metrics go to
// reg.
func New(cfg Config, st Store, publisher Publisher, topics pipeline.Topics, ping func(context.Context) error, log *slog.Logger, reg prometheus.Registerer) *Relay {
	cfg.Batch = cmp.Or(cfg.Batch, 1000)
	cfg.Poll = cmp.Or(cfg.Poll, 250*time.Millisecond)
	cfg.Healthy = cmp.Or(cfg.Healthy, 5*time.Second)
	return &Relay{
		cfg: cfg, store: st, publisher: publisher, topics: topics, ping: ping,
		log: cmp.Or(log, slog.Default()), m: newMetrics(reg),
		kick: make(chan struct{}, 1), wait: map[int64]*waiter{},
	}
}

// Run publishes the outbox until ctx ends: at once when this process
// admitted something, and every Poll for what other hubs admitted. While
// Kafka fails it retries with a backoff of up to five seconds, and says so
// in the log once per outage.
func (r *Relay) Run(ctx context.Context) {
	tick := time.NewTicker(r.cfg.Poll)
	defer tick.Stop()
	gauge := time.NewTicker(5 * time.Second)
	defer gauge.Stop()
	backoff := time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-gauge.C:
			r.gaugeBacklog(ctx)
			continue
		case <-r.store.Admitted():
		case <-r.kick:
		case <-tick.C:
		}
		for ctx.Err() == nil {
			n, err := r.pass(ctx)
			switch {
			case errors.Is(err, store.ErrRelayBusy):
				// Another hub publishes; it takes these rows too.
			case err != nil:
				backoff = min(max(2*backoff, 100*time.Millisecond), 5*time.Second)
				if !r.failing.Swap(true) {
					r.log.Warn("relay: cannot publish the outbox; retrying", "err", err)
				}
				sleep(ctx, backoff)
				continue
			default:
				backoff = 0
				if r.failing.Swap(false) {
					r.log.Info("relay: publishing the outbox again")
				}
			}
			if n < r.cfg.Batch {
				break
			}
		}
	}
}

// gaugeBacklog sets the outbox gauges; they keep their last values while
// the database does not answer.
func (r *Relay) gaugeBacklog(ctx context.Context) {
	rows, oldest, err := r.store.OutboxBacklog(ctx)
	if err == nil {
		r.m.backlog.Set(float64(rows))
		r.m.oldest.Set(oldest.Seconds())
	}
}

// pass publishes one batch and returns its size.
func (r *Relay) pass(ctx context.Context) (int, error) {
	out, err := r.store.Relay(ctx, r.cfg.Batch, func(rows []store.Outgoing) error {
		msgs := make([]kafka.Message, len(rows))
		for i, o := range rows {
			msgs[i] = r.topics.RecordMessage(o.Type, o.SubjectKey, o.RecordID, o.Version, o.Value)
		}
		if err := r.publisher.Publish(ctx, msgs...); err != nil {
			r.m.failures.Inc()
			return err
		}
		r.okUntil.Store(time.Now().Add(r.cfg.Healthy).UnixNano())
		return nil
	})
	if err != nil {
		return 0, err
	}
	now := time.Now()
	for _, o := range out {
		r.m.delay.Observe(now.Sub(o.AdmittedAt).Seconds())
	}
	r.m.published.Add(float64(len(out)))
	r.done(out)
	return len(out), nil
}

// done releases the waiters of rows.
func (r *Relay) done(rows []store.Outgoing) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range rows {
		w := r.wait[o.ID]
		if w == nil {
			continue
		}
		delete(r.wait, o.ID)
		if w.left--; w.left == 0 {
			close(w.done)
		}
	}
}

// Await returns nil once every row of ids was published, by this relay or
// another hub's, or ctx's error when ctx ends first.
func (r *Relay) Await(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	w := &waiter{done: make(chan struct{})}
	r.mu.Lock()
	for _, id := range ids {
		if r.wait[id] == nil {
			r.wait[id] = w
			w.left++
		}
	}
	r.mu.Unlock()
	defer r.forget(ids, w)
	select {
	case r.kick <- struct{}{}:
	default:
	}
	poll := time.NewTicker(r.cfg.Poll)
	defer poll.Stop()
	for {
		select {
		case <-w.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-poll.C:
			if n, err := r.store.Unpublished(ctx, ids); err == nil && n == 0 {
				return nil
			}
		}
	}
}

func (r *Relay) forget(ids []int64, w *waiter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if r.wait[id] == w {
			delete(r.wait, id)
		}
	}
}

// Ready reports whether Kafka takes what the relay publishes: nil while
// its publications succeed, otherwise as the brokers answer a ping. A
// caller that must not store what Kafka cannot take now asks first.
func (r *Relay) Ready(ctx context.Context) error {
	if !r.failing.Load() && time.Now().UnixNano() < r.okUntil.Load() {
		return nil
	}
	if err := r.ping(ctx); err != nil {
		return err
	}
	if !r.failing.Load() {
		r.okUntil.Store(time.Now().Add(r.cfg.Healthy).UnixNano())
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

type metrics struct {
	published prometheus.Counter
	failures  prometheus.Counter
	delay     prometheus.Histogram
	backlog   prometheus.Gauge
	oldest    prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) metrics {
	m := metrics{
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credex_relay_published_total",
			Help: "Record versions the relay published from the ledger's outbox to Kafka (acknowledged by every in-sync replica).",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credex_relay_failures_total",
			Help: "Publications of the outbox that Kafka did not acknowledge; the relay retries them.",
		}),
		delay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "credex_relay_delay_seconds",
			Help:    "Time from the ledger's commit of a record version until Kafka acknowledged it.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "credex_outbox_rows",
			Help: "Record versions the ledger committed that wait in the outbox for Kafka, as last counted (every 5s).",
		}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "credex_outbox_oldest_seconds",
			Help: "How long the oldest version in the outbox has waited for Kafka, as last counted (every 5s); 0 when none waits.",
		}),
	}
	reg.MustRegister(m.published, m.failures, m.delay, m.backlog, m.oldest)
	return m
}
