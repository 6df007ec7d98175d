package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestScenariosOnSharedServices runs the scenarios that harm only the hubs
// the harness starts itself, so that they may run beside the other tests on
// the same broker and PostgreSQL: every accepted receipt must be stored once,
// read by the pull subscriber and received by the webhook subscriber, in
// order, after hubs were killed with SIGKILL.
func TestScenariosOnSharedServices(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hubs and streams for twenty seconds")
	}
	for _, v := range []string{"CREDEX_KAFKA_BROKERS", "CREDEX_DATABASE_URL"} {
		if os.Getenv(v) == "" {
			t.Fatalf("%s is not set; run the tests with deploy/local/test.sh", v)
		}
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	binary := filepath.Join(t.TempDir(), "credex")
	args := []string{"build", "-o", binary}
	if race {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "./cmd/credex")...)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, name := range []string{"hub-kill", "two-hubs"} {
		t.Run(name, func(t *testing.T) {
			r, err := runScenario(name, binary, 10*time.Second, 4)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(r)
			if !r.ok() {
				t.Errorf("%s", r)
			}
		})
	}
}
