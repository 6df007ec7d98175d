package cli

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runCaptured runs the credex command with args and returns its exit status
// and what it wrote to standard output and standard error.
func runCaptured(t *testing.T, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	capture := func(f **os.File) func() string {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		saved := *f
		*f = w
		done := make(chan string)
		go func() {
			b, _ := io.ReadAll(r)
			r.Close()
			done <- string(b)
		}()
		return func() string {
			*f = saved
			w.Close()
			return <-done
		}
	}
	out, errOut := capture(&os.Stdout), capture(&os.Stderr)
	status = Run(args)
	return status, out(), errOut()
}

func TestVersionFlagAndCommandPrintTheVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		status, out, _ := runCaptured(t, args...)
		if status != 0 || !strings.HasPrefix(out, "credex ") || !strings.Contains(out, "\ncommit ") {
			t.Errorf("credex %s = status %d, output %q; want 0, the version and the commit", args[0], status, out)
		}
	}
	if status, _, _ := runCaptured(t, "version", "extra"); status != 2 {
		t.Errorf("credex version extra = status %d, want 2", status)
	}
}

// A binary built from the checkout prints the version set at link time and
// the commit Go recorded in it: HEAD, when Go could read the checkout (it
// cannot in a linked worktree, whose .git is a file), else unknown.
func TestBuiltBinaryNamesItsVersionAndCommit(t *testing.T) {
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "credex")
	build := exec.Command("go", "build", "-buildvcs=auto", "-o", bin,
		"-ldflags", "-X github.com/credex/credex/cmd/credex/internal/cli.version=v9.8.7-test", "../../../../cmd/credex")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	commit := "unknown"
	if m := regexp.MustCompile(`(?m)^\s*build\s+vcs\.revision=(\S+)$`).FindSubmatch(info); m != nil {
		commit = string(m[1])
		if commit != strings.TrimSpace(string(head)) {
			t.Errorf("the binary records commit %s, want HEAD %s", commit, head)
		}
	}
	var outputs []string
	for _, arg := range []string{"--version", "version"} {
		out, err := exec.Command(bin, arg).Output()
		if err != nil {
			t.Fatalf("credex %s: %v", arg, err)
		}
		lines := strings.Split(string(out), "\n")
		if len(lines) < 2 || lines[0] != "credex v9.8.7-test" || strings.TrimSuffix(lines[1], " (modified)") != "commit "+commit {
			t.Errorf("credex %s printed %q; want credex v9.8.7-test and commit %s", arg, out, commit)
		}
		outputs = append(outputs, string(out))
	}
	if outputs[0] != outputs[1] {
		t.Errorf("credex --version printed %q, credex version %q; want the same", outputs[0], outputs[1])
	}
}
