package dbpoll

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/connectors/source"
)

// receipt is the answer for one row, as the receipts table keeps it.
type receipt struct {
	key, updatedAt, sourceID string
	intake.Receipt
}

// rowError is an error of a rejected row, with the column it comes from.
type rowError struct {
	Code    string `json:"code"`
	Pointer string `json:"pointer"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func rowErrors(m *source.Mapping, errs []catalog.FieldError) string {
	if len(errs) == 0 {
		return ""
	}
	out := make([]rowError, len(errs))
	for i, fe := range errs {
		out[i] = rowError{Code: fe.Code, Pointer: fe.Pointer, Column: m.Column(fe.Pointer), Message: fe.Message}
	}
	raw, err := json.Marshal(out)
	if err != nil { // strings only
		panic(err)
	}
	return string(raw)
}

// receipts is the department's receipts table; its name is quoted.
type receipts struct {
	name string
}

// create makes the table when it is missing.
func (r *receipts) create(ctx context.Context, db *pgxpool.Pool) error {
	if _, err := db.Exec(ctx, render("receipts_create.sql", map[string]string{"Receipts": r.name})); err != nil {
		return fmt.Errorf("create receipts table %s: %w", r.name, err)
	}
	return nil
}

// write upserts the receipts of a batch, one per key (the last, should a key
// appear twice).
func (r *receipts) write(ctx context.Context, db *pgxpool.Pool, m *source.Mapping, rs []receipt) error {
	n := len(rs)
	keys, updated, sources, statuses, ids := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	versions, unchanged, errs := make([]int32, 0, n), make([]bool, 0, n), make([]string, 0, n)
	seen := make(map[string]int, n)
	for _, rc := range rs {
		if i, ok := seen[rc.key]; ok {
			updated[i], sources[i], statuses[i], ids[i] = rc.updatedAt, rc.sourceID, rc.Status, rc.RecordID
			versions[i], unchanged[i], errs[i] = int32(rc.Version), rc.Unchanged, rowErrors(m, rc.Errors)
			continue
		}
		seen[rc.key] = len(keys)
		keys, updated, sources, statuses, ids = append(keys, rc.key), append(updated, rc.updatedAt), append(sources, rc.sourceID), append(statuses, rc.Status), append(ids, rc.RecordID)
		versions, unchanged, errs = append(versions, int32(rc.Version)), append(unchanged, rc.Unchanged), append(errs, rowErrors(m, rc.Errors))
	}
	q := render("receipts_upsert.sql", map[string]string{"Receipts": r.name})
	if _, err := db.Exec(ctx, q, keys, updated, sources, statuses, ids, versions, unchanged, errs); err != nil {
		return fmt.Errorf("write receipts to %s: %w", r.name, err)
	}
	return nil
}
