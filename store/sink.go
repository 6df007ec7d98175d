package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/credex/credex/pipeline"
)

// Delivery is a record as read from Kafka, with where it was read.
type Delivery struct {
	Record    *pipeline.Record
	Topic     string
	Partition int
	Offset    int64
}

// Applied is what Apply did with one delivery.
type Applied struct {
	// Stored: a version was written (false for a duplicate delivery).
	Stored bool
	// Err is a permanent failure: this delivery can never be written.
	Err error
}

// Apply writes deliveries idempotently, in order, in one transaction: each
// version once, the record's current state moved to the highest version.
// Delivering the same version again changes nothing. A delivery that can
// never be written (its data breaks a constraint) gets Err and the others
// are still written; any other error fails the whole call and nothing is
// written, so the caller may retry.
func (s *Store) Apply(ctx context.Context, deliveries []Delivery) ([]Applied, error) {
	out := make([]Applied, len(deliveries))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, d := range deliveries {
			sql, args := applyQuery(d)
			b.Queue(sql, args...)
		}
		res := tx.SendBatch(ctx, b)
		var failed error
		for i := range deliveries {
			var versions, current int
			if err := res.QueryRow().Scan(&versions, &current); err != nil {
				failed = err
				break
			}
			out[i].Stored = versions > 0
		}
		if err := res.Close(); failed == nil {
			failed = err
		}
		return failed
	})
	if err == nil || !permanent(err) {
		if err != nil {
			return nil, fmt.Errorf("apply %d records: %w", len(deliveries), err)
		}
		return out, nil
	}
	// Some delivery can never be written: find it, one savepoint each.
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for i, d := range deliveries {
			out[i] = Applied{}
			err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
				sql, args := applyQuery(d)
				var versions, current int
				err := sp.QueryRow(ctx, sql, args...).Scan(&versions, &current)
				out[i].Stored = versions > 0
				return err
			})
			if err != nil && permanent(err) {
				out[i].Err = err
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("apply %d records one by one: %w", len(deliveries), err)
	}
	return out, nil
}

// applyQuery is the statement that applies one delivery.
func applyQuery(d Delivery) (string, []any) {
	r := d.Record
	data := []byte(r.Data)
	if len(data) == 0 {
		data = []byte("{}")
	}
	args := []any{r.ID, r.Version, r.ContentHash, r.CatalogVersion, data,
		r.SubmissionID, r.AcceptedAt, d.Topic, d.Partition, d.Offset}
	if r.Op == pipeline.OpRevoke {
		return qApplyRevoke, args
	}
	return qApplyUpsert, append(args, r.Type, r.Department, r.SourceID, r.SubjectKey, r.SubjectName, r.SubjectMasked)
}

// permanent reports whether err is the database refusing the data itself
// (data exceptions, integrity violations), which retrying cannot fix.
func permanent(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	class := pgErr.Code[:2]
	return class == "22" || class == "23"
}
