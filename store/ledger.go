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

// Admit assigns versions to recs, in order, and calls publish with the
// outcomes (so the caller publishes the records that Changed) while it holds
// their ledger rows locked. The versions
// are kept only if publish returns nil and the transaction commits; so a
// version is promised exactly when its record reached Kafka. Admit sets
// Version (and, for revocations, SubjectKey) on each record and returns one
// outcome per record.
//
// Concurrent admissions of the same record wait for each other.
func (s *Store) Admit(ctx context.Context, recs []*record.Record, publish func([]Outcome) error) ([]Outcome, error) {
	var ids, newIDs, newSubjects []string
	for _, r := range recs {
		ids = append(ids, r.ID)
		if r.Op == record.OpUpsert {
			newIDs = append(newIDs, r.ID)
			newSubjects = append(newSubjects, r.SubjectKey)
		}
	}
	outcomes := make([]Outcome, len(recs))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if len(newIDs) > 0 {
			if _, err := tx.Exec(ctx, qHeadPlaceholders, newIDs, newSubjects); err != nil {
				return fmt.Errorf("ledger: reserve: %w", err)
			}
		}
		heads, err := lockHeads(ctx, tx, ids)
		if err != nil {
			return err
		}
		for i, r := range recs {
			outcomes[i] = advance(heads[r.ID], r)
		}
		if err := updateHeads(ctx, tx, heads); err != nil {
			return err
		}
		return publish(outcomes)
	})
	if err != nil {
		return nil, err
	}
	return outcomes, nil
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
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	rows, err := tx.Query(ctx, qHeadLock, ids)
	if err != nil {
		return nil, fmt.Errorf("ledger: lock: %w", err)
	}
	heads := map[string]*head{}
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
