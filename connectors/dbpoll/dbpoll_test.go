package dbpoll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/connectors/dbpoll"
	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/internal/testkit/pgtest"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/principal"
)

// hub stands in for the hub: its intake answers each envelope accepted at
// version 1, after failing as many first batches as down says; its cursors
// are kept in memory.
type hub struct {
	mu      sync.Mutex
	down    int // batches still to fail
	pending int // batches still to answer pending
	seen    []string
	cursors map[string]json.RawMessage
}

func (h *hub) Submit(_ context.Context, b intake.Batch) (*intake.Result, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down > 0 {
		h.down--
		return nil, fmt.Errorf("%w: kafka unreachable", intake.ErrUnavailable)
	}
	res := &intake.Result{}
	for i, raw := range b.Envelopes {
		var e struct {
			SourceID string `json:"source_id"`
		}
		json.Unmarshal(raw, &e)
		rc := intake.Receipt{Index: i, Status: "accepted", RecordID: "rec-" + e.SourceID, Version: 1}
		if h.pending > 0 {
			rc.Status = "pending"
			res.Pending++
		}
		res.Receipts = append(res.Receipts, rc)
		h.seen = append(h.seen, e.SourceID)
	}
	if h.pending > 0 {
		h.pending--
	}
	return res, nil
}

func (h *hub) ConnectorCursor(_ context.Context, name string) (json.RawMessage, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cursors[name], nil
}

func (h *hub) SaveConnectorCursor(_ context.Context, name string, position json.RawMessage) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cursors[name] = position
	return nil
}

func (h *hub) cursor(name string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.cursors[name])
}

// syncBuffer collects logs while the connector writes them.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

type bundle struct {
	db   *pgxpool.Pool
	hub  *hub
	logs *syncBuffer
	env  string
	// schema is the department's schema, of the test.
	schema string
}

// setup gives a department database (a schema of the test server) holding
// a table named Dept "Records", whose key is an integer.
func setup(t *testing.T) *bundle {
	t.Helper()
	url := pgtest.URL(t)
	env := "CREDEX_TEST_DBPOLL_" + strings.ToUpper(strings.NewReplacer("/", "_").Replace(t.Name()))
	os.Setenv(env, url)
	t.Cleanup(func() { os.Unsetenv(env) })
	db, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	b := &bundle{db: db, hub: &hub{cursors: map[string]json.RawMessage{}}, logs: &syncBuffer{}, env: env}
	db.QueryRow(context.Background(), "SELECT current_schema()").Scan(&b.schema)
	b.exec(`CREATE TABLE "Dept ""Records""" ("No" integer PRIMARY KEY, "Changed At" timestamptz NOT NULL, "Case" text)`)
	return b
}

func (b *bundle) exec(sql string, args ...any) {
	if _, err := b.db.Exec(context.Background(), sql, args...); err != nil {
		panic(fmt.Sprintf("%s: %v", sql, err))
	}
}

// run starts the connector, reading batch rows at a time, until the test
// ends.
func (b *bundle) run(t *testing.T, batch int) {
	t.Helper()
	c := source.Connector{Name: "market-db", Department: "market",
		Database: &source.Database{URLEnv: b.env, Table: b.schema + `.Dept "Records"`, UpdatedAt: "Changed At", Key: "No",
			ReceiptsTable: "receipts", Poll: source.Duration(20 * time.Millisecond), Batch: batch},
		Mappings: []source.Mapping{{Type: "administrative_penalty", Columns: map[string]source.Column{
			"Case": {To: "/source_id"}, "No": {To: "/data/no"}}}},
	}
	d := source.Deps{Intake: b.hub, Department: &principal.Principal{Name: "market", Kind: principal.Department},
		Metrics: source.NewMetrics(prometheus.NewRegistry()), Logger: slog.New(slog.NewTextHandler(b.logs, nil))}
	conn, err := dbpoll.New(c, d, b.hub)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- conn.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
}

