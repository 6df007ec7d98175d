package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	qInquiryRecords         = query("inquiry_records")
	qAuthorisationWithdraw  = query("authorisation_withdraw")
	qAuthorisationWithdrawn = query("authorisation_withdrawn")
)

// InquiryRecord is a record as an authorised inquiry discloses it.
type InquiryRecord struct {
	ID             string
	Type           string
	Department     string
	SubjectName    string
	SubjectMasked  string
	Version        int
	Disputed       bool
	CatalogVersion int
	Data           []byte
	UpdatedAt      time.Time
}

// InquiryRecords returns the active, unrepaired records of types about the
// person with subject key subjectKey, newest first.
func (s *Store) InquiryRecords(ctx context.Context, subjectKey string, types []string) ([]InquiryRecord, error) {
	rows, err := s.pool.Query(ctx, qInquiryRecords, subjectKey, nonNil(types))
	if err != nil {
		return nil, fmt.Errorf("inquiry records: %w", err)
	}
	recs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (InquiryRecord, error) {
		var r InquiryRecord
		err := row.Scan(&r.ID, &r.Type, &r.Department, &r.SubjectName, &r.SubjectMasked, &r.Version, &r.Disputed,
			&r.CatalogVersion, &r.Data, &r.UpdatedAt)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("inquiry records: %w", err)
	}
	return recs, nil
}

// WithdrawAuthorisation withdraws the authorisation id of the person with
// subject key subjectKey: one whose entry in the audit log, of action
// granted, names that person. It reports false when the log holds no such
// grant of theirs. Withdrawing a grant again changes nothing.
func (s *Store) WithdrawAuthorisation(ctx context.Context, id, subjectKey, granted string) (bool, error) {
	var theirs bool
	if err := s.pool.QueryRow(ctx, qAuthorisationWithdraw, id, subjectKey, granted).Scan(&theirs); err != nil {
		return false, fmt.Errorf("withdraw authorisation: %w", err)
	}
	return theirs, nil
}

// AuthorisationWithdrawn reports whether the authorisation id was withdrawn.
func (s *Store) AuthorisationWithdrawn(ctx context.Context, id string) (bool, error) {
	var withdrawn bool
	if err := s.pool.QueryRow(ctx, qAuthorisationWithdrawn, id).Scan(&withdrawn); err != nil {
		return false, fmt.Errorf("authorisation withdrawn: %w", err)
	}
	return withdrawn, nil
}
