package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/principal"
)

var (
	qPrincipalByCert  = query("principal_by_cert")
	qPrincipalByKeyID = query("principal_by_key_id")
	qPrincipalByName  = query("principal_by_name")
)

// SavePrincipals creates or updates the principals of a seed, in one transaction.
func (s *Store) SavePrincipals(ctx context.Context, entries []principal.SeedEntry) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, e := range entries {
			types, bases := e.Types, e.LegalBases
			if types == nil {
				types = []string{}
			}
			if bases == nil {
				bases = []principal.LegalBasis{}
			}
			if _, err := tx.Exec(ctx, qPrincipalUpsert, e.Name, string(e.Kind), e.Code, e.KeyHash(), types, e.AgencyScope(),
				e.CertSHA256, bases, e.InquiriesPerDay); err != nil {
				return fmt.Errorf("save principal %q: %w", e.Name, err)
			}
			if _, err := tx.Exec(ctx, qKeysSeedRetire, e.Name, e.KeyHash()); err != nil {
				return fmt.Errorf("save key of principal %q: %w", e.Name, err)
			}
			if e.KeyHash() == "" {
				continue
			}
			if _, err := tx.Exec(ctx, qKeysSeedInsert, e.Name, e.KeyHash()); err != nil {
				return fmt.Errorf("save key of principal %q: %w", e.Name, err)
			}
		}
		return nil
	})
}

// PrincipalByKey returns the principal whose API key is key. It returns
// ErrKeyExpired for an expired key, and ErrNotFound for a revoked or unknown
// one.
func (s *Store) PrincipalByKey(ctx context.Context, key string) (*principal.Principal, error) {
	return s.principalOfKey(ctx, qPrincipalByKey, principal.HashKey(key))
}

// PrincipalByKeyID is PrincipalByKey of the key with the id (Key.ID): for a
// session that remembers the key it was opened with, never the key itself.
func (s *Store) PrincipalByKeyID(ctx context.Context, id string) (*principal.Principal, error) {
	return s.principalOfKey(ctx, qPrincipalByKeyID, id)
}

func (s *Store) principalOfKey(ctx context.Context, query, arg string) (*principal.Principal, error) {
	var p principal.Principal
	var kind string
	var expired, revoked bool
	err := s.pool.QueryRow(ctx, query, arg).
		Scan(&p.Name, &kind, &p.Code, &p.Types, &p.Scope, &p.LegalBases, &p.KeyID, &expired, &revoked)
	switch {
	case errors.Is(err, pgx.ErrNoRows) || err == nil && revoked:
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("look up principal: %w", err)
	case expired:
		return nil, ErrKeyExpired
	}
	p.Kind = principal.Kind(kind)
	return &p, nil
}

// PrincipalByCert returns the principal whose client certificate has the
// SHA-256 hash (principal.CertHash), or ErrNotFound.
func (s *Store) PrincipalByCert(ctx context.Context, hash string) (*principal.Principal, error) {
	var p principal.Principal
	var kind string
	err := s.pool.QueryRow(ctx, qPrincipalByCert, hash).Scan(&p.Name, &kind, &p.Code, &p.Types, &p.Scope, &p.LegalBases)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("look up principal by certificate: %w", err)
	}
	p.Kind = principal.Kind(kind)
	return &p, nil
}

// PrincipalByName returns the principal of a name, or ErrNotFound.
func (s *Store) PrincipalByName(ctx context.Context, name string) (*principal.Principal, error) {
	var p principal.Principal
	var kind string
	err := s.pool.QueryRow(ctx, qPrincipalByName, name).Scan(&p.Name, &kind, &p.Code, &p.Types, &p.Scope, &p.LegalBases)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("look up principal %s: %w", name, err)
	}
	p.Kind = principal.Kind(kind)
	return &p, nil
}
