package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/credex/credex/principal"
	"github.com/credex/credex/store"
)

// routeOps registers the operations overview under /ops/, for operators,
// who sign in with their API key.
func (s *server) routeOps(mux *http.ServeMux) {
	mux.HandleFunc("GET /ops/{$}", s.signedIn(opsArea, http.StatusOK, "", s.opsIndex))
	mux.HandleFunc("POST /ops/signin", s.staffSignIn(opsArea))
	mux.HandleFunc("POST /ops/signout", s.staffSignOut(opsArea))
}

// opsPage is the data of ops.html: the figures of the whole hub from the
// database, and those of this process from its metrics (as /metrics serves
// them).
type opsPage struct {
	Operator *principal.Principal
	// Hour and Day are what departments submitted in the last hour and
	// day, by department, with their sums.
	Hour, Day           []store.SubmissionTotal
	HourTotal, DayTotal store.SubmissionTotal
	// Process counts the records submitted to this process since it
	// started, by status; Errors its rejections' errors by code.
	Process []labelled
	Errors  []labelled
	// SinkLag is the database sink's lag, in messages, by consumer group;
	// SinkStored what it stored since this process started, by outcome.
	SinkLag    []labelled
	SinkStored []labelled
	// Outbox is what waits to be published to Kafka, and for how long its
	// oldest has waited.
	OutboxRows   int
	OutboxOldest string
	// Backlogs are the undelivered events of each pushed subscription,
	// most first.
	Backlogs []backlogRow
	// Objections and Repairs count the open cases past their deadline.
	Objections, Repairs int
	// At is when the figures were read, in Beijing time.
	At string
}

// labelled is a value of a metric with the value of its label.
type labelled struct {
	Label string
	Value float64
}

// backlogRow is a subscription's backlog as the overview shows it.
type backlogRow struct {
	Subscription string
	Pending      int64
	// Oldest is the age of the oldest undelivered event; empty when none.
	Oldest string
}

// opsIndex serves GET /ops/ to an operator: the overview.
func (s *server) opsIndex(w http.ResponseWriter, r *http.Request, p *principal.Principal) {
	data, err := s.overview(r, p)
	if err != nil {
		s.Logger.Error("ops overview", "err", err)
		s.fail(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	s.render(w, r, http.StatusOK, "ops.html", data)
}

// overview reads the figures of the overview.
func (s *server) overview(r *http.Request, p *principal.Principal) (*opsPage, error) {
	ctx := r.Context()
	now := s.now()
	data := &opsPage{Operator: p, At: timeOf(now)}
	var err error
	if data.Hour, err = s.Store.SubmissionTotals(ctx, now.Add(-time.Hour)); err != nil {
		return nil, err
	}
	if data.Day, err = s.Store.SubmissionTotals(ctx, now.Add(-24*time.Hour)); err != nil {
		return nil, err
	}
	data.HourTotal, data.DayTotal = sum(data.Hour), sum(data.Day)
	var oldest time.Duration
	if data.OutboxRows, oldest, err = s.Store.OutboxBacklog(ctx); err != nil {
		return nil, err
	}
	if data.OutboxRows > 0 {
		data.OutboxOldest = oldest.Round(time.Second).String()
	}
	backlogs, err := s.Store.Backlogs(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range backlogs {
		row := backlogRow{Subscription: b.Subscription, Pending: b.Pending}
		if b.Pending > 0 {
			row.Oldest = now.Sub(b.Oldest).Round(time.Second).String()
		}
		data.Backlogs = append(data.Backlogs, row)
	}
	slices.SortStableFunc(data.Backlogs, func(a, b backlogRow) int { return int(b.Pending - a.Pending) })
	overdue, err := s.Cases.CountOverdue(ctx)
	if err != nil {
		return nil, err
	}
	data.Objections, data.Repairs = overdue.Objections, overdue.Repairs
	families, err := s.Gatherer.Gather()
	if err != nil {
		return nil, err
	}
	data.Process = byLabel(families, "credex_submission_records_total", "status")
	data.Errors = byLabel(families, "credex_submission_errors_total", "code")
	data.SinkLag = byLabel(families, "credex_sink_lag_messages", "group")
	data.SinkStored = byLabel(families, "credex_sink_records_total", "outcome")
	return data, nil
}

// sum adds up totals.
func sum(totals []store.SubmissionTotal) store.SubmissionTotal {
	var t store.SubmissionTotal
	for _, d := range totals {
		t.Records += d.Records
		t.Accepted += d.Accepted
		t.Rejected += d.Rejected
	}
	return t
}

// byLabel sums the metric name of families by the value of its label,
// largest first.
func byLabel(families []*dto.MetricFamily, name, label string) []labelled {
	sums := map[string]float64{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			key := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					key = l.GetValue()
				}
			}
			switch {
			case m.Counter != nil:
				sums[key] += m.GetCounter().GetValue()
			case m.Gauge != nil:
				sums[key] += m.GetGauge().GetValue()
			}
		}
	}
	out := make([]labelled, 0, len(sums))
	for k, v := range sums {
		out = append(out, labelled{Label: k, Value: v})
	}
	slices.SortFunc(out, func(a, b labelled) int {
		if a.Value != b.Value {
			if a.Value > b.Value {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Label, b.Label)
	})
	return out
}
