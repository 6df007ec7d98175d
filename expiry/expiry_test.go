package expiry_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/expiry"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
	"github.com/credex/credex/workday"
)

// fakeStore hands out its ended displays in batches, as the database would.
type fakeStore struct {
	admit   ledger
	ended   []store.EndedDisplay
	batches int
	now     time.Time
}

// ledger admits with a function.
type ledger func(context.Context, []*record.Record) ([]store.Outcome, error)

func (l ledger) Admit(ctx context.Context, recs []*record.Record) ([]store.Outcome, error) {
	return l(ctx, recs)
}

func (s *fakeStore) ClaimEndedDisplays(ctx context.Context, now time.Time, batch int, expire func(context.Context, expiry.Ledger, []store.EndedDisplay) error) (int, error) {
	s.now = now
	n := 0
	for len(s.ended[n:]) > 0 {
		end := min(n+batch, len(s.ended))
		s.batches++
		if err := expire(ctx, s.admit, s.ended[n:end]); err != nil {
			return end, err
		}
		n = end
	}
	return n, nil
}

func TestPassExpiresEveryEndedDisplay(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	until := time.Date(2026, 3, 1, 23, 59, 59, 999_999_000, workday.Location)
	st := &fakeStore{ended: []store.EndedDisplay{
		{Ref: record.Ref{ID: "rec_a", Type: "administrative_penalty", Department: "124403053099881096", SourceID: "A", CatalogVersion: 2}, DisplayUntil: until},
		{Ref: record.Ref{ID: "rec_b", Type: "administrative_penalty", Department: "124403053099881096", SourceID: "B", CatalogVersion: 1}, DisplayUntil: until},
		{Ref: record.Ref{ID: "rec_c", Type: "serious_dishonesty", Department: "124403053099881096", SourceID: "C", CatalogVersion: 1}, DisplayUntil: until},
	}}
	var admitted []*record.Record
	st.admit = func(_ context.Context, recs []*record.Record) ([]store.Outcome, error) {
		admitted = append(admitted, recs...)
		out := make([]store.Outcome, len(recs))
		for i, r := range recs {
			if r.ID == "rec_b" { // another hub expired it first
				out[i] = store.Unchanged
			}
		}
		return out, nil
	}
	reg := prometheus.NewRegistry()
	s := expiry.New(expiry.Config{Batch: 2}, st, func() time.Time { return now }, slog.New(slog.DiscardHandler), expiry.NewMetrics(reg))

	n, err := s.Pass(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || st.batches != 2 || !st.now.Equal(now) {
		t.Errorf("pass expired %d in %d batches at %v, want 2 (one was expired already) in 2 at %v", n, st.batches, st.now, now)
	}
	if len(admitted) != 3 {
		t.Fatalf("admitted %d changes, want 3", len(admitted))
	}
	for i, r := range admitted {
		e := st.ended[i]
		hash, _ := record.ContentHash(record.OpExpire, r.Data)
		if r.ID != e.ID || r.Op != record.OpExpire || r.Type != e.Type || r.Department != e.Department ||
			r.SourceID != e.SourceID || r.CatalogVersion != e.CatalogVersion || r.ContentHash != hash ||
			r.SubmissionID == "" || !r.AcceptedAt.Equal(now) || r.Reason != "display period ended on 2026-03-01" {
			t.Errorf("expiry %d = %+v, want the expiry of %+v at %v", i, r, e, now)
		}
	}
	if got := expiredByType(t, reg); got["administrative_penalty"] != 1 || got["serious_dishonesty"] != 1 || len(got) != 2 {
		t.Errorf("credex_records_expired_total by type = %v, want 1 of each type, not counting the one expired already", got)
	}
}

func TestPassStopsAtAFailedChange(t *testing.T) {
	t.Parallel()
	st := &fakeStore{ended: []store.EndedDisplay{{Ref: record.Ref{ID: "rec_a", Type: "administrative_penalty"}}}}
	down := errors.New("kafka down")
	st.admit = func(context.Context, []*record.Record) ([]store.Outcome, error) { return nil, down }
	s := expiry.New(expiry.Config{}, st, nil, slog.New(slog.DiscardHandler), expiry.NewMetrics(prometheus.NewRegistry()))
	if n, err := s.Pass(context.Background()); n != 0 || !errors.Is(err, down) {
		t.Errorf("pass = %d, %v; want 0 and the change's error", n, err)
	}
}

// expiredByType reads credex_records_expired_total by type.
func expiredByType(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "credex_records_expired_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "type" {
					got[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	return got
}
