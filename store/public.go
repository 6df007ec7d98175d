package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/record"
)

var (
	qPublicBySubject    = query("public_by_subject")
	qPublicRecord       = query("public_record")
	qPublicDisplayEnded = query("public_display_ended")
)

// PublicRecord is a record as far as the public may see it: its current
// content and display window, without its history. SubjectMasked is the
// masked ID number; Data holds the full one and is for the caller to mask.
type PublicRecord struct {
	ID             string
	Type           string
	Department     string
	SubjectName    string
	SubjectMasked  string
	Version        int
	Disputed       bool
	CatalogVersion int
	Data           []byte
	// DisplayFrom, RepairFrom and DisplayUntil are the display window; nil
	// for a record displayed for as long as it is active.
	DisplayFrom, RepairFrom, DisplayUntil *time.Time
	UpdatedAt                             time.Time
	// SubjectKey is the keyed hash of the subject's ID number.
	SubjectKey string
}

// PublicSpan is a period during which records of a type were published
// under a public disclosure: a record of Type first published (accepted)
// at or after From and before Until, or with no end when Until is nil, may
// be shown to the public.
type PublicSpan struct {
	Type  string
	From  time.Time
	Until *time.Time
}

// PublicRecords returns the records about the person with the keyed hash
// subjectKey (record.SubjectKey) and the name name that the public may see
// at now: first published within one of the spans, active, displayed
// (neither expired nor repaired), and inside their display window
// (From <= now < Until) or without one. Newest decision first.
func (s *Store) PublicRecords(ctx context.Context, subjectKey, name string, spans []PublicSpan, now time.Time) ([]PublicRecord, error) {
	types, from, until := spanColumns(spans)
	rows, err := s.pool.Query(ctx, qPublicBySubject, subjectKey, name, types, from, until, now)
	if err != nil {
		return nil, fmt.Errorf("read public records: %w", err)
	}
	recs, err := pgx.CollectRows(rows, scanPublic)
	if err != nil {
		return nil, fmt.Errorf("read public records: %w", err)
	}
	return recs, nil
}

// PublicRecord returns the record id if the public may see it at now (see
// PublicRecords), or ErrNotFound, whether it does not exist or is not
// public.
func (s *Store) PublicRecord(ctx context.Context, id string, spans []PublicSpan, now time.Time) (*PublicRecord, error) {
	types, from, until := spanColumns(spans)
	rows, err := s.pool.Query(ctx, qPublicRecord, id, types, from, until, now)
	if err != nil {
		return nil, fmt.Errorf("read public record %s: %w", id, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanPublic)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read public record %s: %w", id, err)
	}
	return &r, nil
}

func spanColumns(spans []PublicSpan) (types []string, from []time.Time, until []*time.Time) {
	for _, s := range spans {
		types, from, until = append(types, s.Type), append(from, s.From), append(until, s.Until)
	}
	return types, from, until
}

func scanPublic(row pgx.CollectableRow) (PublicRecord, error) {
	var r PublicRecord
	err := row.Scan(&r.ID, &r.Type, &r.Department, &r.SubjectName, &r.SubjectMasked, &r.Version, &r.Disputed,
		&r.CatalogVersion, &r.Data, &r.DisplayFrom, &r.RepairFrom, &r.DisplayUntil, &r.UpdatedAt, &r.SubjectKey)
	return r, err
}

// EndedDisplay is a record whose display window is over but which is still
// displayed: what an expiry needs to name it.
type EndedDisplay struct {
	record.Ref
	DisplayUntil time.Time
}

// ClaimEndedDisplays calls expire with the records, active and displayed,
// whose display window ended by now, at most batch at a time, oldest end
// first, each batch with a Ledger of a transaction that holds them locked
// until expire returns; records another transaction holds are skipped, so concurrent
// callers (several hubs) share the work. A pass visits each record at most
// once; one that another caller held is left for a later pass. It stops at
// the first error of expire and returns it, and returns how many records
// expire was given.
//
// The lock only shares work: expire must make its change idempotent (the
// ledger makes an expiry of a record no longer displayed Unchanged), since
// a record stays displayed here until the sink applies the expiry.
func (s *Store) ClaimEndedDisplays(ctx context.Context, now time.Time, batch int, expire func(context.Context, *Ledger, []EndedDisplay) error) (int, error) {
	after, afterID := time.Time{}, ""
	total := 0
	for {
		var n int
		err := s.inLedger(ctx, func(tx pgx.Tx, l *Ledger) error {
			rows, err := tx.Query(ctx, qPublicDisplayEnded, now, after, afterID, batch)
			if err != nil {
				return err
			}
			ended, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (EndedDisplay, error) {
				var e EndedDisplay
				err := row.Scan(&e.ID, &e.Type, &e.Department, &e.SourceID, &e.CatalogVersion, &e.DisplayUntil)
				return e, err
			})
			if err != nil || len(ended) == 0 {
				return err
			}
			n = len(ended)
			last := ended[n-1]
			after, afterID = last.DisplayUntil, last.ID
			return expire(ctx, l, ended)
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("expire ended displays: %w", err)
		}
		if n < batch {
			return total, nil
		}
	}
}
