package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/credex/credex/lifecycle"
)

// What objections and repair applications, the cases a person opens about
// a record, have in common in the database.

var (
	qCaseRecord       = query("case_record")
	qCaseOverdueCount = query("case_overdue_count")
	qCaseEscalate     = query("case_escalate")
)

// ErrCaseOpen is returned when the record already has an open case of the
// kind filed: an objection not yet decided, or an application under review.
var ErrCaseOpen = errors.New("the record has an open case of this kind")

// openCase names the unique indexes that allow one open case of a kind per
// record.
var openCase = []string{"objections_open_record", "repairs_one_open"}

// RecordDisplay is what a case needs of its record: who it is about,
// whether it is still displayed, and its display window (nil times when the
// record's type sets none).
type RecordDisplay struct {
	ID             string
	Type           string
	Department     string
	CatalogVersion int
	SubjectKey     string
	SubjectName    string
	State          string // active or revoked
	Display        string // displayed, expired or repaired
	From           *time.Time
	RepairFrom     *time.Time
	Until          *time.Time
	Data           []byte
}

// RecordDisplay returns what a case needs of a record, or ErrNotFound.
func (s *Store) RecordDisplay(ctx context.Context, id string) (*RecordDisplay, error) {
	var r RecordDisplay
	err := s.pool.QueryRow(ctx, qCaseRecord, id).Scan(&r.ID, &r.Type, &r.Department, &r.CatalogVersion,
		&r.SubjectKey, &r.SubjectName, &r.State, &r.Display, &r.From, &r.RepairFrom, &r.Until, &r.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read record %s for a case: %w", id, err)
	}
	return &r, nil
}

// CaseQuery selects objections or repair applications. Its zero value
// selects all.
type CaseQuery struct {
	// Department keeps the cases this department decides.
	Department string
	// Subject keeps the cases about the records of the person with this
	// subject key.
	Subject string
	// Statuses keeps the cases in one of these states.
	Statuses []lifecycle.Status
	// OverdueAt, when set, keeps the open cases past their deadline at this
	// time.
	OverdueAt time.Time
	// After, when set, keeps the cases that come after it, oldest first.
	After CaseKey
	// Limit, when positive, bounds the answer.
	Limit int
}

// CaseKey is the place of a case in lists, which are ordered by the time
// it was filed, then by id.
type CaseKey struct {
	Filed time.Time
	ID    string
}

// listCases runs list, a query of CaseQuery's parameters in order, and
// scans its rows.
func listCases[C any](ctx context.Context, s *Store, list string, q CaseQuery, scan func(pgx.Row) (*C, error)) ([]C, error) {
	statuses := make([]string, len(q.Statuses))
	for i, st := range q.Statuses {
		statuses[i] = string(st)
	}
	var limit *int
	if q.Limit > 0 {
		limit = &q.Limit
	}
	rows, err := s.pool.Query(ctx, list, q.Department, statuses, sqlTime(q.OverdueAt), sqlTime(q.After.Filed), q.After.ID, limit, q.Subject)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (C, error) {
		c, err := scan(row)
		if err != nil {
			var zero C
			return zero, err
		}
		return *c, nil
	})
}

// readCase reads the case of this id with read, a query of it, or returns
// ErrNotFound; other errors name the case as a what.
func readCase[C any](ctx context.Context, s *Store, what, read, id string, scan func(pgx.Row) (*C, error)) (*C, error) {
	c, err := scan(s.pool.QueryRow(ctx, read, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", what, id, err)
	}
	return c, nil
}

// fileCase calls insert, which writes a case's rows, and then change (if
// any) with a Ledger, in one transaction. It returns ErrCaseOpen when insert
// meets the one open case of its kind that the record may have.
func (s *Store) fileCase(ctx context.Context, insert func(pgx.Tx) error, change func(*Ledger) error) error {
	return s.inLedger(ctx, func(tx pgx.Tx, l *Ledger) error {
		err := insert(tx)
		var pgErr *pgconn.PgError
		switch {
		case errors.As(err, &pgErr) && slices.Contains(openCase, pgErr.ConstraintName):
			return ErrCaseOpen
		case err != nil || change == nil:
			return err
		}
		return change(l)
	})
}

// moveCase locks the case of this id with lock, a query of it, calls move
// with it and a Ledger of the same transaction and, when move returns nil,
// saves what move made of it: the move and the changes move admits commit
// together. Moves of one case are serialised. An error from move is
// returned as it is, and nothing is saved. It returns ErrNotFound when
// there is no such case; other errors name the case as a what.
func moveCase[C any](ctx context.Context, s *Store, what, lock, id string, scan func(pgx.Row) (*C, error),
	move func(*Ledger, *C) error, save func(pgx.Tx, *C) error) error {
	var moveErr error
	err := s.inLedger(ctx, func(tx pgx.Tx, l *Ledger) error {
		c, err := scan(tx.QueryRow(ctx, lock, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if moveErr = move(l, c); moveErr != nil {
			return moveErr
		}
		return save(tx, c)
	})
	switch {
	case moveErr != nil:
		return moveErr
	case errors.Is(err, ErrNotFound):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("move %s %s: %w", what, id, err)
	}
	return nil
}

// OverdueCount is how many open cases of each kind are past their deadline.
type OverdueCount struct {
	Objections, Repairs int
}

// CountOverdue counts the open objections and repair applications past
// their deadline at t.
func (s *Store) CountOverdue(ctx context.Context, t time.Time) (OverdueCount, error) {
	var n OverdueCount
	if err := s.pool.QueryRow(ctx, qCaseOverdueCount, t).Scan(&n.Objections, &n.Repairs); err != nil {
		return OverdueCount{}, fmt.Errorf("count overdue cases: %w", err)
	}
	return n, nil
}

// OverdueCase is an open case past its deadline.
type OverdueCase struct {
	// Kind is "objection" or "repair".
	Kind                     string
	ID, RecordID, Department string
	Status                   lifecycle.Status
	Deadline                 time.Time
}

// EscalateCases returns the open objections and repair applications past
// their deadline at t that no call returned before, earliest deadline
// first: each overdue case is returned once, even to concurrent callers on
// several hubs.
func (s *Store) EscalateCases(ctx context.Context, t time.Time) ([]OverdueCase, error) {
	rows, err := s.pool.Query(ctx, qCaseEscalate, t)
	if err != nil {
		return nil, fmt.Errorf("escalate overdue cases: %w", err)
	}
	cases, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (OverdueCase, error) {
		var c OverdueCase
		err := row.Scan(&c.Kind, &c.ID, &c.RecordID, &c.Department, &c.Status, &c.Deadline)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("escalate overdue cases: %w", err)
	}
	return cases, nil
}

// attachments is a list of attachments as stored: a JSON array, never null.
func attachments(a []lifecycle.Attachment) []byte {
	if a == nil {
		a = []lifecycle.Attachment{}
	}
	b, _ := json.Marshal(a) // plain strings and numbers always encode
	return b
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
