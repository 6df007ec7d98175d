package casework

import (
	"context"
	"crypto/subtle"
	"errors"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// ObjectionForPerson returns the objection with this id to the person ctx
// carries (idtoken.With), signed in with their ID token, if it is about
// them; else ErrNotFound, as for an id that does not exist. The read is in
// the audit log; a person's attempt to read another person's case is in it
// as a failed proof, about that person.
func (s *Service) ObjectionForPerson(ctx context.Context, id string) (*Objection, error) {
	return readForPerson(ctx, s, &s.objections, id)
}

// RepairForPerson is ObjectionForPerson of repair applications.
func (s *Service) RepairForPerson(ctx context.Context, id string) (*Repair, error) {
	return readForPerson(ctx, s, &s.repairs, id)
}

func readForPerson[C, A any](ctx context.Context, s *Service, k *kind[C, A], id string) (*A, error) {
	p := idtoken.From(ctx)
	if p == nil {
		return nil, ErrNotFound
	}
	c, err := k.get(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrNotFound
	case err != nil:
		return nil, err
	}
	h := k.head(c)
	entry := audit.Entry{Kind: audit.Person, Action: k.readAudit, Resource: h.id, Subject: h.subjectKey, Result: audit.OK}
	mine := subtle.ConstantTimeCompare([]byte(record.SubjectKey(s.subjectKey, p.IDNumber)), []byte(h.subjectKey)) == 1
	if !mine {
		entry.Result = audit.IdentityFailed
	}
	if err := s.logAccess(ctx, entry); err != nil {
		return nil, err
	}
	if !mine {
		return nil, ErrNotFound
	}
	return k.answer(c, s.now()), nil
}

// CasesOfPerson returns the objections and the repair applications about
// the records of the person ctx carries (idtoken.With), oldest first. The
// listing is in the audit log.
func (s *Service) CasesOfPerson(ctx context.Context) ([]Objection, []Repair, error) {
	p := idtoken.From(ctx)
	if p == nil {
		return nil, nil, idtoken.ErrNoPerson
	}
	subject := record.SubjectKey(s.subjectKey, p.IDNumber)
	objections, err := s.store.Objections(ctx, store.CaseQuery{Subject: subject})
	if err != nil {
		return nil, nil, err
	}
	repairs, err := s.store.Repairs(ctx, store.CaseQuery{Subject: subject})
	if err != nil {
		return nil, nil, err
	}
	if err := s.logAccess(ctx,
		audit.Entry{Kind: audit.Person, Action: audit.ObjectionListed, Subject: subject, Result: audit.OK},
		audit.Entry{Kind: audit.Person, Action: audit.RepairListed, Subject: subject, Result: audit.OK}); err != nil {
		return nil, nil, err
	}
	now := s.now()
	os := make([]Objection, len(objections))
	for i := range objections {
		os[i] = *s.objections.answer(&objections[i], now)
	}
	rs := make([]Repair, len(repairs))
	for i := range repairs {
		rs[i] = *s.repairs.answer(&repairs[i], now)
	}
	return os, rs, nil
}
