package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/lifecycle"
)

var (
	qObjectionInsert         = query("objection_insert")
	qObjectionEvidenceInsert = query("objection_evidence_insert")
	qObjectionSelect         = query("objection_select")
	qObjectionLock           = query("objection_lock")
	qObjectionList           = query("objection_list")
	qObjectionUpdate         = query("objection_update")
	qObjectionEvidence       = query("objection_evidence")
)

// Objection is an objection as stored: its state (moved by a lifecycle.Desk),
// the department that decides it and the hash of its tracking token. The
// person's name and ID number are not kept.
type Objection struct {
	lifecycle.Objection
	// Department is the unified social credit code of the record's source
	// department.
	Department string
	// TokenHash is the hash of the tracking token.
	TokenHash string
	// SubjectKey is the keyed hash of the record's subject (read only).
	SubjectKey string
	// Files are the contents of Evidence, in its order; only FileObjection
	// reads them.
	Files [][]byte
}

// FileObjection stores o (its times truncated to microseconds) with its
// evidence and calls change, which makes the record disputed through the
// ledger in the same transaction: the objection and the dispute commit
// together, or neither does. It returns ErrCaseOpen when the record has an
// open objection already; a concurrent filing for the same record waits for
// this one.
func (s *Store) FileObjection(ctx context.Context, o *Objection, change func(*Ledger) error) error {
	o.truncate()
	err := s.fileCase(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, qObjectionInsert, o.ID, o.RecordID, o.Department, o.Grounds, o.Statement, attachments(o.Evidence),
			o.Status, o.TokenHash, o.FiledAt, o.AcceptBy, sqlTime(o.AcceptedAt), sqlTime(o.DecideBy))
		if err != nil || len(o.Files) == 0 {
			return err
		}
		_, err = tx.Exec(ctx, qObjectionEvidenceInsert, o.ID, o.Files)
		return err
	}, change)
	if err != nil {
		return fmt.Errorf("file objection %s: %w", o.ID, err)
	}
	return nil
}

// Objection returns the objection with this id, without its files, or
// ErrNotFound.
func (s *Store) Objection(ctx context.Context, id string) (*Objection, error) {
	return readCase(ctx, s, "objection", qObjectionSelect, id, scanObjection)
}

// Objections returns the objections q selects, oldest first, without their
// files.
func (s *Store) Objections(ctx context.Context, q CaseQuery) ([]Objection, error) {
	list, err := listCases(ctx, s, qObjectionList, q, scanObjection)
	if err != nil {
		return nil, fmt.Errorf("list objections: %w", err)
	}
	return list, nil
}

// MoveObjection locks the objection with this id, calls move with it and a
// Ledger of the same transaction and, when move returns nil, stores its new
// state: the objection's move and the changes move admits commit together.
// Moves of one objection are serialised. An error from move is returned as
// it is, and nothing is stored. It returns ErrNotFound when there is no
// such objection.
func (s *Store) MoveObjection(ctx context.Context, id string, move func(*Ledger, *Objection) error) error {
	return moveCase(ctx, s, "objection", qObjectionLock, id, scanObjection, move, func(tx pgx.Tx, o *Objection) error {
		o.truncate()
		_, err := tx.Exec(ctx, qObjectionUpdate, o.ID, o.Status, sqlTime(o.AcceptedAt), sqlTime(o.DecideBy),
			sqlTime(o.ClosedAt), o.Outcome, o.Reason)
		return err
	})
}

// ObjectionEvidence returns the content of the file at position (from 0)
// of an objection's evidence, or ErrNotFound.
func (s *Store) ObjectionEvidence(ctx context.Context, id string, position int) ([]byte, error) {
	var content []byte
	err := s.pool.QueryRow(ctx, qObjectionEvidence, id, position).Scan(&content)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read evidence of objection %s: %w", id, err)
	}
	return content, nil
}

// truncate rounds o's times down to the database's microseconds, so that
// o is what is stored.
func (o *Objection) truncate() {
	for _, t := range []*time.Time{&o.FiledAt, &o.AcceptBy, &o.AcceptedAt, &o.DecideBy, &o.ClosedAt} {
		*t = t.Truncate(time.Microsecond)
	}
}

func scanObjection(row pgx.Row) (*Objection, error) {
	var o Objection
	var evidence []byte
	var acceptedAt, decideBy, closedAt *time.Time
	err := row.Scan(&o.ID, &o.RecordID, &o.Department, &o.Grounds, &o.Statement, &evidence, &o.Status, &o.TokenHash,
		&o.FiledAt, &o.AcceptBy, &acceptedAt, &decideBy, &closedAt, &o.Outcome, &o.Reason, &o.SubjectKey)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(evidence, &o.Evidence); err != nil {
		return nil, fmt.Errorf("objection %s: evidence: %w", o.ID, err)
	}
	o.AcceptedAt, o.DecideBy, o.ClosedAt = goTime(acceptedAt), goTime(decideBy), goTime(closedAt)
	return &o, nil
}
