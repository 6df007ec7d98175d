package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/credex/credex/lifecycle"
)

var (
	qObjectionInsert         = query("objection_insert")
	qObjectionEvidenceInsert = query("objection_evidence_insert")
	qObjectionSelect         = query("objection_select")
	qObjectionLock           = query("objection_lock")
	qObjectionList           = query("objection_list")
	qObjectionUpdate         = query("objection_update")
	qObjectionOverdueCount   = query("objection_overdue_count")
	qObjectionEscalate       = query("objection_escalate")
)

// ErrObjectionOpen is returned when a record already has an open objection.
var ErrObjectionOpen = errors.New("the record has an open objection")

// Objection is an objection as stored: its state (moved by a lifecycle.Desk),
// the department that decides it and the hash of its tracking token. The
// person's name and ID number are not kept.
type Objection struct {
	lifecycle.Objection
	// Department is the unified social credit code of the record's source
	// department.
	Department string
	// TokenHash is the SHA-256 of the tracking token, hex.
	TokenHash string
	// SubjectKey is the keyed hash of the record's subject (read only).
	SubjectKey string
	// Files are the contents of Evidence, in its order; only FileObjection
	// reads them.
	Files [][]byte
}

// ObjectionFilter selects objections. Its zero value selects all.
type ObjectionFilter struct {
	// Department keeps the objections this department decides.
	Department string
	// Statuses keeps the objections in one of these states.
	Statuses []lifecycle.Status
	// OverdueAt, when set, keeps the open objections past their deadline at
	// this time.
	OverdueAt time.Time
}

// FileObjection stores o (its times truncated to microseconds) with its
// evidence and calls change, which makes the record disputed through the
// ledger in the same transaction: the objection and the dispute commit
// together, or neither does. It returns ErrObjectionOpen when the
// record has an open objection already; a concurrent filing for the same
// record waits for this one.
func (s *Store) FileObjection(ctx context.Context, o *Objection, change func(*Ledger) error) error {
	o.truncate()
	evidence, err := json.Marshal(evidenceList(o.Evidence))
	if err != nil {
		return fmt.Errorf("file objection %s: %w", o.ID, err)
	}
	err = s.inLedger(ctx, func(tx pgx.Tx, l *Ledger) error {
		_, err := tx.Exec(ctx, qObjectionInsert, o.ID, o.RecordID, o.Department, o.Grounds, o.Statement, evidence,
			o.Status, o.TokenHash, o.FiledAt, o.AcceptBy, sqlTime(o.AcceptedAt), sqlTime(o.DecideBy))
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.ConstraintName == "objections_open_record" {
			return ErrObjectionOpen
		}
		if err != nil {
			return err
		}
		if len(o.Files) > 0 {
			if _, err := tx.Exec(ctx, qObjectionEvidenceInsert, o.ID, o.Files); err != nil {
				return err
			}
		}
		return change(l)
	})
	if err != nil {
		return fmt.Errorf("file objection %s: %w", o.ID, err)
	}
	return nil
}

// Objection returns the objection with this id, without its files, or
// ErrNotFound.
func (s *Store) Objection(ctx context.Context, id string) (*Objection, error) {
	o, err := scanObjection(s.pool.QueryRow(ctx, qObjectionSelect, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read objection %s: %w", id, err)
	}
	return o, nil
}

// Objections returns the objections f selects, oldest first, without their
// files.
func (s *Store) Objections(ctx context.Context, f ObjectionFilter) ([]Objection, error) {
	statuses := make([]string, len(f.Statuses))
	for i, st := range f.Statuses {
		statuses[i] = string(st)
	}
	rows, err := s.pool.Query(ctx, qObjectionList, f.Department, statuses, sqlTime(f.OverdueAt))
	if err != nil {
		return nil, fmt.Errorf("list objections: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Objection, error) {
		o, err := scanObjection(row)
		if err != nil {
			return Objection{}, err
		}
		return *o, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list objections: %w", err)
	}
	return list, nil
}

// MoveObjection locks the objection with this id, calls move with it and a
// Ledger of the same transaction and, when move returns nil, stores its new
// state: the objection's move and the changes move admits commit together.
// Moves of one objection are serialised. An error from move is returned as it is, and nothing is
// stored. It returns ErrNotFound when there is no such objection.
func (s *Store) MoveObjection(ctx context.Context, id string, move func(*Ledger, *Objection) error) error {
	var moveErr error
	err := s.inLedger(ctx, func(tx pgx.Tx, l *Ledger) error {
		o, err := scanObjection(tx.QueryRow(ctx, qObjectionLock, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if moveErr = move(l, o); moveErr != nil {
			return moveErr
		}
		o.truncate()
		_, err = tx.Exec(ctx, qObjectionUpdate, o.ID, o.Status, sqlTime(o.AcceptedAt), sqlTime(o.DecideBy),
			sqlTime(o.ClosedAt), o.Outcome, o.Reason)
		return err
	})
	switch {
	case moveErr != nil:
		return moveErr
	case errors.Is(err, ErrNotFound):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("move objection %s: %w", id, err)
	}
	return nil
}

// truncate rounds o's times down to the database's microseconds, so that
// o is what is stored.
func (o *Objection) truncate() {
	for _, t := range []*time.Time{&o.FiledAt, &o.AcceptBy, &o.AcceptedAt, &o.DecideBy, &o.ClosedAt} {
		*t = t.Truncate(time.Microsecond)
	}
}

// OverdueObjection is an open objection past its deadline.
type OverdueObjection struct {
	ID, RecordID, Department string
	Status                   lifecycle.Status
	Deadline                 time.Time
}

// EscalateObjections counts the open objections past their deadline at t,
// and returns those that no call returned before: each overdue objection is
// returned once, even to concurrent callers on several hubs.
func (s *Store) EscalateObjections(ctx context.Context, t time.Time) (overdue int, newly []OverdueObjection, err error) {
	rows, err := s.pool.Query(ctx, qObjectionEscalate, t)
	if err != nil {
		return 0, nil, fmt.Errorf("escalate objections: %w", err)
	}
	newly, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (OverdueObjection, error) {
		var o OverdueObjection
		err := row.Scan(&o.ID, &o.RecordID, &o.Department, &o.Status, &o.Deadline)
		return o, err
	})
	if err != nil {
		return 0, nil, fmt.Errorf("escalate objections: %w", err)
	}
	if err := s.pool.QueryRow(ctx, qObjectionOverdueCount, t).Scan(&overdue); err != nil {
		return 0, nil, fmt.Errorf("count overdue objections: %w", err)
	}
	return overdue, newly, nil
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

// evidenceList is a list for JSON: [] rather than null when empty.
func evidenceList(a []lifecycle.Attachment) []lifecycle.Attachment {
	if a == nil {
		return []lifecycle.Attachment{}
	}
	return a
}

// sqlTime is t for the database, NULL when zero.
func sqlTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func goTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
