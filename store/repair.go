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
	qRepairRecord      = query("repair_record")
	qRepairInsert      = query("repair_insert")
	qRepairFilesInsert = query("repair_files_insert")
	qRepairSelect      = query("repair_select")
	qRepairLock        = query("repair_lock")
	qRepairReview      = query("repair_review")
	qRepairOverdue     = query("repair_overdue")
	qRepairFile        = query("repair_file")
	qListsEntries      = query("lists_entries")
)

// ErrRepairPending: the record already has an application under review.
var ErrRepairPending = errors.New("a repair application is under review")

// RecordDisplay is what a repair application needs of its record: who it is
// about, whether it is still displayed, and its display window (nil times
// when the record's type sets none).
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

// RecordDisplay returns what a repair application needs of a record, or
// ErrNotFound.
func (s *Store) RecordDisplay(ctx context.Context, id string) (*RecordDisplay, error) {
	var r RecordDisplay
	err := s.pool.QueryRow(ctx, qRepairRecord, id).Scan(&r.ID, &r.Type, &r.Department, &r.CatalogVersion,
		&r.SubjectKey, &r.SubjectName, &r.State, &r.Display, &r.From, &r.RepairFrom, &r.Until, &r.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read record %s for repair: %w", id, err)
	}
	return &r, nil
}

// Repair is a credit repair application as stored: the state machine's
// application with who decides it and what the person wrote.
type Repair struct {
	lifecycle.Repair
	RecordType string
	// Department is the deciding department: the record's source department.
	Department string
	Statement  string
	// TokenHash is the SHA-256 (hex) of the tracking token given to the
	// person who applied.
	TokenHash string
	// ReviewedBy names the principal who decided.
	ReviewedBy string
	// SubjectKey is the keyed hash of the record's subject (read only).
	SubjectKey string
}

// RepairFile is one file attached to an application: position Position of
// its List, proof or commitment.
type RepairFile struct {
	List      string
	Position  int
	Name      string
	MediaType string
	Content   []byte
}

// CreateRepair stores a submitted application with its files, in one
// transaction. It fails with ErrRepairPending when the record already has
// an application under review.
func (s *Store) CreateRepair(ctx context.Context, r *Repair, files []RepairFile) error {
	var lists, names, types []string
	var positions []int
	var contents [][]byte
	for _, f := range files {
		lists, positions, names = append(lists, f.List), append(positions, f.Position), append(names, f.Name)
		types, contents = append(types, f.MediaType), append(contents, f.Content)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, qRepairInsert, r.ID, r.RecordID, r.RecordType, r.Department, r.TokenHash, r.Statement,
			attachments(r.Proof), attachments(r.Commitment), string(r.Status), r.SubmittedAt, r.ReviewBy)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, qRepairFilesInsert, r.ID, nonNil(lists), positions, nonNil(names), nonNil(types), contents)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "repairs_one_open" {
		return fmt.Errorf("create repair of record %s: %w", r.RecordID, ErrRepairPending)
	}
	if err != nil {
		return fmt.Errorf("create repair of record %s: %w", r.RecordID, err)
	}
	return nil
}

// attachments is a list of attachments as stored: a JSON array, never null.
func attachments(a []lifecycle.Attachment) []byte {
	if a == nil {
		a = []lifecycle.Attachment{}
	}
	b, _ := json.Marshal(a) // plain strings and numbers always encode
	return b
}

// RepairQuery filters repair applications. Zero fields do not filter.
type RepairQuery struct {
	Department string
	Status     lifecycle.Status
	// OverdueAt keeps the applications awaiting review past their deadline
	// at that time.
	OverdueAt time.Time
	// Limit bounds the answer; default 500.
	Limit int
}

// Repair returns one application, or ErrNotFound.
func (s *Store) Repair(ctx context.Context, id string) (*Repair, error) {
	if id == "" {
		return nil, ErrNotFound
	}
	rs, err := collectRepairs(s.pool.Query(ctx, qRepairSelect, id, "", "", nil, 1))
	if err != nil {
		return nil, fmt.Errorf("read repair %s: %w", id, err)
	}
	if len(rs) == 0 {
		return nil, ErrNotFound
	}
	return &rs[0], nil
}

