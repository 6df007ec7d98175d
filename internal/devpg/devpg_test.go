package devpg

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/internal/testkit/wait"
)

// setup returns a context for one test and a fresh cluster directory under
// the system temporary directory, which the postgres user can reach when
// the tests run as root.
func setup(t *testing.T) (context.Context, Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	dir, err := os.MkdirTemp("", "devpg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return ctx, Config{Dir: filepath.Join(dir, "postgres")}
}

func start(t *testing.T, ctx context.Context, cfg Config) *Cluster {
	t.Helper()
	began := time.Now()
	c, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("started in %v at %s", time.Since(began).Round(time.Millisecond), c.URL())
	t.Cleanup(func() { c.Stop() })
	return c
}

func connect(t *testing.T, ctx context.Context, c *Cluster) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, c.URL())
	if err != nil {
		t.Fatalf("connect to %s: %v", c.URL(), err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func selectOne(t *testing.T, ctx context.Context, c *Cluster) {
	t.Helper()
	var one int
	if err := connect(t, ctx, c).QueryRow(ctx, "select 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("select 1 = %d, %v", one, err)
	}
}

func TestStartStopRestart(t *testing.T) {
	t.Parallel()
	ctx, cfg := setup(t)

	c := start(t, ctx, cfg)
	if !strings.Contains(c.URL(), "@127.0.0.1:") || !strings.HasSuffix(c.URL(), "/credex?sslmode=disable") {
		t.Errorf("URL() = %s, want the database credex on 127.0.0.1", c.URL())
	}
	selectOne(t, ctx, c)
	if _, err := connect(t, ctx, c).Exec(ctx, "create table kept (v text); insert into kept values ('across restarts')"); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := pgx.Connect(ctx, c.URL()); err == nil {
		t.Fatal("connected after Stop")
	}

	c = start(t, ctx, cfg)
	var kept string
	if err := connect(t, ctx, c).QueryRow(ctx, "select v from kept").Scan(&kept); err != nil || kept != "across restarts" {
		t.Errorf("after a restart kept holds %q, %v", kept, err)
	}
}

func TestStartOnGivenPort(t *testing.T) {
	t.Parallel()
	ctx, cfg := setup(t)
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Port = port

	c := start(t, ctx, cfg)
	if want := "127.0.0.1:" + strconv.Itoa(port) + "/"; !strings.Contains(c.URL(), want) {
		t.Errorf("URL() = %s, want port %d", c.URL(), port)
	}
}

func TestStartRefusesADirInUse(t *testing.T) {
	t.Parallel()
	ctx, cfg := setup(t)
	start(t, ctx, cfg)

	if c, err := Start(ctx, cfg); err == nil {
		c.Stop()
		t.Fatal("a second Start on a dir in use succeeded")
	}
}

func TestStartRecoversFromAKilledRun(t *testing.T) {
	t.Parallel()
	ctx, cfg := setup(t)

	t.Run("server left running", func(t *testing.T) {
		c := start(t, ctx, cfg)
		c.unlock() // as if the process that started it had died
		c = start(t, ctx, cfg)
		selectOne(t, ctx, c)
		c.Stop()
	})

	t.Run("server killed", func(t *testing.T) {
		c := start(t, ctx, cfg)
		pid := postmaster(t, c)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		wait.For(t, 30*time.Second, "the killed server to be gone", func() bool { return syscall.Kill(pid, 0) != nil })
		c.unlock()
		if _, err := os.Stat(filepath.Join(c.data, "postmaster.pid")); err != nil {
			t.Fatalf("no stale postmaster.pid: %v", err)
		}
		c = start(t, ctx, cfg)
		selectOne(t, ctx, c)
	})
}

func postmaster(t *testing.T, c *Cluster) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(first)
	if err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	return pid
}

func TestStartValidates(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{{}, {Dir: t.TempDir(), Port: -1}} {
		if c, err := Start(context.Background(), cfg); err == nil {
			c.Stop()
			t.Errorf("Start(%+v) succeeded, want an error", cfg)
		}
	}
}
