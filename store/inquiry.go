package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

var qInquiryRecords = query("inquiry_records")

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
