package casework

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/store"
)

// CountOverdue counts the open objections and repair applications past
// their deadline now, on the service's clock: the cases that lists with
// overdue=true show.
func (s *Service) CountOverdue(ctx context.Context) (store.OverdueCount, error) {
	return s.store.CountOverdue(ctx, s.now())
}

// Escalate logs a warning for each open case that became overdue, on the
// service's clock, since the last call of any Service on the same
// database: once per case.
func (s *Service) Escalate(ctx context.Context) error {
	cases, err := s.store.EscalateCases(ctx, s.now())
	if err != nil {
		return fmt.Errorf("escalate overdue cases: %w", err)
	}
	for _, c := range cases {
		s.log.Warn(c.Kind+" overdue", c.Kind, c.ID, "record", c.RecordID, "department", c.Department,
			"status", c.Status, "deadline", c.Deadline)
	}
	return nil
}

// Watch calls Escalate at once and then every interval, until ctx ends.
func (s *Service) Watch(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := s.Escalate(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("overdue cases", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// gauge describes the gauge of one kind's overdue cases.
func gauge(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, nil, nil)
}

// overdueGauges are the gauges of overdue cases of every kind, counted
// from the database at each scrape (CountOverdue), so that every hub on
// one database reports the same values; NaN when the database does not
// answer within 3 seconds.
type overdueGauges struct{ s *Service }

var _ prometheus.Collector = (*overdueGauges)(nil)

func (g *overdueGauges) kinds() []*kindInfo {
	return []*kindInfo{&g.s.objections.kindInfo, &g.s.repairs.kindInfo}
}

// Describe sends the gauges' descriptions.
func (g *overdueGauges) Describe(ch chan<- *prometheus.Desc) {
	for _, k := range g.kinds() {
		ch <- k.gauge
	}
}

// Collect counts the overdue cases and sends one gauge per kind.
func (g *overdueGauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	n, err := g.s.CountOverdue(ctx)
	if err != nil {
		g.s.log.Warn("count overdue cases", "err", err)
	}
	for _, k := range g.kinds() {
		v := float64(k.overdue(n))
		if err != nil {
			v = math.NaN()
		}
		ch <- prometheus.MustNewConstMetric(k.gauge, prometheus.GaugeValue, v)
	}
}
