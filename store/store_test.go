package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/credex/credex/internal/testkit/pgtest"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

func setup(t *testing.T) (*store.Store, context.Context) {
	t.Helper()
	st, _, ctx := setupWithPool(t)
	return st, ctx
}

// setupWithPool is setup with a pool of its own on the same database, for
// the tests that change the schema under the store.
func setupWithPool(t *testing.T) (*store.Store, *pgxpool.Pool, context.Context) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.URL(t)
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("a second migration must be a no-op: %v", err)
	}
	db, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return st, db, ctx
}

func rec(op record.Op, sourceID, content string) *record.Record {
	data := json.RawMessage(`{"content":"` + content + `"}`)
	hash, _ := record.ContentHash(op, data)
	return &record.Record{
		ID: record.ID(testIDKey, "dept", "administrative_penalty", sourceID), Type: "administrative_penalty", Op: op,
		Department: "dept", SourceID: sourceID, SubjectKey: "subject-" + sourceID, SubjectName: "name",
		SubjectMasked: "1101**********0000", CatalogVersion: 1, ContentHash: hash, Data: data,
		SubmissionID: "sub_test", AcceptedAt: time.Now().UTC(),
	}
}

// admit admits recs and returns the outcomes and the versions assigned.
func admit(t *testing.T, st *store.Store, ctx context.Context, recs ...*record.Record) ([]store.Outcome, []int) {
	t.Helper()
	a, err := st.Admit(ctx, recs)
	if err != nil {
		t.Fatal(err)
	}
	versions := make([]int, len(recs))
	for i, r := range recs {
		versions[i] = r.Version
	}
	return a.Outcomes, versions
}

func TestAdmitAssignsVersions(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	tests := []struct {
		name    string
		rec     *record.Record
		outcome store.Outcome
		version int
	}{
		{"new record", rec(record.OpUpsert, "a", "one"), store.Changed, 1},
		{"same content", rec(record.OpUpsert, "a", "one"), store.Unchanged, 1},
		{"changed content", rec(record.OpUpsert, "a", "two"), store.Changed, 2},
		{"back to earlier content", rec(record.OpUpsert, "a", "one"), store.Changed, 3},
		{"revoke", rec(record.OpRevoke, "a", ""), store.Changed, 4},
		{"revoke again", rec(record.OpRevoke, "a", ""), store.Unchanged, 4},
		{"upsert after revoke", rec(record.OpUpsert, "a", "one"), store.Changed, 5},
		{"revoke of an unknown record", rec(record.OpRevoke, "never", ""), store.UnknownRecord, 0},
	}
	for _, tt := range tests { // in order: each step builds on the last
		outcomes, versions := admit(t, st, ctx, tt.rec)
		if outcomes[0] != tt.outcome || versions[0] != tt.version {
			t.Errorf("%s: outcome %d version %d, want %d version %d", tt.name, outcomes[0], versions[0], tt.outcome, tt.version)
		}
	}
}

func TestAdmitHandlesOneRecordTwiceInABatch(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	outcomes, versions := admit(t, st, ctx,
		rec(record.OpUpsert, "b", "one"), rec(record.OpUpsert, "b", "two"), rec(record.OpRevoke, "b", ""))
	if want := []int{1, 2, 3}; versions[0] != 1 || versions[1] != 2 || versions[2] != 3 {
		t.Errorf("versions = %v, want %v", versions, want)
	}
	for i, o := range outcomes {
		if o != store.Changed {
			t.Errorf("outcome %d = %d, want Changed", i, o)
		}
	}
}

func TestAdmitMixesNewAndKnownRecordsInABatch(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	admit(t, st, ctx, rec(record.OpUpsert, "e", "one"))
	outcomes, versions := admit(t, st, ctx,
		rec(record.OpRevoke, "f", ""), rec(record.OpUpsert, "f", "one"), // revoked before it exists
		rec(record.OpUpsert, "e", "two"), rec(record.OpUpsert, "g", "one"))
	wantOutcomes := []store.Outcome{store.UnknownRecord, store.Changed, store.Changed, store.Changed}
	wantVersions := []int{0, 1, 2, 1}
	if !slices.Equal(outcomes, wantOutcomes) || !slices.Equal(versions, wantVersions) {
		t.Errorf("outcomes %v versions %v, want %v %v", outcomes, versions, wantOutcomes, wantVersions)
	}
	// The new records' heads hold their content: the same again changes nothing.
	outcomes, versions = admit(t, st, ctx, rec(record.OpUpsert, "g", "one"), rec(record.OpUpsert, "f", "one"))
	if outcomes[0] != store.Unchanged || outcomes[1] != store.Unchanged || versions[0] != 1 || versions[1] != 1 {
		t.Errorf("the same content again: outcomes %v versions %v, want unchanged at version 1", outcomes, versions)
	}
}