// Repairs returns the applications q selects, oldest first.
func (s *Store) Repairs(ctx context.Context, q RepairQuery) ([]Repair, error) {
	var overdueAt *time.Time
	if !q.OverdueAt.IsZero() {
		overdueAt = &q.OverdueAt
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 500
	}
	rs, err := collectRepairs(s.pool.Query(ctx, qRepairSelect, "", q.Department, string(q.Status), overdueAt, limit))
	if err != nil {
		return nil, fmt.Errorf("list repairs: %w", err)
	}
	return rs, nil
}

// DecideRepair locks application id, calls decide with it and a Ledger of
// the same transaction and saves the review decide made (status,
// reviewed_at, reviewed_by, reasons), in one transaction with the changes
// decide admits: concurrent decisions on one application wait for each other,
// and the second sees the first's outcome. When decide returns an error,
// nothing is saved and DecideRepair returns that error. It returns
// ErrNotFound for an unknown id.
func (s *Store) DecideRepair(ctx context.Context, id string, decide func(*Ledger, *Repair) error) (*Repair, error) {
	var r *Repair
	err := s.inLedger(ctx, func(tx pgx.Tx, l *Ledger) error {
		rs, err := collectRepairs(tx.Query(ctx, qRepairLock, id))
		if err != nil {
			return fmt.Errorf("lock repair %s: %w", id, err)
		}
		if len(rs) == 0 {
			return ErrNotFound
		}
		r = &rs[0]
		if err := decide(l, r); err != nil {
			return err
		}
		var reviewed *time.Time
		if !r.ReviewedAt.IsZero() {
			reviewed = &r.ReviewedAt
		}
		if _, err := tx.Exec(ctx, qRepairReview, r.ID, string(r.Status), reviewed, r.ReviewedBy, nonNil(r.Reasons)); err != nil {
			return fmt.Errorf("save review of repair %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// OverdueRepairs counts the applications awaiting review past their
// deadline at t.
func (s *Store) OverdueRepairs(ctx context.Context, t time.Time) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, qRepairOverdue, t).Scan(&n); err != nil {
		return 0, fmt.Errorf("count overdue repairs: %w", err)
	}
	return n, nil
}

// RepairFile returns one file of an application, or ErrNotFound.
func (s *Store) RepairFile(ctx context.Context, id, list string, position int) (*RepairFile, error) {
	f := RepairFile{List: list, Position: position}
	err := s.pool.QueryRow(ctx, qRepairFile, id, list, position).Scan(&f.Name, &f.MediaType, &f.Content)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read file of repair %s: %w", id, err)
	}
	return &f, nil
}

func collectRepairs(rows pgx.Rows, err error) ([]Repair, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Repair, error) {
		var r Repair
		var status string
		var proof, commitment []byte
		var reviewed *time.Time
		err := row.Scan(&r.ID, &r.RecordID, &r.RecordType, &r.Department, &r.TokenHash, &r.Statement, &proof, &commitment,
			&status, &r.SubmittedAt, &r.ReviewBy, &reviewed, &r.ReviewedBy, &r.Reasons, &r.SubjectKey)
		if err != nil {
			return r, err
		}
		r.Status = lifecycle.Status(status)
		if reviewed != nil {
			r.ReviewedAt = *reviewed
		}
		if err := json.Unmarshal(proof, &r.Proof); err != nil {
			return r, fmt.Errorf("repair %s: proof: %w", r.ID, err)
		}
		if err := json.Unmarshal(commitment, &r.Commitment); err != nil {
			return r, fmt.Errorf("repair %s: commitment: %w", r.ID, err)
		}
		return r, nil
	})
}

// ListEntry is a record that puts its subject on the red or black list.
type ListEntry struct {
	RecordID       string
	Type           string
	Department     string
	SubjectName    string
	SubjectMasked  string
	CatalogVersion int
	Data           []byte
	// From and Until bound its display window; nil when its type sets none.
	From, Until *time.Time
}

// ListEntries returns the records of types about the person with subject
// key subjectKey that are active, displayed and within their display window
// at t, newest decision first.
func (s *Store) ListEntries(ctx context.Context, subjectKey string, types []string, t time.Time) ([]ListEntry, error) {
	rows, err := s.pool.Query(ctx, qListsEntries, subjectKey, nonNil(types), t)
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	entries, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ListEntry, error) {
		var e ListEntry
		err := row.Scan(&e.RecordID, &e.Type, &e.Department, &e.SubjectName, &e.SubjectMasked, &e.CatalogVersion,
			&e.Data, &e.From, &e.Until)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	return entries, nil
}
