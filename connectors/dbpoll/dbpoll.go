package dbpoll

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/connectors/source"
)

// Cursors keep where each connector has read up to (store.Store).
type Cursors interface {
	// ConnectorCursor returns the position saved last, nil when none was.
	ConnectorCursor(ctx context.Context, connector string) (json.RawMessage, error)
	SaveConnectorCursor(ctx context.Context, connector string, position json.RawMessage) error
}

// cursor is the position of the last row acknowledged: its updated-at and
// key, as PostgreSQL writes them as text, so that they compare exactly.
type cursor struct {
	UpdatedAt string `json:"updated_at"`
	Key       string `json:"key"`
}

// Defaults of source.Database.
const (
	defaultBatch = 500
	defaultPoll  = 5 * time.Second
)

// Connector polls one department's table. It runs until its context ends;
// see the package documentation for what it acknowledges when.
type Connector struct {
	name     string
	db       *pgxpool.Config
	table    table
	receipts *receipts
	mapping  *source.Mapping
	headers  []string
	poll     time.Duration
	deps     source.Deps
	cursors  Cursors
	log      *slog.Logger
}

// New builds the connector c describes (c.Database set), reading the URL of
// the department's database from the environment variable c.Database.URLEnv.
// It connects only once running.
func New(c source.Connector, d source.Deps, cursors Cursors) (*Connector, error) {
	db := c.Database
	url, ok := os.LookupEnv(db.URLEnv)
	if !ok || url == "" {
		return nil, fmt.Errorf("connector %s: environment variable %s (database.url_env) is not set", c.Name, db.URLEnv)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The error would quote the URL, and its password.
		return nil, fmt.Errorf("connector %s: environment variable %s does not hold a PostgreSQL URL", c.Name, db.URLEnv)
	}
	cfg.MaxConns = 2
	cfg.ConnConfig.ConnectTimeout = cmp.Or(cfg.ConnConfig.ConnectTimeout, 10*time.Second)
	cfg.ConnConfig.RuntimeParams["application_name"] = "credex-connector-" + c.Name
	// Text forms of times that read back as the same instants.
	cfg.ConnConfig.RuntimeParams["datestyle"] = "ISO, YMD"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"

	name, err := identifier(db.Table)
	if err != nil {
		return nil, fmt.Errorf("connector %s: database.table: %w", c.Name, err)
	}
	m := &c.Mappings[0]
	t := table{name: name, updatedAt: column(db.UpdatedAt), key: column(db.Key),
		plain: []string{db.UpdatedAt, db.Key}, batch: cmp.Or(db.Batch, defaultBatch)}
	for _, h := range m.Headers() {
		t.columns, t.plain = append(t.columns, column(h)), append(t.plain, h)
	}
	conn := &Connector{name: c.Name, db: cfg, table: t, mapping: m, headers: m.Headers(),
		poll: cmp.Or(time.Duration(db.Poll), defaultPoll), deps: d, cursors: cursors,
		log: cmp.Or(d.Logger, slog.Default())}
	if db.ReceiptsTable != "" {
		rt, err := identifier(db.ReceiptsTable)
		if err != nil {
			return nil, fmt.Errorf("connector %s: database.receipts_table: %w", c.Name, err)
		}
		conn.receipts = &receipts{name: rt}
	}
	return conn, nil
}

// Where a failure comes from: the department's database or the hub.
var (
	errDepartment = errors.New("department database")
	errHub        = errors.New("hub")
)

// Run polls the table until ctx ends, then returns nil. While the
// department's database or the hub cannot be reached it retries with a
// backoff, logging one warning per outage; its cursor stays where it was.
func (c *Connector) Run(ctx context.Context) error {
	db, err := pgxpool.NewWithConfig(ctx, c.db.Copy())
	if err != nil {
		return fmt.Errorf("connector %s: %w", c.name, err)
	}
	defer db.Close()
	s := &session{Connector: c, db: db}
	department := &source.Outage{Log: c.log, Down: "department database unavailable; retrying with backoff, cursor kept", Up: "department database available again"}
	hub := &source.Outage{Log: c.log, Down: "hub unavailable; retrying with backoff, cursor kept", Up: "hub available again"}
	var backoff source.Backoff
	for {
		full, err := s.poll(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, errDepartment):
			department.Failed(err)
			s.stmts = nil // the table may come back changed
			if !backoff.Sleep(ctx) {
				return nil
			}
			continue
		case err != nil:
			hub.Failed(err)
			if !backoff.Sleep(ctx) {
				return nil
			}
			continue
		}
		department.Ended()
		hub.Ended()
		backoff.Reset()
		if full {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(c.poll):
		}
	}
}

