package hub_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/record"
)

// TestExpiryRunByTwoHubsExpiresEachRecordOnce runs the expiry scheduler on
// two hubs of one database and topic prefix at the same time: every record
// whose display window has ended expires exactly once, with one version and
// one record.expired event per subscriber, and records still inside their
// window are left alone.
func TestExpiryRunByTwoHubsExpiresEachRecordOnce(t *testing.T) {
	t.Parallel()
	a := setup(t, options{})
	other := a.sibling(t)
	subs := []subView{
		a.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"}),
		a.subscribe(bankKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"}),
	}

	// General penalties are displayed 3 to 12 months, serious ones 12 to 36.
	decided := func(years int) string {
		return time.Now().AddDate(-years, 0, 0).Format(time.DateOnly)
	}
	const dueCount = 60
	var envs []map[string]any
	var due, notDue []string
	add := func(list *[]string, severity, date string) {
		id := sourceID("EXP", len(envs))
		envs = append(envs, envelope("administrative_penalty", "upsert", id, a.example("administrative_penalty", func(d map[string]any) {
			d["subject"].(map[string]any)["id_number"] = ident.NewCitizenID(a.rand)
			d["decision"].(map[string]any)["date"] = date
			d["severity"] = severity
		})))
		*list = append(*list, record.ID(a.idKey, a.market.Code, "administrative_penalty", id))
	}
	for range dueCount {
		add(&due, "general", decided(2)) // ended a year ago
	}
	add(&notDue, "general", time.Now().AddDate(0, -1, 0).Format(time.DateOnly))
	add(&notDue, "serious", decided(2)) // ends in a year
	add(&notDue, "general", time.Now().AddDate(0, 1, 0).Format(time.DateOnly))
	a.submitAs(marketKey, envs...)
	stored := map[string]int{}
	for _, id := range append(append([]string{}, due...), notDue...) {
		stored[id] = 1
	}
	a.waitVersions(stored, "the penalties to be stored")

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, h := range []*bundle{a, other} {
		wg.Go(func() { h.hub.RunExpiry(ctx, 20*time.Millisecond) })
	}
	expired := func() int {
		return a.count(`SELECT count(*) FROM records WHERE display = 'expired' AND record_id = ANY($1)`, due)
	}
	wait.For(t, 60*time.Second, "every due record to expire", func() bool { return expired() == dueCount })
	time.Sleep(300 * time.Millisecond) // more passes of both hubs over records already expired
	cancel()
	wg.Wait()

	for _, id := range due {
		if n := a.count(`SELECT count(*) FROM record_versions WHERE record_id = $1 AND op = 'expire'`, id); n != 1 {
			t.Errorf("record %s has %d expiry versions, want 1", id, n)
		}
		for _, s := range subs {
			n := a.count(`SELECT count(*) FROM subscription_events se JOIN events e USING (event_id)
				WHERE se.subscription_id = $1 AND e.record_id = $2 AND e.type = 'record.expired'`, s.ID, id)
			if n != 1 {
				t.Errorf("subscription %s of %s got %d record.expired events of %s, want 1", s.ID, s.Agency, n, id)
			}
		}
	}
	if n := a.count(`SELECT count(*) FROM record_versions WHERE record_id = ANY($1) AND op = 'expire'`, notDue); n != 0 {
		t.Errorf("%d records still inside their window got an expiry, want none", n)
	}
	if n := a.count(`SELECT count(*) FROM records WHERE record_id = ANY($1) AND display = 'displayed' AND version = 1`, notDue); n != len(notDue) {
		t.Errorf("%d of %d records still inside their window are displayed at version 1", n, len(notDue))
	}
	if n := a.count(`SELECT count(*) FROM record_versions WHERE record_id = ANY($1) AND op = 'expire' AND reason = ''`, due); n != 0 {
		t.Errorf("%d expiries without a reason", n)
	}
	// The two hubs counted each expiry once between them.
	if got := expiredMetric(t, a) + expiredMetric(t, other); got != dueCount {
		t.Errorf("credex_records_expired_total summed over both hubs = %v, want %d", got, dueCount)
	}
	// An expired record is no longer publicly displayed.
	if status, body := a.publicGet(due[0]); status != 404 {
		t.Errorf("public record of an expired penalty = %d %s, want 404", status, body)
	}
}

// expiredMetric is the hub's credex_records_expired_total over all types.
func expiredMetric(t *testing.T, b *bundle) float64 {
	t.Helper()
	families, err := b.hub.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() == "credex_records_expired_total" {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
