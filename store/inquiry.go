package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/authorisation"
)

var (
	qInquiryRecords         = query("inquiry_records")
	qAuthorisationInsert    = query("authorisation_insert")
	qAuthorisationsOf       = query("authorisations_of")
	qAuthorisationWithdraw  = query("authorisation_withdraw")
	qAuthorisationWithdrawn = query("authorisation_withdrawn")
	qInquiryCount           = query("inquiry_count")
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

// Authorisation is a grant as the hub keeps it, and when its person
// withdrew it.
type Authorisation struct {
	authorisation.Grant
	WithdrawnAt *time.Time
}

// Status is what the authorisation is at now: "withdrawn", "expired" or
// "in_force".
func (a *Authorisation) Status(now time.Time) string {
	switch {
	case a.WithdrawnAt != nil:
		return "withdrawn"
	case a.Expired(now):
		return "expired"
	}
	return "in_force"
}

// GrantAuthorisation keeps g, a grant the hub signed.
func (s *Store) GrantAuthorisation(ctx context.Context, g authorisation.Grant) error {
	if _, err := s.pool.Exec(ctx, qAuthorisationInsert, g.ID, g.Subject, g.Agency, g.Purpose, nonNil(g.Types),
		time.Unix(g.Issued, 0), time.Unix(g.Expires, 0)); err != nil {
		return fmt.Errorf("keep authorisation: %w", err)
	}
	return nil
}

// Authorisations returns up to limit grants of the person with subject key
// subjectKey, newest first.
func (s *Store) Authorisations(ctx context.Context, subjectKey string, limit int) ([]Authorisation, error) {
	rows, err := s.pool.Query(ctx, qAuthorisationsOf, subjectKey, limit)
	if err != nil {
		return nil, fmt.Errorf("authorisations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Authorisation, error) {
		a := Authorisation{Grant: authorisation.Grant{Subject: subjectKey}}
		var granted, expires time.Time
		err := row.Scan(&a.ID, &a.Agency, &a.Purpose, &a.Types, &granted, &expires, &a.WithdrawnAt)
		a.Issued, a.Expires = granted.Unix(), expires.Unix()
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("authorisations: %w", err)
	}
	return out, nil
}

// WithdrawAuthorisation withdraws the grant id of the person with subject
// key subjectKey, and reports false when they have no grant of that id.
// Withdrawing a grant again changes nothing.
func (s *Store) WithdrawAuthorisation(ctx context.Context, id, subjectKey string) (bool, error) {
	var at time.Time
	switch err := s.pool.QueryRow(ctx, qAuthorisationWithdraw, id, subjectKey).Scan(&at); {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("withdraw authorisation: %w", err)
	}
	return true, nil
}

// AuthorisationWithdrawn reports whether the grant id was withdrawn.
func (s *Store) AuthorisationWithdrawn(ctx context.Context, id string) (bool, error) {
	var withdrawn bool
	if err := s.pool.QueryRow(ctx, qAuthorisationWithdrawn, id).Scan(&withdrawn); err != nil {
		return false, fmt.Errorf("authorisation withdrawn: %w", err)
	}
	return withdrawn, nil
}

// CountInquiry counts an inquiry of agency on day (a date of the hub's
// calendar) against the agency's quota a day, and reports false, counting
// nothing, when the quota is used up. An agency without a quota is not
// counted.
func (s *Store) CountInquiry(ctx context.Context, agency string, day time.Time) (bool, error) {
	var allowed bool
	if err := s.pool.QueryRow(ctx, qInquiryCount, agency, day.Format(time.DateOnly)).Scan(&allowed); err != nil {
		return false, fmt.Errorf("count inquiry: %w", err)
	}
	return allowed, nil
}
