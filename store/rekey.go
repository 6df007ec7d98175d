package store

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/record"
)

var (
	qRekeySubjects  = query("rekey_subjects")
	qRekeyApply     = query("rekey_apply")
	qRekeyUnmapped  = query("rekey_unmapped")
	qRekeyNoTimeout = query("rekey_no_timeout")
	qRekeyMap       = query("rekey_map")
)

// ErrWrongOldKey means a record's subject key is not the hash of its ID
// number under the old key given to Rekey.
var ErrWrongOldKey = errors.New("subject key is not the hash of the ID number under the old key")

// ErrOutboxNotEmpty means versions wait in the outbox with subject keys
// that Rekey would not rewrite: run a hub until they are published.
var ErrOutboxNotEmpty = errors.New("versions wait in the outbox to be published")

// Rekeyed counts what Rekey rewrote.
type Rekeyed struct {
	Subjects, Records, Heads, Events, Sequences, Authorisations int64
}

// Rekey replaces the keyed ID number hashes made with oldKey by those made
// with newKey in every table that looks a person up: records, record_heads,
// events, subject_sequences and authorisations (whose grants end: their
// tokens name the person by the old hash). It recomputes each hash from the ID number
// in the record's payload, checks that the stored hash is that number's
// hash under oldKey (ErrWrongOldKey otherwise), and records old -> new in
// subject_rekeys for the audit log, which it leaves as it is.
//
// It runs in one transaction, without a statement timeout: all or nothing,
// so it can simply be run again after a failure. It locks records; stop the
// hubs and let the relay and the sink drain first: versions waiting in the
// outbox (ErrOutboxNotEmpty) or heads of records not yet stored make it
// refuse.
func (s *Store) Rekey(ctx context.Context, oldKey, newKey []byte) (Rekeyed, error) {
	var n Rekeyed
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, qRekeyNoTimeout); err != nil {
			return err
		}
		var waiting int
		if err := tx.QueryRow(ctx, qOutboxBacklog).Scan(&waiting, new(float64)); err != nil {
			return err
		}
		if waiting > 0 {
			return fmt.Errorf("%w: %d versions", ErrOutboxNotEmpty, waiting)
		}
		rows, err := tx.Query(ctx, qRekeySubjects)
		if err != nil {
			return err
		}
		oldToNew := map[string]string{}
		var id, old, number string
		_, err = pgx.ForEachRow(rows, []any{&id, &old, &number}, func() error {
			if n, _, err := ident.NormalizeCitizenID(number); err == nil {
				number = n
			}
			if number == "" {
				return fmt.Errorf("record %s: no subject id_number in its payload", id)
			}
			if subtle.ConstantTimeCompare([]byte(record.SubjectKey(oldKey, number)), []byte(old)) != 1 {
				return fmt.Errorf("record %s: %w", id, ErrWrongOldKey)
			}
			oldToNew[old] = record.SubjectKey(newKey, number)
			return nil
		})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, qRekeyMap); err != nil {
			return err
		}
		pairs := make([][]any, 0, len(oldToNew))
		for o, nw := range oldToNew {
			pairs = append(pairs, []any{o, nw})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"rekey_map"}, []string{"old", "new"}, pgx.CopyFromRows(pairs)); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, qRekeyUnmapped)
		if err != nil {
			return err
		}
		unmapped, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(unmapped) > 0 {
			return fmt.Errorf("%d or more subject keys belong to no stored record (records not yet stored by the sink?); drain the sink and run again", len(unmapped))
		}
		n.Subjects = int64(len(oldToNew))
		var kept int64
		return tx.QueryRow(ctx, qRekeyApply).Scan(&n.Records, &n.Heads, &n.Events, &n.Sequences, &n.Authorisations, &kept)
	})
	if err != nil {
		return Rekeyed{}, fmt.Errorf("rekey: %w", err)
	}
	return n, nil
}
