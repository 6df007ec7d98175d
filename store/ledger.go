package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/record"
)

// Outcome is what admission made of one record.
type Outcome int

const (
	// Changed: the record got a new version, to be published.
	Changed Outcome = iota
	// Unchanged: the record already has this content (or is already
	// revoked); its current version is kept and nothing is published.
	Unchanged
	// UnknownRecord: a change other than an upsert names a record the hub
	// never accepted.
	UnknownRecord
	// Refused: the change does not apply to the record as it is, such as a
	// dispute of a revoked record, or a repair of one no longer displayed.
	Refused
)

type head struct {
	version    int
	hash       string
	state      string
	display    string
	subjectKey string
	dirty      bool
}

// Ledger is the one way a change enters the ledger. It belongs to one
// transaction of the store, handed to the caller's function by InLedger (or
// by a store method that writes the caller's own rows in it): what it
// admits commits or rolls back with that transaction, and reaches Kafka only
// after it committed, through the outbox and the relay. A Ledger is valid
// only during the call that handed it out, and is not safe for concurrent
// use.
type Ledger struct {
	tx     pgx.Tx
	outbox []int64
}

// Admission is what Store.Admit made of a batch of records.
type Admission struct {
	// Outcomes has one outcome per record, in order.
	Outcomes []Outcome
	// Outbox names the outbox rows that must be published before the
	// records' versions are safe in Kafka: those of the records that
	// Changed, and those of earlier versions of the records that are still
	// waiting. Relay.Await waits for them.
	Outbox []int64
}

// InLedger calls fn with a Ledger in a new transaction and commits when fn
// returns nil; an error from fn is returned as it is, and nothing of the
// transaction is kept. After a commit that admitted changes, the relay of
// this process is woken to publish them.
func (s *Store) InLedger(ctx context.Context, fn func(*Ledger) error) error {
	return s.inLedger(ctx, func(_ pgx.Tx, l *Ledger) error { return fn(l) })
}

// inLedger is InLedger for store methods that write rows of their own in the
// same transaction.
func (s *Store) inLedger(ctx context.Context, fn func(pgx.Tx, *Ledger) error) error {
	var l *Ledger
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		l = &Ledger{tx: tx}
		return fn(tx, l)
	})
	if err == nil && len(l.outbox) > 0 {
		s.wake()
	}
	return err
}

// Admit assigns versions to recs, in order, in a transaction of its own,
// and writes the records that Changed to the outbox. It returns once the
// transaction committed: the versions are then kept, and the relay publishes
// them; a caller that answers only once Kafka has them waits with
// Relay.Await(Admission.Outbox).
func (s *Store) Admit(ctx context.Context, recs []*record.Record) (*Admission, error) {
	var a Admission
	err := s.InLedger(ctx, func(l *Ledger) error {
		var err error
		if a.Outcomes, err = l.Admit(ctx, recs); err != nil {
			return err
		}
		a.Outbox, err = l.waiting(ctx, recs, a.Outcomes)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// Admit assigns versions to recs, in order, and writes the records that
// Changed to the outbox, in l's transaction. It sets Version (and, for
// changes without content, SubjectKey) on each record and returns one
// outcome per record. Concurrent admissions of the same record wait for
// each other until the first transaction ends.
func (l *Ledger) Admit(ctx context.Context, recs []*record.Record) ([]Outcome, error) {
	outcomes := make([]Outcome, len(recs))
	admitted, err := l.reserve(ctx, recs, outcomes)
	if err != nil {
		return nil, err
	}
	var ids []string
	for i, r := range recs {
		if !admitted[i] {
			ids = append(ids, r.ID)
		}
	}
	heads, err := lockHeads(ctx, l.tx, ids)
	if err != nil {
		return nil, err
	}
	var changed []*record.Record
	for i, r := range recs {
		if !admitted[i] {
			outcomes[i] = advance(heads[r.ID], r)
		}
		if outcomes[i] == Changed {
			changed = append(changed, r)
		}
	}
	if err := updateHeads(ctx, l.tx, heads); err != nil {
		return nil, err
	}
	if err := l.enqueue(ctx, changed); err != nil {
		return nil, err
	}
	return outcomes, nil
}

// reserve writes a ledger row for every record an upsert of recs names that
// has none yet, and reports which records it admitted outright: an upsert
// that is the only change of its record in recs, to a record new to the
// hub, gets its final head (version 1) in the same statement, and its
// outcome. The other rows it writes are placeholders for the lock. Most
// batches are new records only, and take this one statement.
func (l *Ledger) reserve(ctx context.Context, recs []*record.Record, outcomes []Outcome) ([]bool, error) {
	changes := map[string]int{}
	for _, r := range recs {
		changes[r.ID]++
	}
	var ids, hashes, subjects []string
	var versions []int
	only := map[string]int{} // record id → index of its only change, an upsert
	for i, r := range recs {
		if r.Op != record.OpUpsert {
			continue
		}
		h := &head{state: "active", display: "displayed"} // a placeholder
		if changes[r.ID] == 1 {
			outcomes[i] = advance(h, r) // the first version, should the row be new
			only[r.ID] = i
		}
		ids, versions, hashes, subjects = append(ids, r.ID), append(versions, h.version), append(hashes, h.hash), append(subjects, r.SubjectKey)
	}
	admitted := make([]bool, len(recs))
	if len(ids) == 0 {
		return admitted, nil
	}
	rows, err := l.tx.Query(ctx, qHeadPlaceholders, ids, versions, hashes, subjects)
	if err != nil {
		return nil, fmt.Errorf("ledger: reserve: %w", err)
	}
	written, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("ledger: reserve: %w", err)
	}
	for _, id := range written {
		if i, ok := only[id]; ok {
			admitted[i] = true
		}
	}
	return admitted, nil
}

// enqueue writes recs to the outbox.
func (l *Ledger) enqueue(ctx context.Context, recs []*record.Record) error {
	if len(recs) == 0 {
		return nil
	}
	ids, types, subjects := make([]string, len(recs)), make([]string, len(recs)), make([]string, len(recs))
	versions, values := make([]int, len(recs)), make([][]byte, len(recs))
	for i, r := range recs {
		v, err := record.Encode(r)
		if err != nil {
			return fmt.Errorf("ledger: encode record %s: %w", r.ID, err)
		}
		ids[i], versions[i], types[i], subjects[i], values[i] = r.ID, r.Version, r.Type, r.SubjectKey, v
	}
	rows, err := l.tx.Query(ctx, qOutboxInsert, ids, versions, types, subjects, values)
	if err != nil {
		return fmt.Errorf("ledger: outbox: %w", err)
	}
	outbox, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("ledger: outbox: %w", err)
	}
	l.outbox = append(l.outbox, outbox...)
	return nil
}

// waiting returns the outbox rows of recs: those enqueued now, and for the
// records that came back Unchanged, the earlier versions not yet published.
func (l *Ledger) waiting(ctx context.Context, recs []*record.Record, outcomes []Outcome) ([]int64, error) {
	var unchanged []string
	for i, o := range outcomes {
		if o == Unchanged {
			unchanged = append(unchanged, recs[i].ID)
		}
	}
	if len(unchanged) == 0 {
		return l.outbox, nil
	}
	rows, err := l.tx.Query(ctx, qOutboxOfRecords, unchanged)
	if err != nil {
		return nil, fmt.Errorf("ledger: outbox: %w", err)
	}
	earlier, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("ledger: outbox: %w", err)
	}
	return slices.Compact(slices.Sorted(slices.Values(append(earlier, l.outbox...)))), nil
}

