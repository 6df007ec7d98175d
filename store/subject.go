package store

import (
	"context"
	"fmt"
)

var qSubjectMatch = query("subject_match")

// SubjectMatch is how a name and the keyed hash of an ID number, by which a
// person names themselves, go with the records the hub holds.
type SubjectMatch int

const (
	// SubjectUnknown: no record is about the number.
	SubjectUnknown SubjectMatch = iota
	// SubjectMisnamed: records are about the number, none under the name.
	// Whoever gave them did not prove to be the person.
	SubjectMisnamed
	// SubjectNamed: a record is about the number under the name: the
	// person proved to be the subject of records.
	SubjectNamed
)

// MatchSubject says how the person with the keyed ID number hash subjectKey
// (record.SubjectKey) and this name goes with the records: the one check by
// which a person without a record id proves who they are.
func (s *Store) MatchSubject(ctx context.Context, subjectKey, name string) (SubjectMatch, error) {
	var known, named bool
	if err := s.pool.QueryRow(ctx, qSubjectMatch, subjectKey, name).Scan(&known, &named); err != nil {
		return SubjectUnknown, fmt.Errorf("look up subject: %w", err)
	}
	switch {
	case named:
		return SubjectNamed, nil
	case known:
		return SubjectMisnamed, nil
	}
	return SubjectUnknown, nil
}