func (b *bundle) receipts(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	rows, err := b.db.Query(context.Background(), `SELECT key, status FROM receipts`)
	if err != nil {
		return out // not created yet
	}
	defer rows.Close()
	for rows.Next() {
		var k, s string
		rows.Scan(&k, &s)
		out[k] = s
	}
	return out
}

// TestReadsByTheKeysOwnOrder reads, one row at a time, rows changed at the
// same instant whose integer keys sort otherwise as text (2 before 10):
// each is read once, in the key's order, and the quoted names of the table
// and columns are read as they are written.
func TestReadsByTheKeysOwnOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, no := range []int{10, 2, 33} {
		b.exec(`INSERT INTO "Dept ""Records""" VALUES ($1, '2026-05-01 08:00:00.000001+00', $2)`, no, fmt.Sprint("C-", no))
	}
	b.run(t, 1)
	wait.For(t, 20*time.Second, "3 receipts", func() bool { return len(b.receipts(t)) == 3 || strings.Contains(b.logs.String(), "unavailable") })
	if strings.Contains(b.logs.String(), "unavailable") {
		t.Fatalf("connector failed:\n%s", b.logs.String())
	}
	b.hub.mu.Lock()
	seen := strings.Join(b.hub.seen, " ")
	b.hub.mu.Unlock()
	if seen != "C-2 C-10 C-33" {
		t.Errorf("rows submitted %q, want C-2 C-10 C-33, once each", seen)
	}
	want := `{"updated_at": "2026-05-01 08:00:00.000001+00", "key": "33"}`
	if got := b.hub.cursor("market-db"); got != want && !jsonEqual(got, want) {
		t.Errorf("cursor %s, want %s", got, want)
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	json.Unmarshal([]byte(a), &x)
	json.Unmarshal([]byte(b), &y)
	return fmt.Sprint(x) == fmt.Sprint(y)
}

// TestWaitsForTheHub fails the first batches (the hub down), then answers
// one pending: no receipt is written and the cursor stays until the result
// is settled; the outage is logged once.
func TestWaitsForTheHub(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.hub.down, b.hub.pending = 3, 1
	b.exec(`INSERT INTO "Dept ""Records""" VALUES (1, now(), 'C-1')`)
	b.run(t, 10)
	wait.For(t, 20*time.Second, "the pending answer", func() bool {
		b.hub.mu.Lock()
		defer b.hub.mu.Unlock()
		return b.hub.pending == 0
	})
	if got := b.receipts(t); len(got) != 0 && b.hub.cursor("market-db") == "" {
		t.Errorf("receipts %v written before the result was settled", got)
	}
	wait.For(t, 20*time.Second, "the receipt", func() bool { return b.receipts(t)["1"] == "accepted" })
	wait.For(t, 5*time.Second, "the cursor", func() bool { return b.hub.cursor("market-db") != "" })
	if n := strings.Count(b.logs.String(), "hub unavailable"); n != 1 {
		t.Errorf("%d warnings of the outage, want 1:\n%s", n, b.logs.String())
	}
}

// TestRefusesAMissingVariable: without the variable holding the URL, New
// names it.
func TestRefusesAMissingVariable(t *testing.T) {
	t.Parallel()
	c := source.Connector{Name: "x", Database: &source.Database{URLEnv: "CREDEX_TEST_DBPOLL_UNSET", Table: "t", UpdatedAt: "u", Key: "k"},
		Mappings: []source.Mapping{{Type: "administrative_penalty", Columns: map[string]source.Column{"k": {To: "/source_id"}}}}}
	_, err := dbpoll.New(c, source.Deps{}, nil)
	if err == nil || !strings.Contains(err.Error(), "CREDEX_TEST_DBPOLL_UNSET") {
		t.Errorf("New: %v, want an error naming CREDEX_TEST_DBPOLL_UNSET", err)
	}
}
