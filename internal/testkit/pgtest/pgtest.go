package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvURL names the environment variable holding the server's connection URL.
const EnvURL = "CREDEX_DATABASE_URL"

// URL creates a fresh schema for t and returns a connection URL whose
// search_path is that schema alone, so unqualified names resolve there. The
// schema, with everything in it, is dropped in t.Cleanup; close pools opened on
// the URL before then (cleanups registered later run earlier, so a pool closed
// in its own t.Cleanup is fine).
//
// URL fails the test when CREDEX_DATABASE_URL is unset or the server cannot be
// reached. It is safe to call from parallel tests.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Fatalf("pgtest: %s is not set; run the tests with deploy/local/test.sh", EnvURL)
	}
	schema := schemaName(t.Name())

	exec(t, base, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	t.Cleanup(func() {
		exec(t, base, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	})

	u, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	return u
}

// Pool returns a pool on a fresh schema from [URL]. The pool is closed, and the
// schema dropped, when the test ends.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, URL(t))
	if err != nil {
		t.Fatalf("pgtest: open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("pgtest: ping: %v", err)
	}
	return pool
}

// exec runs one statement on a short-lived connection to the base URL.
func exec(t testing.TB, base, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v (is the server running? see deploy/local/test.sh)", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, err)
	}
}

// schemaName returns "t_<test name>_<random hex>": lower case, [a-z0-9_] only,
// within PostgreSQL's 63-byte identifier limit.
func schemaName(test string) string {
	const room = 63 - len("t__") - 12 // 12 hex digits of randomness
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(test) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(r)
		} else {
			sep = true
		}
	}
	name := b.String()
	if len(name) > room {
		name = strings.TrimRight(name[:room], "_")
	}
	return "t_" + name + "_" + randomHex(6)
}

// withSearchPath adds search_path to a URL or keyword/value connection string;
// pgx sends unknown URL parameters to the server as run-time settings.
func withSearchPath(base, schema string) (string, error) {
	if !strings.Contains(base, "://") {
		return base + " search_path=" + schema, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
