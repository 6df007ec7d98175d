package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/relay"
)

// failCommits makes every commit of a transaction that wrote to the ledger's
// outbox fail while armed: the fault of a database that takes the writes of
// a change and then cannot commit them.
type failCommits struct {
	b *bundle
}

func (b *bundle) failCommits() failCommits {
	b.t.Helper()
	for _, sql := range []string{
		`CREATE TABLE commit_fault (armed boolean NOT NULL)`,
		`INSERT INTO commit_fault VALUES (false)`,
		`CREATE FUNCTION commit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN
		   IF (SELECT armed FROM commit_fault) THEN RAISE EXCEPTION 'injected commit failure'; END IF;
		   RETURN NULL;
		 END $$`,
		`CREATE CONSTRAINT TRIGGER commit_fault AFTER INSERT ON ledger_outbox
		 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commit_fault()`,
	} {
		if _, err := b.db.Exec(context.Background(), sql); err != nil {
			b.t.Fatal(err)
		}
	}
	return failCommits{b}
}

func (f failCommits) arm(on bool) {
	f.b.t.Helper()
	if _, err := f.b.db.Exec(context.Background(), `UPDATE commit_fault SET armed = $1`, on); err != nil {
		f.b.t.Fatal(err)
	}
}

// headVersion is the ledger's version of record id.
func (b *bundle) headVersion(id string) int {
	return b.count(`SELECT version FROM record_heads WHERE record_id = $1`, id)
}

// TestDecisionWhoseCommitFailsLeavesNoOrphanVersion decides an objection
// while the database cannot commit: the department is told 503, the
// objection stays open, the record keeps its version and nothing waits to
// be published. Decided again, it makes exactly one version.
func TestDecisionWhoseCommitFailsLeavesNoOrphanVersion(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	id, p := b.recordAbout("LEDGER-DECIDE")
	o := b.file(objection(id, p))
	b.waitDisputed(id, 2, true)
	fault := b.failCommits()

	fault.arm(true)
	decision := map[string]any{"outcome": "upheld", "reason": "经复核，记录无误。"}
	var e apiError
	if got := b.decide(marketKey, o.ID, decision, &e); got != http.StatusServiceUnavailable || e.Code != "unavailable" {
		t.Fatalf("decision while commits fail answered %d %+v, want 503 unavailable", got, e)
	}
	if v := b.headVersion(id); v != 2 {
		t.Errorf("after the failed commit the ledger holds version %d, want 2", v)
	}
	if n := b.count(`SELECT count(*) FROM ledger_outbox`); n != 0 {
		t.Errorf("%d versions wait in the outbox after the failed commit, want none", n)
	}
	if _, v := b.track(o.TrackingToken, o.ID); v.Status != "accepted" || v.Outcome != "" {
		t.Errorf("after the failed commit the objection is %s (%s), want still accepted and undecided", v.Status, v.Outcome)
	}

	fault.arm(false)
	if got := b.decide(marketKey, o.ID, decision, nil); got != http.StatusOK {
		t.Fatalf("decision after recovery answered %d, want 200", got)
	}
	v := b.waitDisputed(id, 3, false)
	var ops []string
	for _, h := range v.History {
		ops = append(ops, h.Op)
	}
	if fmt.Sprint(ops) != "[upsert dispute resolve]" {
		t.Errorf("history %v, want [upsert dispute resolve]", ops)
	}
	if _, tracked := b.track(o.TrackingToken, o.ID); tracked.Outcome != "upheld" {
		t.Errorf("the decision was lost: the objection shows %+v", tracked)
	}
}

// TestConcurrentDecisionsOnASmallPool decides 50 objections at once on a
// hub with 10 database connections: each decision holds one connection for
// one transaction, so all complete.
func TestConcurrentDecisionsOnASmallPool(t *testing.T) {
	t.Parallel()
	const n = 50
	b := setup(t, options{poolMax: 10})
	objections := make([]objectionView, n)
	ids := make([]string, n)
	for i := range n {
		var p person
		ids[i], p = b.recordAbout(sourceID("POOL", i))
		objections[i] = b.file(objection(ids[i], p))
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i] = b.decide(marketKey, objections[i].ID, map[string]any{"outcome": "upheld", "reason": "经复核，记录无误。"}, nil)
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("decision %d answered %d, want 200", i, s)
		}
	}
	for _, id := range ids {
		b.waitDisputed(id, 3, false)
	}
}

