package pgtest_test

import (
	"context"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/credex/credex/internal/testkit/pgtest"
)

func TestPoolSchemasAreIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := pgtest.Pool(t), pgtest.Pool(t)

	mustExec(t, a, "CREATE TABLE item (id int PRIMARY KEY)")
	mustExec(t, a, "INSERT INTO item VALUES (1)")
	mustExec(t, b, "CREATE TABLE item (id int PRIMARY KEY)")

	for _, c := range []struct {
		name string
		pool *pgxpool.Pool
		want int
	}{{"a", a, 1}, {"b", b, 0}} {
		var n int
		if err := c.pool.QueryRow(ctx, "SELECT count(*) FROM item").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("pool %s sees %d rows, want %d", c.name, n, c.want)
		}
	}
}

func TestURLSetsSearchPathOnEveryConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)

	var first string
	if err := pool.QueryRow(ctx, "SELECT current_schema()").Scan(&first); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^t_testurlsetssearchpathoneveryconnection_[0-9a-f]{12}$`).MatchString(first) {
		t.Fatalf("current_schema() = %q, want t_<test name>_<hex>", first)
	}
	// Hold several connections at once so the pool has to open new ones.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var got string
			if err := pool.QueryRow(ctx, "SELECT current_schema() FROM pg_sleep(0.05)").Scan(&got); err != nil {
				t.Error(err)
			} else if got != first {
				t.Errorf("current_schema() = %q on another connection, want %q", got, first)
			}
		})
	}
	wg.Wait()
}

func TestURLDropsSchemaAtCleanup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var schema string
	t.Run("inner", func(t *testing.T) {
		pool := pgtest.Pool(t)
		mustExec(t, pool, "CREATE TABLE item (id int)")
		if err := pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			t.Fatal(err)
		}
	})

	var exists bool
	err := pgtest.Pool(t).QueryRow(ctx,
		"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists)
	if err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("schema %q still exists after its test ended", schema)
	}
}

func TestURLSanitizesLongNames(t *testing.T) {
	t.Parallel()
	t.Run(strings.Repeat("Ünïcode/and spaces-", 10), func(t *testing.T) {
		u := pgtest.URL(t)
		m := regexp.MustCompile(`search_path=([^&]+)`).FindStringSubmatch(u)
		if m == nil {
			t.Fatalf("URL %q has no search_path", u)
		}
		if len(m[1]) > 63 || !regexp.MustCompile(`^t_[a-z0-9_]+_[0-9a-f]{12}$`).MatchString(m[1]) {
			t.Errorf("schema %q: want t_[a-z0-9_]+_<hex>, at most 63 bytes", m[1])
		}
	})
}

func TestURLFailsWithoutDatabase(t *testing.T) {
	t.Setenv(pgtest.EnvURL, "")
	tb := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		pgtest.URL(tb)
	}()
	<-done
	if !strings.Contains(tb.fatal, "deploy/local/test.sh") {
		t.Errorf("URL without %s: fatal message %q, want one naming deploy/local/test.sh", pgtest.EnvURL, tb.fatal)
	}
}

// recorder captures a Fatalf instead of failing the real test.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func mustExec(t *testing.T, pool *pgxpool.Pool, sql string) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