// session is a connector at work: its pool on the department's database,
// its queries and its cursor, once known.
type session struct {
	*Connector
	db     *pgxpool.Pool
	stmts  *statements
	cursor *cursor
	// loaded: cursor holds the cursor the hub keeps.
	loaded bool
}

// poll reads the next batch of rows, submits it, writes its receipts and
// moves the cursor past it. It reports whether the batch was full, so that
// more rows may wait.
func (s *session) poll(ctx context.Context) (full bool, err error) {
	if !s.loaded {
		raw, err := s.cursors.ConnectorCursor(ctx, s.name)
		if err != nil {
			return false, fmt.Errorf("%w: %w", errHub, err)
		}
		if raw != nil {
			s.cursor = new(cursor)
			if err := json.Unmarshal(raw, s.cursor); err != nil {
				return false, fmt.Errorf("%w: cursor of connector %s: %w", errHub, s.name, err)
			}
		}
		s.loaded = true
	}
	if s.stmts == nil {
		stmts, err := s.table.prepare(ctx, s.db)
		if err != nil {
			return false, fmt.Errorf("%w: %w", errDepartment, err)
		}
		if s.receipts != nil {
			if err := s.receipts.create(ctx, s.db); err != nil {
				return false, fmt.Errorf("%w: %w", errDepartment, err)
			}
		}
		s.stmts = stmts
	}
	backlog, err := s.table.backlog(ctx, s.db, s.stmts, s.cursor)
	if err != nil {
		return false, fmt.Errorf("%w: %w", errDepartment, err)
	}
	s.deps.Metrics.Backlog(s.name, backlog)
	rows, err := s.table.read(ctx, s.db, s.stmts, s.cursor, s.headers)
	if err != nil {
		return false, fmt.Errorf("%w: %w", errDepartment, err)
	}
	if len(rows) > 0 {
		if err := s.deliver(ctx, rows); err != nil {
			return false, err
		}
		last := rows[len(rows)-1]
		next := &cursor{UpdatedAt: last.updatedAt, Key: last.key}
		raw, _ := json.Marshal(next) // two strings
		if err := s.cursors.SaveConnectorCursor(ctx, s.name, raw); err != nil {
			return false, fmt.Errorf("%w: %w", errHub, err)
		}
		s.cursor = next
	}
	s.deps.Metrics.Succeeded(s.name, time.Now())
	return len(rows) == s.table.batch, nil
}

// deliver submits the rows and, once their result is settled, writes their
// receipts. A row whose cells cannot be read goes with the errors found.
func (s *session) deliver(ctx context.Context, rows []row) error {
	rs := make([]receipt, len(rows))
	b := intake.Batch{Department: s.deps.Department, Connector: s.name,
		Envelopes: make([]json.RawMessage, len(rows)), Found: make([][]catalog.FieldError, len(rows))}
	for i, r := range rows {
		b.Envelopes[i], b.Found[i] = s.mapping.Envelope(func(header string) (string, bool) {
			v := r.cells[header]
			if v == nil {
				return "", false
			}
			return *v, true
		})
		rs[i] = receipt{key: r.key, updatedAt: r.updatedAt, sourceID: sourceID(b.Envelopes[i])}
	}
	res, err := s.deps.Intake.Submit(ctx, b)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %w", errHub, err)
	case !res.Settled():
		return fmt.Errorf("%w: %d records not yet confirmed by Kafka", errHub, res.Pending)
	}
	for i, rc := range res.Receipts {
		rs[i].Receipt = rc
	}
	if s.receipts == nil {
		return nil
	}
	if err := s.receipts.write(ctx, s.db, s.mapping, rs); err != nil {
		return fmt.Errorf("%w: %w", errDepartment, err)
	}
	return nil
}

// sourceID is the source_id of an envelope, "" when it has none.
func sourceID(env json.RawMessage) string {
	var e struct {
		SourceID string `json:"source_id"`
	}
	json.Unmarshal(env, &e) // the mapping's own JSON
	return e.SourceID
}