// TestFailedSubmissionsNeverReachSubscribers submits changes whose commit
// fails between accepted ones, a revocation among them: the record, its
// history, the record topic and what a subscriber pulls are exactly the
// accepted changes, in order.
func TestFailedSubmissionsNeverReachSubscribers(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	sub := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"})
	fault := b.failCommits()
	person := b.penalty()["subject"]
	penalty := func(amount int) map[string]any { // versions of one record about one person
		d := b.penalty()
		d["subject"], d["amount_yuan"] = person, amount
		return d
	}
	steps := []struct {
		env      map[string]any
		accepted bool
	}{
		{envelope("administrative_penalty", "upsert", "LEDGER-SUB", penalty(1000)), true},
		{envelope("administrative_penalty", "upsert", "LEDGER-SUB", penalty(2000)), false},
		{envelope("administrative_penalty", "upsert", "LEDGER-SUB", penalty(3000)), true},
		{envelope("administrative_penalty", "revoke", "LEDGER-SUB", nil), false},
		{envelope("administrative_penalty", "upsert", "LEDGER-SUB", penalty(4000)), true},
		{envelope("administrative_penalty", "revoke", "LEDGER-SUB", nil), true},
	}
	var id string
	var wantAmounts []any
	for i, s := range steps {
		fault.arm(!s.accepted)
		var resp struct {
			Code     string `json:"code"`
			Receipts []struct {
				Status   string `json:"status"`
				RecordID string `json:"record_id"`
				Version  int    `json:"version"`
			} `json:"receipts"`
		}
		got := b.post(marketKey, "application/json", batch(s.env), &resp)
		switch {
		case !s.accepted && (got != http.StatusServiceUnavailable || resp.Code != "unavailable" || len(resp.Receipts) != 0):
			t.Fatalf("step %d, commit failing: answered %d %+v, want 503 unavailable without receipts", i, got, resp)
		case s.accepted && (got != http.StatusOK || resp.Receipts[0].Status != "accepted"):
			t.Fatalf("step %d: answered %d %+v, want accepted", i, got, resp)
		case s.accepted:
			id = resp.Receipts[0].RecordID
			if want := len(wantAmounts) + 1; resp.Receipts[0].Version != want {
				t.Errorf("step %d: version %d, want %d: failed submissions take no version", i, resp.Receipts[0].Version, want)
			}
			wantAmounts = append(wantAmounts, amountOf(s.env))
		}
	}
	fault.arm(false)

	v := b.waitLifecycle(id, len(wantAmounts))
	var gotAmounts []any
	for _, h := range v.History {
		gotAmounts = append(gotAmounts, amountIn(h.Data))
	}
	if fmt.Sprint(gotAmounts) != fmt.Sprint(wantAmounts) || v.State != "revoked" {
		t.Errorf("history %v (%s), want the accepted changes %v, revoked", gotAmounts, v.State, wantAmounts)
	}
	if n := b.topicCount(b.recordTopic("administrative_penalty")); n != len(wantAmounts) {
		t.Errorf("the record topic holds %d messages, want the %d accepted changes", n, len(wantAmounts))
	}
	var events []struct {
		Version int             `json:"version"`
		Type    string          `json:"type"`
		Data    json.RawMessage `json:"data"`
	}
	wait.For(t, 20*time.Second, "every event to pull", func() bool {
		page := b.events(agencyKey, sub.ID, "0", 0)
		events = events[:0]
		for _, raw := range page.Events {
			var e struct {
				Version int             `json:"version"`
				Type    string          `json:"type"`
				Data    json.RawMessage `json:"data"`
			}
			json.Unmarshal(raw, &e)
			events = append(events, e)
		}
		return len(events) >= len(wantAmounts)
	})
	var pulled []any
	for i, e := range events {
		if e.Version != i+1 {
			t.Errorf("event %d has version %d, want %d", i, e.Version, i+1)
		}
		pulled = append(pulled, amountIn(e.Data))
	}
	if fmt.Sprint(pulled) != fmt.Sprint(wantAmounts) {
		t.Errorf("the subscriber pulled %v, want the accepted changes %v", pulled, wantAmounts)
	}
}

