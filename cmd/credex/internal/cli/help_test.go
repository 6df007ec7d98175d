package cli

import (
	"cmp"
	"context"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// listed returns the commands a usage text lists under "Commands:".
func listed(usage string) []string {
	_, list, ok := strings.Cut(usage, "\nCommands:\n")
	if !ok {
		return nil
	}
	var names []string
	for _, line := range strings.Split(list, "\n") {
		if !strings.HasPrefix(line, "  ") {
			break
		}
		names = append(names, strings.Fields(line)[0])
	}
	return names
}

// Every command the help lists, and every subcommand its own help lists,
// prints its usage to standard output and exits 0 for --help and -h.
func TestEveryCommandsHelpGoesToStandardOutput(t *testing.T) {
	status, top, _ := runCaptured(t, "--help")
	commands := listed(top)
	if status != 0 || len(commands) < 8 {
		t.Fatalf("credex --help = status %d, commands %q; want 0 and the commands", status, commands)
	}
	var paths [][]string
	for _, c := range commands {
		paths = append(paths, []string{c})
	}
	for i := 0; i < len(paths); i++ {
		path := paths[i]
		for _, flag := range []string{"--help", "-h"} {
			t.Run(strings.Join(path, "_")+flag, func(t *testing.T) {
				status, out, errOut := runCaptured(t, append(path, flag)...)
				want := "Usage: credex " + strings.Join(path, " ")
				if status != 0 || !strings.HasPrefix(out, want) || errOut != "" {
					t.Errorf("credex %s %s = status %d, standard output %q, standard error %q; want 0, %q on standard output alone",
						strings.Join(path, " "), flag, status, out, errOut, want)
				}
				if flag != "--help" {
					return
				}
				for _, sub := range listed(out) {
					paths = append(paths, append(append([]string(nil), path...), sub))
				}
			})
		}
	}
	for _, want := range [][]string{{"catalog", "diff"}, {"audit", "verify"}} {
		found := false
		for _, p := range paths {
			found = found || strings.Join(p, " ") == strings.Join(want, " ")
		}
		if !found {
			t.Errorf("credex %s was not reached from the help", strings.Join(want, " "))
		}
	}
}

// serve is started with nothing set, then with each variable it asks for
// set, until it gets as far as connecting to the database: every variable
// it asked for is in its help.
func TestServeHelpNamesEveryVariableServeRequires(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "CREDEX_") {
			t.Setenv(name, "")
		}
	}
	values := map[string]string{
		"CREDEX_DATABASE_URL":  "postgres://credex@127.0.0.1:1/credex?connect_timeout=2",
		"CREDEX_KAFKA_BROKERS": "127.0.0.1:1",
	}
	named := regexp.MustCompile(`CREDEX_[A-Z0-9_]+`)
	var required []string
	for range 10 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := serve(ctx, nil, io.Discard)
		cancel()
		if err == nil {
			t.Fatal("serve with nothing to connect to returned nil")
		}
		name := named.FindString(err.Error())
		if name == "" || os.Getenv(name) != "" {
			break // it went past the settings
		}
		required = append(required, name)
		t.Setenv(name, cmp.Or(values[name], "help-test-secret-0123456789abcdef"))
	}
	if len(required) < 3 {
		t.Fatalf("serve asked for %q only; want at least the database, Kafka and the subject key", required)
	}
	t.Logf("serve asked for %s", strings.Join(required, ", "))
	_, help, _ := runCaptured(t, "serve", "--help")
	for _, name := range required {
		if !strings.Contains(help, name) {
			t.Errorf("serve requires %s, but serve --help does not name it", name)
		}
	}
}
