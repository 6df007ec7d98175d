package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Outgoing is a record version of the outbox, waiting to be published.
type Outgoing struct {
	ID         int64
	RecordID   string
	Version    int
	Type       string
	SubjectKey string
	// Value is the record as it travels, JSON.
	Value []byte
	// AdmittedAt is when the ledger admitted it.
	AdmittedAt time.Time
}

// ErrRelayBusy is returned by Relay when another relay holds the outbox.
var ErrRelayBusy = errors.New("another relay is publishing the outbox")

// Relay takes the outbox for this caller alone, or returns ErrRelayBusy; it
// then calls publish with at most limit of its oldest rows, in the order the
// ledger admitted them, and deletes them when publish returns nil. It
// returns the rows published. One relay at a time, whatever the number of
// hubs, keeps every record's versions in order.
func (s *Store) Relay(ctx context.Context, limit int, publish func([]Outgoing) error) ([]Outgoing, error) {
	var out []Outgoing
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, qOutboxRelayLock)
		if err != nil {
			return err
		}
		locked, err := pgx.CollectRows(rows, pgx.RowTo[bool])
		if err != nil {
			return err
		}
		if len(locked) == 0 {
			return ErrRelayBusy
		}
		rows, err = tx.Query(ctx, qOutboxNext, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Outgoing, error) {
			var o Outgoing
			err := row.Scan(&o.ID, &o.RecordID, &o.Version, &o.Type, &o.SubjectKey, &o.Value, &o.AdmittedAt)
			return o, err
		})
		if err != nil || len(out) == 0 {
			return err
		}
		if err := publish(out); err != nil {
			return err
		}
		ids := make([]int64, len(out))
		for i, o := range out {
			ids[i] = o.ID
		}
		_, err = tx.Exec(ctx, qOutboxDelete, ids)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrRelayBusy) {
			return nil, err
		}
		return nil, fmt.Errorf("relay outbox: %w", err)
	}
	return out, nil
}

// Unpublished counts the rows of ids still in the outbox.
func (s *Store) Unpublished(ctx context.Context, ids []int64) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, qOutboxPending, ids).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unpublished: %w", err)
	}
	return n, nil
}

// OutboxBacklog is how many rows wait in the outbox and how long the
// oldest has waited.
func (s *Store) OutboxBacklog(ctx context.Context) (rows int, oldest time.Duration, err error) {
	var seconds float64
	if err := s.pool.QueryRow(ctx, qOutboxBacklog).Scan(&rows, &seconds); err != nil {
		return 0, 0, fmt.Errorf("outbox backlog: %w", err)
	}
	return rows, time.Duration(seconds * float64(time.Second)), nil
}

// Admitted is signalled after a transaction of this store that admitted
// changes committed; the relay of this process waits on it.
func (s *Store) Admitted() <-chan struct{} { return s.admitted }

func (s *Store) wake() {
	select {
	case s.admitted <- struct{}{}:
	default:
	}
}
