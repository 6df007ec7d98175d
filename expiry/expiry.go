package expiry

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
	"github.com/credex/credex/workday"
)

// Store finds the records whose display ended and hands them out with a
// Ledger of the transaction that claimed them (see
// store.Store.ClaimEndedDisplays, and Claims).
type Store interface {
	ClaimEndedDisplays(ctx context.Context, now time.Time, batch int, expire func(context.Context, Ledger, []store.EndedDisplay) error) (int, error)
}

// Ledger admits changes in the transaction that claimed their records (see
// store.Ledger).
type Ledger interface {
	Admit(ctx context.Context, recs []*record.Record) ([]store.Outcome, error)
}

// Claims is st as a Store.
func Claims(st *store.Store) Store { return claims{st} }

type claims struct{ st *store.Store }

func (c claims) ClaimEndedDisplays(ctx context.Context, now time.Time, batch int, expire func(context.Context, Ledger, []store.EndedDisplay) error) (int, error) {
	return c.st.ClaimEndedDisplays(ctx, now, batch, func(ctx context.Context, l *store.Ledger, ended []store.EndedDisplay) error {
		return expire(ctx, l, ended)
	})
}

// DefaultBatch is how many records one transaction expires unless Config
// says otherwise.
const DefaultBatch = 200

// Config tunes a Scheduler.
type Config struct {
	// Interval is the time between passes; zero or less means one minute.
	Interval time.Duration
	// Batch is how many records one transaction claims; zero or less means
	// DefaultBatch.
	Batch int
}

// Validate names the first impossible setting.
func (c Config) Validate() error {
	switch {
	case c.Interval < 0:
		return fmt.Errorf("expiry interval: %s is negative", c.Interval)
	case c.Batch < 0:
		return fmt.Errorf("expiry batch: %d is negative", c.Batch)
	}
	return nil
}

// Scheduler expires records at the end of their display window. It is safe
// for concurrent use, and any number of Schedulers may run on one database.
type Scheduler struct {
	cfg   Config
	store Store
	now   func() time.Time
	log   *slog.Logger
	m     *Metrics
}

// New returns a Scheduler that finds due records in st and expires them in
// the transaction that claimed them, and tells the time with now (nil:
// time.Now).
func New(cfg Config, st Store, now func() time.Time, log *slog.Logger, m *Metrics) *Scheduler {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if now == nil {
		now = time.Now
	}
	return &Scheduler{cfg: cfg, store: st, now: now, log: cmp.Or(log, slog.Default()), m: m}
}

// Run makes a pass at once and then every interval, until ctx ends. A pass
// that fails is logged and retried at the next interval: nothing is lost,
// since a record that did not expire is still due.
func (s *Scheduler) Run(ctx context.Context) {
	tick := time.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	for {
		if n, err := s.Pass(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("expiry pass failed", "expired", n, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Pass expires every record whose display window ended by now and that no
// other Scheduler holds, and returns how many it expired: those whose
// expiry Changed them, not those another Scheduler expired first.
func (s *Scheduler) Pass(ctx context.Context) (int, error) {
	now := s.now()
	expired := 0
	_, err := s.store.ClaimEndedDisplays(ctx, now, s.cfg.Batch, func(ctx context.Context, l Ledger, ended []store.EndedDisplay) error {
		recs := expiries(ended, now)
		outcomes, err := l.Admit(ctx, recs)
		if err != nil {
			return err
		}
		for i, o := range outcomes {
			if o == store.Changed {
				expired++
				s.m.expired.WithLabelValues(recs[i].Type).Inc()
			}
		}
		return nil
	})
	if err == nil {
		s.log.InfoContext(ctx, "expiry pass", "expired", expired, "duration_ms", float64(time.Since(now).Microseconds())/1000)
	}
	return expired, err
}

// expiries are the expiry changes of records whose display ended, admitted
// at now. Their data names the end of the window.
func expiries(ended []store.EndedDisplay, now time.Time) []*record.Record {
	id := changeID()
	recs := make([]*record.Record, len(ended))
	for i, e := range ended {
		until := e.DisplayUntil.In(workday.Location)
		recs[i] = record.Change(e.Ref, record.OpExpire, id, now, "display period ended on "+until.Format(time.DateOnly),
			map[string]any{"display_until": until.Format(time.RFC3339Nano)})
	}
	return recs
}

// changeID names one batch of expiries, as a submission id names a batch of
// submitted records.
func changeID() string {
	b := make([]byte, 15)
	rand.Read(b)
	return "exp_" + strings.ToLower(base32.StdEncoding.EncodeToString(b))
}

// Metrics count what Schedulers do. Make them once per registry and share
// them between Schedulers.
type Metrics struct {
	expired *prometheus.CounterVec
}

// NewMetrics registers the metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{expired: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "credex_records_expired_total",
		Help: "Records whose public display ended with their display period, by record type.",
	}, []string{"type"})}
	reg.MustRegister(m.expired)
	return m
}
