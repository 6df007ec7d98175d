package devpg

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/internal/dirlock"
)

// Database is the name of the database Start creates for credex.
const Database = "credex"

// Statements that create the database on a new cluster.
var (
	//go:embed database_exists.sql
	qDatabaseExists string
	//go:embed create_database.sql
	qCreateDatabase string
)

// superuser is the role initdb creates; every connection uses it.
const superuser = "credex"

// Config says where a cluster lives and where it listens.
type Config struct {
	// Dir holds the cluster: its data in Dir/data and the server's log in
	// Dir/postgres.log. It is created if missing, and only one process at a
	// time may use it.
	Dir string
	// Port is the TCP port on 127.0.0.1 to listen on; zero picks a free
	// one at each start.
	Port int
	// Log receives the output of initdb and pg_ctl; nil discards it.
	Log io.Writer
}

// Validate reports the first field of c that Start cannot use.
func (c Config) Validate() error {
	if c.Dir == "" {
		return errors.New("postgres dir: missing")
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("postgres port %d: out of range 0-65535", c.Port)
	}
	return nil
}

// Cluster is a running server started by Start. Its methods are safe for
// concurrent use.
type Cluster struct {
	bin    string // directory holding initdb and pg_ctl
	data   string
	as     *syscall.Credential // nil: run as the current user
	log    io.Writer
	url    string
	unlock func()

	stopOnce sync.Once
	stopErr  error
}

// Start initialises the cluster in cfg.Dir if that has not been done yet,
// starts its server, creates the database credex if missing and returns
// once that database accepts connections. A server left running by a
// process that ended without stopping it is stopped first. ctx bounds the
// whole start; the server itself runs until Stop, not until ctx ends.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	as, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("postgres dir %s: %w", cfg.Dir, err)
	}
	unlock, err := dirlock.Lock(dir, "postgres dir")
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		bin:    bin,
		data:   filepath.Join(dir, "data"),
		as:     as,
		log:    cmpWriter(cfg.Log),
		unlock: unlock,
	}
	if err := c.start(ctx, cfg.Port); err != nil {
		unlock()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context, port int) error {
	if err := c.prepare(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.data, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	}
	// With the lock held, a running server is one whose owner died.
	if c.pgctl(ctx, "status") == nil {
		if err := c.pgctl(ctx, "stop", "--mode=fast", "--wait"); err != nil {
			return fmt.Errorf("stop leftover postgres in %s: %w", c.data, err)
		}
	}
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return err
		}
	}
	logFile := filepath.Join(filepath.Dir(c.data), "postgres.log")
	if err := c.pgctl(ctx, "start", "--wait", "--log="+logFile, "--options=-p "+strconv.Itoa(port)); err != nil {
		return fmt.Errorf("start postgres in %s: %w; end of %s:\n%s", c.data, err, logFile, tail(logFile, 10))
	}
	c.url = fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, port, Database)
	if err := c.createDatabase(ctx, port); err != nil {
		c.Stop()
		return err
	}
	return nil
}

// prepare creates the data directory and the server's log file, owned by
// the user the server runs as, and checks that this user can reach them.
func (c *Cluster) prepare() error {
	dir := filepath.Dir(c.data)
	if err := os.Mkdir(c.data, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create postgres data dir: %w", err)
	}
	if c.as == nil {
		return nil
	}
	logFile := filepath.Join(dir, "postgres.log")
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("create postgres log: %w", err)
	}
	f.Close()
	for _, name := range []string{c.data, logFile} {
		if err := os.Chown(name, int(c.as.Uid), int(c.as.Gid)); err != nil {
			return fmt.Errorf("hand %s to the postgres user: %w", name, err)
		}
	}
	return searchable(dir, c.as)
}

func (c *Cluster) initdb(ctx context.Context) error {
	err := c.run(ctx, "initdb", "--pgdata="+c.data, "--username="+superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync")
	if err != nil {
		return fmt.Errorf("initialise postgres in %s (remove it to start afresh): %w", c.data, err)
	}
	hba := "# credex dev: trust TCP connections from this machine only.\nhost all all 127.0.0.1/32 trust\n"
	if err := os.WriteFile(filepath.Join(c.data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return fmt.Errorf("write postgres pg_hba.conf: %w", err)
	}
	conf, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open postgresql.conf: %w", err)
	}
	_, err = conf.WriteString("\n# credex dev\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n" +
		"fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
	if cerr := conf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write postgresql.conf: %w", err)
	}
	return nil
}

func (c *Cluster) createDatabase(ctx context.Context, port int) error {
	url := fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres?sslmode=disable", superuser, port)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, qDatabaseExists, Database).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", Database, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, qCreateDatabase); err != nil {
		return fmt.Errorf("create database %s: %w", Database, err)
	}
	return nil
}

// URL returns the connection URL of the database credex, for pgx and for
// <data-dir>/database.url.
func (c *Cluster) URL() string {
	return c.url
}

// Stop shuts the server down (fast: open sessions are ended, committed data
// is kept), waits until it has exited and releases the cluster directory.
// Calls after the first return the first call's result.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		defer c.unlock()
		if err := c.pgctl(context.Background(), "stop", "--mode=fast", "--wait"); err != nil {
			c.stopErr = fmt.Errorf("stop postgres in %s: %w", c.data, err)
		}
	})
	return c.stopErr
}

func (c *Cluster) pgctl(ctx context.Context, args ...string) error {
	return c.run(ctx, "pg_ctl", append([]string{"--pgdata=" + c.data, "--silent"}, args...)...)
}

// run runs one of the PostgreSQL programs as the user the server runs as,
// copying its output to the log; an error carries that output.
func (c *Cluster) run(ctx context.Context, prog string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, prog), args...)
	cmd.Dir = c.data
	if c.as != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.as}
	}
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(c.log, &out)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return fmt.Errorf("%s: %w: %s", prog, err, msg)
		}
		return fmt.Errorf("%s: %w", prog, err)
	}
	return nil
}

func cmpWriter(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port for postgres: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the last n lines of the named file, or nothing.
func tail(name string, n int) string {
	b, _ := os.ReadFile(name)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