// flakyPublisher is the hub's real Kafka producer, refusing to write while
// down: the fault of a Kafka cluster that stops answering.
type flakyPublisher struct {
	*pipeline.Producer
	down atomic.Bool
}

func (p *flakyPublisher) Publish(ctx context.Context, msgs ...kafka.Message) error {
	if p.down.Load() {
		return fmt.Errorf("injected: kafka does not answer")
	}
	return p.Producer.Publish(ctx, msgs...)
}

// TestSubmissionStoredWhileKafkaStallsSaysPending: Kafka stops answering
// after the ledger committed a change. The receipt says pending with the
// version; nothing is in Kafka; sent again, the same answer. Once Kafka
// answers, the version is published and the same submission is accepted
// with the same version, and the subscriber receives it once, in order.
func TestSubmissionStoredWhileKafkaStallsSaysPending(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noRelay: true, ackTimeout: 2 * time.Second})
	sub := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"})
	producer := pipeline.NewProducer(b.cfg.Kafka, prometheus.NewRegistry())
	t.Cleanup(func() { producer.Close() })
	kafkaOf := &flakyPublisher{Producer: producer}
	r := relay.New(relay.Config{Poll: 20 * time.Millisecond}, b.hub.Store(), kafkaOf, b.cfg.Kafka.Topics,
		func(ctx context.Context) error { return pipeline.Ping(ctx, b.cfg.Kafka) }, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	first := b.submitAs(marketKey, envelope("administrative_penalty", "upsert", "STALL", b.penalty()))
	id := first.Receipts[0].RecordID
	b.waitVersion(id, 1)

	kafkaOf.down.Store(true)
	change := envelope("administrative_penalty", "upsert", "STALL", b.penalty())
	for range 2 {
		var resp struct {
			Code     string `json:"code"`
			Pending  int    `json:"pending"`
			Receipts []struct {
				Status  string `json:"status"`
				Version int    `json:"version"`
			} `json:"receipts"`
		}
		got := b.post(marketKey, "application/json", batch(change), &resp)
		if got != http.StatusAccepted || resp.Code != "pending" || resp.Pending != 1 ||
			resp.Receipts[0].Status != "pending" || resp.Receipts[0].Version != 2 {
			t.Fatalf("while Kafka stalls: answered %d %+v, want 202 pending with version 2", got, resp)
		}
	}
	if n := b.topicCount(b.recordTopic("administrative_penalty")); n != 1 {
		t.Errorf("the record topic holds %d messages while Kafka stalls, want 1", n)
	}

	kafkaOf.down.Store(false)
	b.waitVersion(id, 2)
	again := b.submitAs(marketKey, change)
	if rc := again.Receipts[0]; rc.Status != "accepted" || rc.Version != 2 || !rc.Unchanged {
		t.Errorf("sent again once Kafka answers: %+v, want accepted, unchanged, version 2", rc)
	}
	wait.For(t, 20*time.Second, "both events to pull", func() bool { return len(b.events(agencyKey, sub.ID, "0", 0).Events) == 2 })
	for i, raw := range b.events(agencyKey, sub.ID, "0", 0).Events {
		var e struct {
			Version int `json:"version"`
		}
		json.Unmarshal(raw, &e)
		if e.Version != i+1 {
			t.Errorf("event %d has version %d, want %d", i, e.Version, i+1)
		}
	}
}

// waitLifecycle waits until record id has version.
func (b *bundle) waitLifecycle(id string, version int) lifecycleView {
	b.t.Helper()
	var v lifecycleView
	wait.For(b.t, 30*time.Second, "the record's last version", func() bool {
		return b.call(http.MethodGet, "/v1/records/"+id, marketKey, nil, &v) == http.StatusOK && v.Version == version
	})
	return v
}

// amountOf is the amount of an upsert envelope; nil for a revocation.
func amountOf(env map[string]any) any {
	if d, ok := env["data"].(map[string]any); ok {
		return fmt.Sprint(d["amount_yuan"])
	}
	return nil
}

// amountIn is the amount of a stored or delivered payload; nil for a
// revocation's.
func amountIn(data json.RawMessage) any {
	var d map[string]any
	json.Unmarshal(data, &d)
	if a, ok := d["amount_yuan"]; ok {
		return fmt.Sprint(a)
	}
	return nil
}
