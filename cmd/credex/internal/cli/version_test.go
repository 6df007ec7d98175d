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

// build builds the credex binary with the link-time settings of the cli
// package (name=value) and returns its path and the commit Go recorded in
// it, "" when none.
func build(t *testing.T, set ...string) (string, string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "credex")
	var ldflags []string
	for _, s := range set {
		ldflags = append(ldflags, "-X", "github.com/credex/credex/cmd/credex/internal/cli."+s)
	}
	cmd := exec.Command("go", "build", "-buildvcs=auto", "-o", bin, "-ldflags", strings.Join(ldflags, " "), "../../../../cmd/credex")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	if m := regexp.MustCompile(`(?m)^\s*build\s+vcs\.revision=(\S+)$`).FindSubmatch(info); m != nil {
		return bin, string(m[1])
	}
	return bin, ""
}

// versionOf runs credex --version and credex version of bin, checks they
// print the same, and returns the first two lines.
func versionOf(t *testing.T, bin string) (string, string) {
	t.Helper()
	var outputs []string
	for _, arg := range []string{"--version", "version"} {
		out, err := exec.Command(bin, arg).Output()
		if err != nil {
			t.Fatalf("credex %s: %v", arg, err)
		}
		outputs = append(outputs, string(out))
	}
	if outputs[0] != outputs[1] {
		t.Errorf("credex --version printed %q, credex version %q; want the same", outputs[0], outputs[1])
	}
	lines := strings.Split(outputs[0], "\n")
	if len(lines) < 3 {
		t.Fatalf("credex --version printed %q, want the version, the commit and the Go release", outputs[0])
	}
	return lines[0], strings.TrimSuffix(lines[1], " (modified)")
}

// A binary built from the checkout prints the version set at link time and
// the commit: the one set at link time, else the one Go recorded (HEAD;
// Go records none in a linked worktree, whose .git is a file), else it says
// how to record one.
func TestBuiltBinaryNamesItsVersionAndCommit(t *testing.T) {
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v", err)
	}
	head := strings.TrimSpace(string(out))

	bin, recorded := build(t, "version=v9.8.7-test")
	if recorded != "" && recorded != head {
		t.Errorf("the binary records commit %s, want HEAD %s", recorded, head)
	}
	v, c := versionOf(t, bin)
	want := "commit " + recorded
	if recorded == "" {
		want = "commit unknown (built without version control information: go build -buildvcs=true in a Git checkout records it)"
	}
	if v != "credex v9.8.7-test" || c != want {
		t.Errorf("credex --version printed %q, %q; want credex v9.8.7-test, %q", v, c, want)
	}

	bin, _ = build(t, "version=v9.8.8-test", "commit="+head)
	if v, c := versionOf(t, bin); v != "credex v9.8.8-test" || c != "commit "+head {
		t.Errorf("built with its commit set, credex --version printed %q, %q; want credex v9.8.8-test, commit %s", v, c, head)
	}
}
