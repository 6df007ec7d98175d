// Package testlog keeps what tests log, so that the test run can scan it.
//
// When CREDEX_TEST_LOG_DIR names a directory (deploy/local/test.sh sets it),
// every package's tests append their logs to one file of that directory,
// named after the package, and may dump other text there, such as a hub's
// metrics. After the tests pass, the run scans the directory for full
// citizen ID numbers (internal/idscan): personal data must never reach logs
// or metrics. Without the variable, tests log to t.Output() only.
package testlog

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// DirEnv names the directory that keeps the logs of a test run.
const DirEnv = "CREDEX_TEST_LOG_DIR"

var (
	once    sync.Once
	file    *os.File // the package's log file; nil without DirEnv
	pkgName string
)

// open opens the package's log file once per test binary. A test binary runs
// in its package's directory; the file is named after that directory's path
// in the module, such as hub.log or cmd_credex_internal_cli.log.
func open(t testing.TB) {
	once.Do(func() {
		dir := os.Getenv(DirEnv)
		if dir == "" {
			return
		}
		pkgName = packageName()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatalf("testlog: %v", err)
		}
		f, err := os.OpenFile(filepath.Join(dir, pkgName+".log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatalf("testlog: %v", err)
		}
		file = f
	})
}

// packageName is the path of the working directory below the module root
// (the nearest directory with a go.mod), with "_" for "/".
func packageName() string {
	wd, err := os.Getwd()
	if err != nil {
		return "unknown"
	}
	for root := wd; ; root = filepath.Dir(root) {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			rel, _ := filepath.Rel(root, wd)
			if rel == "." {
				rel = "root"
			}
			return strings.ReplaceAll(filepath.ToSlash(rel), "/", "_")
		}
		if filepath.Dir(root) == root {
			return filepath.Base(wd)
		}
	}
}

// Writer returns a writer to the package's log file, or io.Discard without
// DirEnv. It is safe for concurrent use and outlives t.
func Writer(t testing.TB) io.Writer {
	open(t)
	if file == nil {
		return io.Discard
	}
	return file
}

// Logger returns a logger that writes records of level and above to
// t.Output(), and every record, from Debug up, to the package's log file.
func Logger(t testing.TB, level slog.Level) *slog.Logger {
	return slog.New(slog.NewMultiHandler(
		slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: level}),
		slog.NewTextHandler(Writer(t), &slog.HandlerOptions{Level: slog.LevelDebug}),
	))
}

// WriteFile writes content to the file <package>.<name> of the log
// directory, replacing it; it does nothing without DirEnv.
func WriteFile(t testing.TB, name string, content []byte) {
	open(t)
	if file == nil {
		return
	}
	path := filepath.Join(os.Getenv(DirEnv), pkgName+"."+name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Errorf("testlog: %v", err)
	}
}
