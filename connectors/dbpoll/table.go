package dbpoll

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"text/template"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed queries/*.sql
var queryFiles embed.FS

var queries = template.Must(template.ParseFS(queryFiles, "queries/*.sql"))

// render fills in the query of the file name; its identifiers are quoted.
func render(name string, data any) string {
	var b strings.Builder
	if err := queries.ExecuteTemplate(&b, name, data); err != nil {
		panic(fmt.Sprintf("query %s: %v", name, err)) // the templates are ours
	}
	return b.String()
}

// identifier quotes a table's name, optionally schema-qualified (split on
// its dot).
func identifier(name string) (string, error) {
	parts := strings.Split(name, ".")
	for _, p := range parts {
		if p == "" {
			return "", fmt.Errorf("%q is not a table name or schema.table", name)
		}
	}
	if len(parts) > 2 {
		return "", fmt.Errorf("%q is not a table name or schema.table", name)
	}
	return pgx.Identifier(parts).Sanitize(), nil
}

// column quotes a column's name.
func column(name string) string { return pgx.Identifier{name}.Sanitize() }

// table is the department's table as the connector reads it.
type table struct {
	// name, updatedAt, key and columns are quoted identifiers; columns
	// follow the mapping's headers.
	name, updatedAt, key string
	columns              []string
	// plain are the unquoted names of the updated-at column, the key and the
	// mapped columns, which must exist.
	plain []string
	batch int
}

// queryData is what the templates of the rows and backlog queries take.
type queryData struct {
	Table, UpdatedAt, Key  string
	UpdatedAtType, KeyType string
	Columns                []string
	Cursor                 bool
	Limit                  int
}

// statements are the queries of one table, once the types of its updated-at
// column and key are known.
type statements struct {
	first, next         string // rows from the start, rows after a cursor
	backlogAll, backlog string
}

// prepare checks that the table has every column the connector reads and
// builds its queries.
func (t *table) prepare(ctx context.Context, db *pgxpool.Pool) (*statements, error) {
	rows, err := db.Query(ctx, render("columns.sql", nil), t.name)
	if err != nil {
		return nil, fmt.Errorf("read the columns of %s: %w", t.name, err)
	}
	types := map[string]string{}
	var name, typ string
	if _, err := pgx.ForEachRow(rows, []any{&name, &typ}, func() error { types[name] = typ; return nil }); err != nil {
		return nil, fmt.Errorf("read the columns of %s: %w", t.name, err)
	}
	for _, c := range t.plain {
		if types[c] == "" {
			return nil, fmt.Errorf("%s has no column %s", t.name, column(c))
		}
	}
	d := queryData{Table: t.name, UpdatedAt: t.updatedAt, Key: t.key, Columns: t.columns, Limit: t.batch,
		UpdatedAtType: types[t.plain[0]], KeyType: types[t.plain[1]]}
	s := &statements{first: render("rows.sql", d), backlogAll: render("backlog.sql", d)}
	d.Cursor = true
	s.next, s.backlog = render("rows.sql", d), render("backlog.sql", d)
	return s, nil
}

// row is one row read: its updated-at and key as text, and the text of each
// mapped column, nil for NULL.
type row struct {
	updatedAt, key string
	cells          map[string]*string
}

// read returns the rows after cur (from the start when cur is nil), at most
// a batch of them.
func (t *table) read(ctx context.Context, db *pgxpool.Pool, s *statements, cur *cursor, headers []string) ([]row, error) {
	q, args := s.first, []any(nil)
	if cur != nil {
		q, args = s.next, []any{cur.UpdatedAt, cur.Key}
	}
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.name, err)
	}
	var out []row
	dest := make([]any, 2+len(headers))
	for rows.Next() {
		r := row{cells: make(map[string]*string, len(headers))}
		dest[0], dest[1] = &r.updatedAt, &r.key
		vals := make([]*string, len(headers))
		for i := range headers {
			dest[2+i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read %s: %w", t.name, err)
		}
		for i, h := range headers {
			r.cells[h] = vals[i]
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", t.name, err)
	}
	return out, nil
}

// backlog counts the rows after cur, up to a million.
func (t *table) backlog(ctx context.Context, db *pgxpool.Pool, s *statements, cur *cursor) (int, error) {
	q, args := s.backlogAll, []any(nil)
	if cur != nil {
		q, args = s.backlog, []any{cur.UpdatedAt, cur.Key}
	}
	var n int
	if err := db.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the backlog of %s: %w", t.name, err)
	}
	return n, nil
}
