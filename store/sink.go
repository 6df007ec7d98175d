package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/credex/credex/record"
)

// Delivery is a record as read from Kafka, with where it was read.
type Delivery struct {
	Record    *record.Record
	Topic     string
	Partition int
	Offset    int64
}

// Applied is what Apply did with one delivery.
type Applied struct {
	// Stored: a version was written (false for a duplicate delivery).
	Stored bool
	// Err is a permanent failure: this delivery can never be written.
	Err error
}

// Apply writes deliveries idempotently in one transaction: each version
// once, each record's current state moved to its highest version. Delivering
// the same version again changes nothing. A delivery that can never be
// written (its data breaks a constraint) gets Err and the others are still
// written; any other error fails the whole call and nothing is written, so
// the caller may retry.
func (s *Store) Apply(ctx context.Context, deliveries []Delivery) ([]Applied, error) {
	if len(deliveries) == 0 {
		return nil, nil
	}
	var out []Applied
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = applyBatch(ctx, tx, deliveries)
		return err
	})
	if err == nil {
		return out, nil
	}
	if !permanent(err) {
		return nil, fmt.Errorf("apply %d records: %w", len(deliveries), err)
	}
	// Some delivery can never be written: find it, one savepoint each.
	out = make([]Applied, len(deliveries))
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for i, d := range deliveries {
			err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
				one, err := applyBatch(ctx, sp, []Delivery{d})
				if err == nil {
					out[i] = one[0]
				}
				return err
			})
			if err != nil && permanent(err) {
				out[i] = Applied{Err: err}
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("apply %d records one by one: %w", len(deliveries), err)
	}
	return out, nil
}

type versionKey struct {
	id      string
	version int
}