// advance applies r to its ledger row h (nil when the record is unknown).
func advance(h *head, r *record.Record) Outcome {
	if h == nil || (r.Op != record.OpUpsert && h.version == 0) {
		return UnknownRecord
	}
	if !r.Op.Content() {
		r.SubjectKey = h.subjectKey // a change without content is about the record's subject
	}
	switch {
	case r.Op == record.OpRevoke && h.state == "revoked",
		r.Op == record.OpUpsert && h.state == "active" && h.hash == r.ContentHash,
		(r.Op == record.OpRepair || r.Op == record.OpExpire) && h.display != "displayed":
		r.Version = h.version
		return Unchanged
	case !r.Op.Content() && r.Op != record.OpRevoke && h.state == "revoked":
		return Refused
	}
	h.version++
	h.dirty = true
	switch r.Op {
	case record.OpUpsert, record.OpCorrect:
		h.hash, h.state, h.subjectKey = r.ContentHash, "active", r.SubjectKey
	case record.OpRevoke:
		h.state = "revoked"
	case record.OpRepair:
		h.display = "repaired"
	case record.OpExpire:
		h.display = "expired"
	}
	r.Version = h.version
	return Changed
}

func lockHeads(ctx context.Context, tx pgx.Tx, ids []string) (map[string]*head, error) {
	heads := map[string]*head{}
	if len(ids) == 0 {
		return heads, nil
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	rows, err := tx.Query(ctx, qHeadLock, ids)
	if err != nil {
		return nil, fmt.Errorf("ledger: lock: %w", err)
	}
	for rows.Next() {
		var id string
		h := &head{}
		if err := rows.Scan(&id, &h.version, &h.hash, &h.state, &h.display, &h.subjectKey); err != nil {
			return nil, fmt.Errorf("ledger: lock: %w", err)
		}
		heads[id] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: lock: %w", err)
	}
	return heads, nil
}

func updateHeads(ctx context.Context, tx pgx.Tx, heads map[string]*head) error {
	var ids, hashes, states, displays, subjects []string
	var versions []int
	for id, h := range heads {
		if !h.dirty {
			continue
		}
		ids, versions, hashes = append(ids, id), append(versions, h.version), append(hashes, h.hash)
		states, displays, subjects = append(states, h.state), append(displays, h.display), append(subjects, h.subjectKey)
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, qHeadUpdate, ids, versions, hashes, states, displays, subjects); err != nil {
		return fmt.Errorf("ledger: update: %w", err)
	}
	return nil
}
