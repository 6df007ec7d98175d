package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/record"
)

// Record is a stored credit record with its history.
type Record struct {
	ID             string
	Type           string
	Department     string
	SourceID       string
	SubjectName    string
	SubjectMasked  string
	Version        int
	State          string
	CatalogVersion int
	Data           []byte
	CreatedAt      time.Time
	UpdatedAt      time.Time
	History        []RecordVersion

	// SubjectKey is the keyed hash of the subject's ID number (record.SubjectKey).
	SubjectKey string
	// Disputed: an objection to the record is open.
	Disputed bool
	// Display is displayed, expired (its display period ended) or repaired.
	Display string
}

// Record returns the record with its whole history, or ErrNotFound.
func (s *Store) Record(ctx context.Context, id string) (*Record, error) {
	var r *Record
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var err error
		r, err = readRecord(ctx, tx, id)
		return err
	})
	return r, err
}

// Record returns the record with its whole history, as stored by the sink,
// or ErrNotFound; it reads in l's transaction.
func (l *Ledger) Record(ctx context.Context, id string) (*Record, error) {
	return readRecord(ctx, l.tx, id)
}

func readRecord(ctx context.Context, tx pgx.Tx, id string) (*Record, error) {
	var r Record
	err := tx.QueryRow(ctx, qRecord, id).Scan(&r.ID, &r.Type, &r.Department, &r.SourceID, &r.SubjectName,
		&r.SubjectMasked, &r.Version, &r.State, &r.CatalogVersion, &r.Data, &r.CreatedAt, &r.UpdatedAt,
		&r.SubjectKey, &r.Disputed, &r.Display)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err == nil {
		var rows pgx.Rows
		if rows, err = tx.Query(ctx, qRecordHistory, id); err == nil {
			r.History, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (RecordVersion, error) {
				var v RecordVersion
				err := row.Scan(&v.Version, &v.Op, &v.ContentHash, &v.CatalogVersion, &v.Data, &v.SubmissionID, &v.AcceptedAt, &v.StoredAt, &v.Reason, &v.Rewritten)
				return v, err
			})
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read record %s: %w", id, err)
	}
	return &r, nil
}

// RecordVersion is one version in a record's history.
type RecordVersion struct {
	Version        int
	Op             string
	ContentHash    string
	CatalogVersion int
	Data           []byte
	SubmissionID   string
	AcceptedAt     time.Time
	StoredAt       time.Time
	// Reason says why a correction, revocation or lifecycle change was made.
	Reason string
	// Rewritten are the identifiers the hub rewrote, with the values as sent.
	Rewritten []record.Rewriting
}

// Ref names r for a change of it.
func (r *Record) Ref() record.Ref {
	return record.Ref{ID: r.ID, Type: r.Type, Department: r.Department, SourceID: r.SourceID, CatalogVersion: r.CatalogVersion}
}