// applyBatch writes deliveries with three set-based statements: current
// state of upserted records, then every version, then revocations.
func applyBatch(ctx context.Context, tx pgx.Tx, deliveries []Delivery) ([]Applied, error) {
	// The last delivery of a version wins; the highest version of a record
	// sets its current state.
	last := map[versionKey]int{}
	latestContent, latest := map[string]int{}, map[string]int{}
	var lifecycle []int
	for i, d := range deliveries {
		r := d.Record
		last[versionKey{r.ID, r.Version}] = i
		if j, ok := latest[r.ID]; !ok || deliveries[j].Record.Version <= r.Version {
			latest[r.ID] = i
		}
		switch {
		case r.Op.Content():
			if j, ok := latestContent[r.ID]; !ok || deliveries[j].Record.Version <= r.Version {
				latestContent[r.ID] = i
			}
		case r.Op != record.OpRevoke:
			lifecycle = append(lifecycle, i)
		}
	}

	var cur columns
	for _, i := range latestContent {
		r := deliveries[i].Record
		var from, repair, until *time.Time
		if w := r.Display; w != nil {
			from, repair, until = &w.From, &w.RepairFrom, &w.Until
		}
		cur.add(r.ID, r.Type, r.Department, r.SourceID, r.SubjectKey, r.SubjectName, r.SubjectMasked,
			r.Version, r.CatalogVersion, r.AcceptedAt, string(r.Op), from, repair, until)
	}
	var ver columns
	for _, i := range last {
		d := deliveries[i]
		r := d.Record
		ver.add(r.ID, r.Version, string(r.Op), r.ContentHash, r.CatalogVersion, data(r),
			r.SubmissionID, r.AcceptedAt, d.Topic, d.Partition, d.Offset, r.Reason, rewritten(r))
	}
	var rev columns
	for _, i := range latest {
		if r := deliveries[i].Record; r.Op == record.OpRevoke {
			rev.add(r.ID, r.Version, r.AcceptedAt)
		}
	}
	slices.SortFunc(lifecycle, func(a, b int) int {
		return cmp.Compare(deliveries[a].Record.Version, deliveries[b].Record.Version)
	})

	// One round trip: the disputes as they were, then every write.
	b := &pgx.Batch{}
	b.Queue(qRecordsDisputed, slices.Collect(maps.Keys(latest)))
	if cur.n > 0 {
		b.Queue(qApplyRecords, cur.args()...)
	}
	b.Queue(qApplyVersions, ver.args()...)
	if rev.n > 0 {
		b.Queue(qApplyRevocations, rev.args()...)
	}
	for _, i := range lifecycle {
		r := deliveries[i].Record
		b.Queue(qApplyLifecycle, r.ID, r.Version, r.AcceptedAt, string(r.Op))
	}
	res := tx.SendBatch(ctx, b)
	defer res.Close()
	disputed, err := disputedAmong(res)
	if err != nil {
		return nil, err
	}
	if cur.n > 0 {
		if _, err := res.Exec(); err != nil {
			return nil, err
		}
	}
	rows, err := res.Query()
	if err != nil {
		return nil, err
	}
	written := map[versionKey]bool{}
	for rows.Next() {
		var k versionKey
		if err := rows.Scan(&k.id, &k.version); err != nil {
			return nil, err
		}
		written[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if rev.n > 0 {
		if _, err := res.Exec(); err != nil {
			return nil, err
		}
	}
	for range lifecycle {
		if _, err := res.Exec(); err != nil {
			return nil, err
		}
	}
	if err := res.Close(); err != nil {
		return nil, err
	}
	out := make([]Applied, len(deliveries))
	var stored []*record.Record
	for i, d := range deliveries {
		k := versionKey{d.Record.ID, d.Record.Version}
		if out[i].Stored = written[k] && last[k] == i; out[i].Stored {
			stored = append(stored, d.Record)
		}
	}
	return out, recordEvents(ctx, tx, stored, disputed)
}

// disputedAmong reads the records disputed now, the next result of res
// (qRecordsDisputed).
func disputedAmong(res pgx.BatchResults) (map[string]bool, error) {
	rows, err := res.Query()
	if err != nil {
		return nil, fmt.Errorf("read disputes: %w", err)
	}
	disputed := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		disputed[id] = true
	}
	return disputed, rows.Err()
}

// recordEvents turns stored versions into events, numbered per subject in
// order, and owes each to the subscriptions it matches. disputed holds the
// records disputed before these versions; each event says whether its
// record is disputed as of its version.
func recordEvents(ctx context.Context, tx pgx.Tx, stored []*record.Record, disputed map[string]bool) error {
	if len(stored) == 0 {
		return nil
	}
	count := map[string]int64{}
	for _, r := range stored {
		count[r.SubjectKey]++
	}
	var subjects []string
	var counts []int64
	for k, n := range count {
		subjects, counts = append(subjects, k), append(counts, n)
	}
	rows, err := tx.Query(ctx, qSubjectSequences, subjects, counts)
	if err != nil {
		return fmt.Errorf("number events: %w", err)
	}
	next := map[string]int64{} // the next sequence number of each subject
	for rows.Next() {
		var k string
		var last int64
		if err := rows.Scan(&k, &last); err != nil {
			return fmt.Errorf("number events: %w", err)
		}
		next[k] = last - count[k] + 1
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("number events: %w", err)
	}
	var ev columns
	var ids []string
	for _, r := range stored {
		id := record.EventID(r.ID, r.Version)
		ids = append(ids, id)
		switch r.Op {
		case record.OpDispute:
			disputed[r.ID] = true
		case record.OpResolve, record.OpCorrect, record.OpRevoke:
			disputed[r.ID] = false
		}
		ev.add(id, record.EventType(r), r.ID, r.Version, r.Type, r.Department, r.SubjectKey,
			next[r.SubjectKey], r.CatalogVersion, r.Reason, disputed[r.ID])
		next[r.SubjectKey]++
	}
	// Subscription event numbers are the pull API's cursors: they must
	// commit in the order they are drawn, or a reader could pass a number
	// that commits later. One transaction at a time draws them.
	b := &pgx.Batch{}
	b.Queue(qEventsLock)
	b.Queue(qEventsInsert, ev.args()...)
	b.Queue(qEventsFanOut, ids)
	res := tx.SendBatch(ctx, b)
	defer res.Close()
	for _, step := range []string{"order events", "store events", "fan out events"} {
		if _, err := res.Exec(); err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
	}
	return res.Close()
}

// columns gathers the values of a set-based statement column by column.
type columns struct {
	cols [][]any
	n    int
}

func (c *columns) add(values ...any) {
	if c.cols == nil {
		c.cols = make([][]any, len(values))
	}
	for i, v := range values {
		c.cols[i] = append(c.cols[i], v)
	}
	c.n++
}

func (c *columns) args() []any {
	args := make([]any, len(c.cols))
	for i, col := range c.cols {
		args[i] = col
	}
	return args
}

// rewritten is the JSON of a version's rewritten identifiers, or NULL.
func rewritten(r *record.Record) *string {
	if len(r.Rewritten) == 0 {
		return nil
	}
	b, _ := json.Marshal(r.Rewritten) // strings always encode
	s := string(b)
	return &s
}

// data is a record's payload for the database; JSON null when it has none.
func data(r *record.Record) string {
	if len(r.Data) == 0 {
		return "null"
	}
	return string(r.Data)
}

// permanent reports whether err is the database refusing the data itself
// (data exceptions, integrity violations), which retrying cannot fix.
func permanent(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	class := pgErr.Code[:2]
	return class == "22" || class == "23"
}