func TestAdmitKeepsNothingWhenTheTransactionFails(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	admit(t, st, ctx, rec(record.OpUpsert, "c", "one"))
	boom := errors.New("the caller's own write failed")
	err := st.InLedger(ctx, func(l *store.Ledger) error {
		if _, err := l.Admit(ctx, []*record.Record{rec(record.OpUpsert, "c", "two"), rec(record.OpUpsert, "d", "one")}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InLedger = %v, want the caller's error", err)
	}
	if n := len(relayAll(t, st, ctx)); n != 1 {
		t.Errorf("outbox holds %d versions, want only the first admission's 1", n)
	}
	_, versions := admit(t, st, ctx, rec(record.OpUpsert, "c", "two"), rec(record.OpUpsert, "d", "one"))
	if versions[0] != 2 || versions[1] != 1 {
		t.Errorf("after a rolled-back admission, versions = %v, want [2 1]: the failed ones were never promised", versions)
	}
}

// relayAll publishes the whole outbox to nowhere and returns it.
func relayAll(t *testing.T, st *store.Store, ctx context.Context) []store.Outgoing {
	t.Helper()
	out, err := st.Relay(ctx, 10_000, func([]store.Outgoing) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOutboxHoldsEveryChangeInOrderUntilPublished(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	first, err := st.Admit(ctx, []*record.Record{rec(record.OpUpsert, "o", "one"), rec(record.OpUpsert, "p", "one")})
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.Admit(ctx, []*record.Record{rec(record.OpUpsert, "o", "one"), rec(record.OpUpsert, "o", "two")})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Outbox) != 2 || len(second.Outbox) != 2 || second.Outbox[0] != first.Outbox[0] {
		t.Errorf("outbox rows %v then %v; want 2 new, then o's unpublished version 1 and its new version 2", first.Outbox, second.Outbox)
	}

	// A failed publication keeps every row.
	down := errors.New("kafka down")
	if _, err := st.Relay(ctx, 10, func([]store.Outgoing) error { return down }); !errors.Is(err, down) {
		t.Fatalf("Relay = %v, want the publish error", err)
	}
	if n, _ := st.Unpublished(ctx, second.Outbox); n != 2 {
		t.Errorf("after a failed publication %d of 2 rows wait, want 2", n)
	}

	// While one relay holds the outbox, another is told it is busy.
	held, release, released := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(released)
		st.Relay(ctx, 1, func([]store.Outgoing) error { close(held); <-release; return down })
	}()
	<-held
	if _, err := st.Relay(ctx, 10, func([]store.Outgoing) error { return nil }); !errors.Is(err, store.ErrRelayBusy) {
		t.Errorf("second relay = %v, want ErrRelayBusy", err)
	}
	close(release)
	<-released

	var got []string
	for _, o := range relayAll(t, st, ctx) {
		var r record.Record
		if err := json.Unmarshal(o.Value, &r); err != nil || r.ID != o.RecordID || r.Version != o.Version {
			t.Errorf("outbox row %+v holds %s (%v), want its own record", o, o.Value, err)
		}
		got = append(got, fmt.Sprintf("%s/%d", o.RecordID[len(o.RecordID)-4:], o.Version))
	}
	o, p := record.ID(testIDKey, "dept", "administrative_penalty", "o"), record.ID(testIDKey, "dept", "administrative_penalty", "p")
	want := []string{o[len(o)-4:] + "/1", p[len(p)-4:] + "/1", o[len(o)-4:] + "/2"}
	if !slices.Equal(got, want) {
		t.Errorf("published %v, want %v: in the order admitted", got, want)
	}
	if n, _ := st.Unpublished(ctx, append(first.Outbox, second.Outbox...)); n != 0 {
		t.Errorf("%d rows left after publication, want 0", n)
	}
}

func TestApplyIsIdempotentAndOrdersByVersion(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	v1 := rec(record.OpUpsert, "e", "one")
	v2 := rec(record.OpUpsert, "e", "two")
	admit(t, st, ctx, v1, v2)
	deliver := func(recs ...*record.Record) []store.Applied {
		t.Helper()
		var ds []store.Delivery
		for i, r := range recs {
			ds = append(ds, store.Delivery{Record: r, Topic: "records", Partition: 0, Offset: int64(i)})
		}
		applied, err := st.Apply(ctx, ds)
		if err != nil {
			t.Fatal(err)
		}
		return applied
	}

	if a := deliver(v2); !a[0].Stored || a[0].Err != nil {
		t.Fatalf("first delivery of version 2: %+v, want stored", a[0])
	}
	if a := deliver(v1, v2); !a[0].Stored || a[1].Stored {
		t.Errorf("late version 1 then version 2 again: %+v, want version 1 stored and version 2 a duplicate", a)
	}
	rec, err := st.Record(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Version != 2 || string(rec.Data) != `{"content": "two"}` || len(rec.History) != 2 {
		t.Errorf("record = version %d data %s with %d versions, want version 2 (the late version 1 must not win) with 2 versions",
			rec.Version, rec.Data, len(rec.History))
	}
}

func TestApplyReplacesContentThatWasNeverReceipted(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	// A submission reached Kafka but its ledger commit failed, so version 1
	// was promised again to other content, which arrives later.
	orphan := rec(record.OpUpsert, "f", "orphan")
	orphan.Version = 1
	real := rec(record.OpUpsert, "f", "real")
	real.Version = 1
	for i, r := range []*record.Record{orphan, real} {
		if _, err := st.Apply(ctx, []store.Delivery{{Record: r, Topic: "records", Offset: int64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := st.Record(ctx, real.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(rec.Data) != `{"content": "real"}` || len(rec.History) != 1 || rec.History[0].ContentHash != real.ContentHash {
		t.Errorf("record = %s with history %+v, want the later content alone", rec.Data, rec.History)
	}
}

func TestApplySetsAsideWhatCanNeverBeWritten(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	good := rec(record.OpUpsert, "g", "one")
	good.Version = 1
	orphanRevoke := rec(record.OpRevoke, "never-stored", "")
	orphanRevoke.Version = 2
	other := rec(record.OpUpsert, "h", "one")
	other.Version = 1
	applied, err := st.Apply(ctx, []store.Delivery{{Record: good}, {Record: orphanRevoke}, {Record: other}})
	if err != nil {
		t.Fatalf("Apply = %v, want the writable ones written", err)
	}
	if applied[1].Err == nil || !applied[0].Stored || !applied[2].Stored {
		t.Fatalf("applied = %+v, want the revocation of a never-stored record refused and the others stored", applied)
	}
	if _, err := st.Record(ctx, orphanRevoke.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Record(never stored) = %v, want ErrNotFound", err)
	}
}

func TestApplyFailsWholeWhenTheDatabaseIsGone(t *testing.T) {
	t.Parallel()
	st, err := store.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := rec(record.OpUpsert, "i", "one")
	r.Version = 1
	if _, err := st.Apply(context.Background(), []store.Delivery{{Record: r}}); err == nil {
		t.Fatal("Apply on an unreachable database succeeded")
	}
}

func TestApplyKeepsEachFlagFromItsLatestChange(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	op := func(op record.Op, sourceID string, version int, content string) *record.Record {
		r := rec(op, sourceID, content)
		r.Version = version
		return r
	}
	tests := []struct {
		name     string
		batches  [][]*record.Record
		disputed bool
		display  string
	}{
		{"a dispute stays when new content follows in the same batch",
			[][]*record.Record{{op(record.OpUpsert, "a", 1, "one"), op(record.OpDispute, "a", 2, ""), op(record.OpUpsert, "a", 3, "two")}}, true, "displayed"},
		{"a correction after a dispute settles it",
			[][]*record.Record{{op(record.OpUpsert, "b", 1, "one"), op(record.OpDispute, "b", 2, ""), op(record.OpCorrect, "b", 3, "two")}}, false, "displayed"},
		{"a dispute delivered late, after newer content, still counts",
			[][]*record.Record{{op(record.OpUpsert, "c", 1, "one")}, {op(record.OpUpsert, "c", 3, "two")}, {op(record.OpDispute, "c", 2, "")}}, true, "displayed"},
		{"a resolve after a dispute in one batch",
			[][]*record.Record{{op(record.OpUpsert, "d", 1, "one"), op(record.OpDispute, "d", 2, ""), op(record.OpResolve, "d", 3, "")}}, false, "displayed"},
		{"expiry then new content keeps the record expired",
			[][]*record.Record{{op(record.OpUpsert, "e", 1, "one"), op(record.OpExpire, "e", 2, ""), op(record.OpUpsert, "e", 3, "two")}}, false, "expired"},
	}
	for _, tt := range tests {
		for i, batch := range tt.batches {
			var ds []store.Delivery
			for j, r := range batch {
				ds = append(ds, store.Delivery{Record: r, Topic: "records", Offset: int64(10*i + j)})
			}
			if _, err := st.Apply(ctx, ds); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
		}
		id := tt.batches[0][0].ID
		rec, err := st.Record(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		shown, err := st.RecordDisplay(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if rec.Disputed != tt.disputed || shown.Display != tt.display || rec.Version != 3 {
			t.Errorf("%s: disputed %v, display %q, version %d; want %v, %q, 3", tt.name, rec.Disputed, shown.Display, rec.Version, tt.disputed, tt.display)
		}
	}
}

func TestRekeyRefusesWhileVersionsWaitInTheOutbox(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	admit(t, st, ctx, rec(record.OpUpsert, "rk", "one"))
	if _, err := st.Rekey(ctx, []byte("old-subject-key-0123456789"), []byte("new-subject-key-0123456789")); !errors.Is(err, store.ErrOutboxNotEmpty) {
		t.Errorf("Rekey with a version in the outbox = %v, want ErrOutboxNotEmpty", err)
	}
}
