package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

var qListsEntries = query("lists_entries")

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
