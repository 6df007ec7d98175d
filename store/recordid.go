package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

var qRecordIDKey = query("record_id_key")

// RecordIDKey returns the key under which the hub derives record ids
// (record.ID), making it at random the first time. Every hub on the
// database gets the same key, for good: replacing the subject key does not
// change it, so a record keeps its id.
func (s *Store) RecordIDKey(ctx context.Context) ([]byte, error) {
	made := make([]byte, 32)
	rand.Read(made)
	var key []byte
	err := s.pool.QueryRow(ctx, qRecordIDKey, made).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		// Another hub stored its key after this statement's snapshot was
		// taken; a new statement sees it.
		err = s.pool.QueryRow(ctx, qRecordIDKey, made).Scan(&key)
	}
	if err != nil {
		return nil, fmt.Errorf("record id key: %w", err)
	}
	return key, nil
}
