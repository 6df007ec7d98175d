package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	qKeysSeedRetire = query("keys_seed_retire")
	qKeysSeedInsert = query("keys_seed_insert")
	qKeysInsert     = query("keys_insert")
	qKeysRetire     = query("keys_retire")
	qKeysList       = query("keys_list")
	qKeysRevoke     = query("keys_revoke")
)

// ErrKeyExpired is returned for a key past its expiry. It wraps ErrNotFound,
// so callers that do not tell the two apart treat it as no key at all.
var ErrKeyExpired = fmt.Errorf("%w: key expired", ErrNotFound)

// ErrKeyReplaced is returned by IssueKey when the key to retire was
// replaced (or revoked) already: a key is replaced once.
var ErrKeyReplaced = errors.New("key replaced already")

// Key is an API key as the hub lists it: never the key itself.
type Key struct {
	ID        string
	Principal string
	Label     string
	CreatedAt time.Time
	// ExpiresAt and RevokedAt are nil when the key has no expiry, or is
	// not revoked.
	ExpiresAt *time.Time
	RevokedAt *time.Time
}

// NewKey is a key to issue.
type NewKey struct {
	ID, Principal, Label string
	// Hash is the key's SHA-256 (principal.HashKey).
	Hash string
	// Lifetime is how long the key works: it expires Lifetime after now.
	Lifetime time.Duration
	// Retire, when set, is the id of the principal's key the new one
	// replaces: it expires Overlap after now, and is marked replaced.
	Retire  string
	Overlap time.Duration
}

// IssueKey stores a new key and retires the one it replaces, in one
// transaction. retired is the replaced key with its new expiry, or nil when
// there is none. It returns ErrKeyReplaced, and issues nothing, when the
// key to retire was replaced or revoked already.
func (s *Store) IssueKey(ctx context.Context, k NewKey) (issued Key, retired *Key, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if issued, err = scanKey(tx.QueryRow(ctx, qKeysInsert, k.ID, k.Principal, k.Hash, k.Label, k.Lifetime.Seconds())); err != nil {
			return fmt.Errorf("issue key: %w", err)
		}
		if k.Retire == "" {
			return nil
		}
		old, err := scanKey(tx.QueryRow(ctx, qKeysRetire, k.Retire, k.Principal, k.Overlap.Seconds(), k.ID))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return ErrKeyReplaced
		case err != nil:
			return fmt.Errorf("retire key %s: %w", k.Retire, err)
		}
		retired = &old
		return nil
	})
	return issued, retired, err
}

// Keys lists a principal's keys, oldest first, revoked and expired ones
// included.
func (s *Store) Keys(ctx context.Context, principal string) ([]Key, error) {
	rows, err := s.pool.Query(ctx, qKeysList, principal)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Key, error) { return scanKey(row) })
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return keys, nil
}

// RevokeKey revokes the principal's key id at once. It returns ErrNotFound
// when the principal has no such key.
func (s *Store) RevokeKey(ctx context.Context, principal, id string) (Key, error) {
	k, err := scanKey(s.pool.QueryRow(ctx, qKeysRevoke, id, principal))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Key{}, ErrNotFound
	case err != nil:
		return Key{}, fmt.Errorf("revoke key: %w", err)
	}
	return k, nil
}

func scanKey(row pgx.Row) (Key, error) {
	var k Key
	err := row.Scan(&k.ID, &k.Principal, &k.Label, &k.CreatedAt, &k.ExpiresAt, &k.RevokedAt)
	return k, err
}
