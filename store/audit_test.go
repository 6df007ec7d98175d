package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/internal/testkit/pgtest"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/store"
)

func auditEntry(i int, subject string) audit.Entry {
	return audit.Entry{Principal: "credit-bureau", Kind: "agency", Action: audit.RecordRead,
		Resource: fmt.Sprintf("rec_%06d", i), Subject: subject, Purpose: "LB-2025-7", Result: audit.OK}
}

// verifyAudit checks the whole log and returns its head.
func verifyAudit(t testing.TB, st *store.Store, ctx context.Context) audit.Head {
	t.Helper()
	head, err := st.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := audit.Verify(st.AuditLog(ctx, head.Seq), head)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return got
}

func TestAppendAuditChainsEntries(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	if head := verifyAudit(t, st, ctx); head != (audit.Head{}) {
		t.Fatalf("a new log has head %+v, want the empty chain", head)
	}
	rec := &audit.Recorder{Log: audit.LogFunc(st.AppendAudit)}
	ctx = principal.With(ctx, &principal.Principal{Kind: principal.Agency, Name: "credit-bureau"})
	if err := rec.Record(ctx, auditEntry(1, "alice")); err != nil {
		t.Fatal(err)
	}
	if err := rec.Record(ctx, auditEntry(2, "bob"), auditEntry(3, "alice"), auditEntry(4, "")); err != nil {
		t.Fatal(err)
	}
	head := verifyAudit(t, st, ctx)
	if head.Seq != 4 {
		t.Fatalf("head seq %d after 4 entries", head.Seq)
	}

	all, err := st.AuditEntries(ctx, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Seq != 2 || all[1].Seq != 3 || all[0].Resource != "rec_000002" {
		t.Fatalf("AuditEntries(after 1, limit 2) = %+v, want entries 2 and 3", all)
	}
	if all[0].At.IsZero() || all[0].At.Location() != time.UTC {
		t.Errorf("entry time %v, want a UTC time", all[0].At)
	}

	mine, err := st.AuditBySubject(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 2 || mine[0].Resource != "rec_000001" || mine[1].Resource != "rec_000003" {
		t.Errorf("AuditBySubject(alice) = %+v, want rec_1 and rec_3", mine)
	}
	if none, _ := st.AuditBySubject(ctx, ""); len(none) != 0 {
		t.Errorf("AuditBySubject(\"\") = %d entries, want none", len(none))
	}
}

func TestAppendAuditRefusesIncompleteEntries(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	err := st.AppendAudit(ctx, auditEntry(1, "a"), audit.Entry{Kind: "agency", Principal: "x", Action: audit.RecordRead})
	if err == nil {
		t.Fatal("an entry without a result was appended")
	}
	if head := verifyAudit(t, st, ctx); head.Seq != 0 {
		t.Errorf("a refused batch left %d entries, want none (all or none)", head.Seq)
	}
}

// TestAppendAuditConcurrently appends from many goroutines through two
// Stores, as two hub instances would: one chain, no gaps.
func TestAppendAuditConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	var hubs [2]*store.Store
	for i := range hubs {
		st, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		hubs[i] = st
	}
	const goroutines, appends = 16, 25
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			st := hubs[g%2]
			for i := range appends {
				var batch []audit.Entry
				for j := range 1 + i%3 {
					batch = append(batch, auditEntry(g*1000+i*10+j, fmt.Sprint("subject-", g)))
				}
				if err := st.AppendAudit(ctx, batch...); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var want int64
	for i := range appends {
		want += int64(goroutines * (1 + i%3))
	}
	if head := verifyAudit(t, hubs[0], ctx); head.Seq != want {
		t.Errorf("head seq %d, want %d entries", head.Seq, want)
	}
	for g := range goroutines {
		mine, err := hubs[1].AuditBySubject(ctx, fmt.Sprint("subject-", g))
		if err != nil {
			t.Fatal(err)
		}
		if len(mine) != int(want)/goroutines {
			t.Errorf("goroutine %d: %d entries, want %d", g, len(mine), int(want)/goroutines)
		}
		for i := 1; i < len(mine); i++ {
			if mine[i].Resource <= mine[i-1].Resource {
				t.Fatalf("goroutine %d: its entries are out of order: %s after %s", g, mine[i].Resource, mine[i-1].Resource)
			}
			// The entries of one call, committed with others', stay together.
			if mine[i].Resource[:len(mine[i].Resource)-1] == mine[i-1].Resource[:len(mine[i-1].Resource)-1] && mine[i].Seq != mine[i-1].Seq+1 {
				t.Errorf("goroutine %d: the entries of one call are apart: %s at %d, %s at %d",
					g, mine[i-1].Resource, mine[i-1].Seq, mine[i].Resource, mine[i].Seq)
			}
		}
	}
}

// BenchmarkAppendAudit measures appends of single entries, the request path's
// case, from one caller and from many at once; an op is one entry.
func BenchmarkAppendAudit(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	}
	b.Run("serial", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if err := st.AppendAudit(ctx, auditEntry(i, "s")); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if err := st.AppendAudit(ctx, auditEntry(i, "s")); err != nil {
					b.Error(err)
					return
				}
			}
		})
		report(b)
	})
	b.Run("batch_of_100", func(b *testing.B) {
		batch := make([]audit.Entry, 100)
		for i := range batch {
			batch[i] = auditEntry(i, "s")
		}
		for b.Loop() {
			if err := st.AppendAudit(ctx, batch...); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "appends/s")
	})
	verifyAudit(b, st, ctx)
}

// TestAppendAuditBoundsRows: a 900 KB resource, and bytes PostgreSQL text
// cannot hold, are stored bounded and the chain verifies.
func TestAppendAuditBoundsRows(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	huge, odd := auditEntry(1, "s"), auditEntry(2, "s")
	huge.Resource = strings.Repeat("x", 900<<10)
	odd.Resource, odd.Purpose = "rec_\x00\xff", "LB\x00"
	if err := st.AppendAudit(ctx, huge, odd); err != nil {
		t.Fatal(err)
	}
	verifyAudit(t, st, ctx)
	entries, err := st.AuditEntries(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if len(e.Resource) > audit.MaxField || len(e.Purpose) > audit.MaxField {
			t.Errorf("entry %d keeps a resource of %d bytes, a purpose of %d", e.Seq, len(e.Resource), len(e.Purpose))
		}
	}
}
