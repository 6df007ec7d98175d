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
	qRepairInsert      = query("repair_insert")
	qRepairFilesInsert = query("repair_files_insert")
	qRepairSelect      = query("repair_select")
	qRepairLock        = query("repair_lock")
	qRepairList        = query("repair_list")
	qRepairReview      = query("repair_review")
	qRepairFile        = query("repair_file")
)

// Repair is a credit repair application as stored: the state machine's
// application with who decides it and what the person wrote.
type Repair struct {
	lifecycle.Repair
	RecordType string
	// Department is the deciding department: the record's source department.
	Department string
	Statement  string
	// TokenHash is the hash of the tracking token given to the person who
	// applied.
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

// FileRepair stores a submitted application (its times truncated to
// microseconds) with its files, in one transaction. It returns ErrCaseOpen
// when the record already has an application under review.
func (s *Store) FileRepair(ctx context.Context, r *Repair, files []RepairFile) error {
	r.truncate()
	var lists, names, types []string
	var positions []int
	var contents [][]byte
	for _, f := range files {
		lists, positions, names = append(lists, f.List), append(positions, f.Position), append(names, f.Name)
		types, contents = append(types, f.MediaType), append(contents, f.Content)
	}
	err := s.fileCase(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, qRepairInsert, r.ID, r.RecordID, r.RecordType, r.Department, r.TokenHash, r.Statement,
			attachments(r.Proof), attachments(r.Commitment), string(r.Status), r.SubmittedAt, r.ReviewBy)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, qRepairFilesInsert, r.ID, nonNil(lists), positions, nonNil(names), nonNil(types), contents)
		return err
	}, nil)
	if err != nil {
		return fmt.Errorf("file repair %s: %w", r.ID, err)
	}
	return nil
}

// Repair returns the application with this id, without its files, or
// ErrNotFound.
func (s *Store) Repair(ctx context.Context, id string) (*Repair, error) {
	return readCase(ctx, s, "repair", qRepairSelect, id, scanRepair)
}

// Repairs returns the applications q selects, oldest first, without their
// files.
func (s *Store) Repairs(ctx context.Context, q CaseQuery) ([]Repair, error) {
	list, err := listCases(ctx, s, qRepairList, q, scanRepair)
	if err != nil {
		return nil, fmt.Errorf("list repairs: %w", err)
	}
	return list, nil
}

// MoveRepair locks the application with this id, calls move with it and a
// Ledger of the same transaction and, when move returns nil, stores the
// review move made (status, reviewed_at, reviewed_by, reasons): the review
// and the changes move admits commit together. Moves of one application
// are serialised, and the second sees the first's outcome. An error from
// move is returned as it is, and nothing is stored. It returns ErrNotFound
// when there is no such application.
func (s *Store) MoveRepair(ctx context.Context, id string, move func(*Ledger, *Repair) error) error {
	return moveCase(ctx, s, "repair", qRepairLock, id, scanRepair, move, func(tx pgx.Tx, r *Repair) error {
		r.truncate()
		_, err := tx.Exec(ctx, qRepairReview, r.ID, string(r.Status), sqlTime(r.ReviewedAt), r.ReviewedBy, nonNil(r.Reasons))
		return err
	})
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

// truncate rounds r's times down to the database's microseconds, so that
// r is what is stored.
func (r *Repair) truncate() {
	for _, t := range []*time.Time{&r.SubmittedAt, &r.ReviewBy, &r.ReviewedAt} {
		*t = t.Truncate(time.Microsecond)
	}
}

func scanRepair(row pgx.Row) (*Repair, error) {
	var r Repair
	var proof, commitment []byte
	var reviewed *time.Time
	err := row.Scan(&r.ID, &r.RecordID, &r.RecordType, &r.Department, &r.TokenHash, &r.Statement, &proof, &commitment,
		&r.Status, &r.SubmittedAt, &r.ReviewBy, &reviewed, &r.ReviewedBy, &r.Reasons, &r.SubjectKey)
	if err != nil {
		return nil, err
	}
	r.ReviewedAt = goTime(reviewed)
	if err := json.Unmarshal(proof, &r.Proof); err != nil {
		return nil, fmt.Errorf("repair %s: proof: %w", r.ID, err)
	}
	if err := json.Unmarshal(commitment, &r.Commitment); err != nil {
		return nil, fmt.Errorf("repair %s: commitment: %w", r.ID, err)
	}
	return &r, nil
}
