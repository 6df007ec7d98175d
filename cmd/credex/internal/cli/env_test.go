package cli

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestMalformedVariableIsAnErrorNamingIt(t *testing.T) {
	commands := map[string]func(context.Context, []string, io.Writer) error{"serve": serve, "dev": dev}
	tests := []struct {
		command, variable, value string
		want                     string // in the error besides the variable
	}{
		{"serve", "CREDEX_KAFKA_PARTITIONS", "six", "want a whole number"},
		{"serve", "CREDEX_KAFKA_REPLICATION_FACTOR", "3.0", "want a whole number"},
		{"serve", "CREDEX_KAFKA_MIN_INSYNC_REPLICAS", "two", "want a whole number"},
		{"serve", "CREDEX_MAX_BODY_BYTES", "4MiB", "want a whole number"},
		{"serve", "CREDEX_MAX_RECORDS", "99999999999999999999", "value out of range"},
		{"serve", "CREDEX_REJECTED_RETENTION", "30", "want a duration"},
		{"serve", "CREDEX_EXPIRY_INTERVAL", "5 minutes", "want a duration"},
		{"serve", "CREDEX_KEY_OVERLAP", "1d", "want a duration"},
		{"serve", "CREDEX_KEY_LIFETIME", "90d", "want a duration"},
		{"serve", "CREDEX_AUDIT_CHECKPOINT_INTERVAL", "10", "want a duration"},
		{"serve", "CREDEX_RATE_LIMIT", "fast", "want requests per second and burst"},
		{"serve", "CREDEX_PUBLIC_RATE_LIMIT", "5/0", "the burst is a whole number"},
		{"serve", "CREDEX_FAILED_AUTH_LIMIT", "ten", "want requests per second and burst"},
		{"serve", "CREDEX_WEBHOOK_ALLOW", "10.0.0.0/8,intranet", `"intranet": want an address range`},
		{"serve", "CREDEX_RETRY_SCHEDULE", "5s,soon", "item 2"},
		{"serve", "CREDEX_KAFKA_BROKERS", "127.0.0.1:9092,kafka", `"kafka": want host:port`},
		{"serve", "CREDEX_OIDC_ALGORITHMS", "RS256,HS256", `"HS256" is not one of`},
		{"serve", "CREDEX_OIDC_ALGORITHMS", "none", `"none" is not one of`},
		{"serve", "CREDEX_OIDC_CLOCK_SKEW", "60", "want a duration"},
		{"dev", "CREDEX_KAFKA_PARTITIONS", "-", "want a whole number"},
		{"dev", "CREDEX_EXPIRY_INTERVAL", "1", "want a duration"},
		{"dev", "CREDEX_WEBHOOK_ALLOW", "127.0.0.1", `"127.0.0.1": want an address range`},
		{"dev", "CREDEX_KAFKA_BROKERS", "localhost", `"localhost": want host:port`},
	}
	for _, tt := range tests {
		t.Run(tt.command+"/"+tt.variable, func(t *testing.T) {
			t.Setenv(tt.variable, tt.value)
			// The variable is read before anything starts; should it not
			// be, the cancelled context stops whatever would.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var args []string
			if tt.command == "dev" {
				args = []string{"--data-dir", t.TempDir()}
			}
			err := commands[tt.command](ctx, args, io.Discard)
			if err == nil || errors.Is(err, errUsage) {
				t.Fatalf("%s with %s=%q = %v, want an error naming the variable", tt.command, tt.variable, tt.value, err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.variable+"=") || !strings.Contains(msg, tt.want) {
				t.Errorf("%s with %s=%q = %q, want it to name the variable and say %q", tt.command, tt.variable, tt.value, msg, tt.want)
			}
		})
	}
}

// testFlags is a flag set of every kind of value a variable may give.
type testFlags struct {
	n     int
	d     time.Duration
	b     bool
	s     string
	addrs addrList
	quiet string // no variable
}

func newTestFlags() (*testFlags, func(args ...string) error) {
	var f testFlags
	fs := flagSet("test", "test [flags]")
	fs.SetOutput(io.Discard)
	fs.IntVar(&f.n, "n", 1, "a number (CREDEX_TEST_N)")
	fs.DurationVar(&f.d, "d", time.Second, "a duration (CREDEX_TEST_D)")
	fs.BoolVar(&f.b, "b", false, "a switch (CREDEX_TEST_B)")
	fs.StringVar(&f.s, "s", "default", "a string (CREDEX_TEST_S)")
	fs.Var(&f.addrs, "addrs", "addresses (CREDEX_TEST_ADDRS)")
	fs.StringVar(&f.quiet, "quiet", "default", "read from no variable, although CREDEX_TEST_QUIET is set")
	return &f, func(args ...string) error { return parse(fs, args) }
}

func TestParseReadsTheVariableTheHelpNames(t *testing.T) {
	t.Setenv("CREDEX_TEST_N", "7")
	t.Setenv("CREDEX_TEST_D", "90s")
	t.Setenv("CREDEX_TEST_B", "true")
	t.Setenv("CREDEX_TEST_S", "") // empty: as if not set
	t.Setenv("CREDEX_TEST_ADDRS", "a:1, b:2,")
	t.Setenv("CREDEX_TEST_QUIET", "from the environment")
	f, parse := newTestFlags()
	if err := parse(); err != nil {
		t.Fatal(err)
	}
	if f.n != 7 || f.d != 90*time.Second || !f.b || f.s != "default" || f.addrs.String() != "a:1,b:2" || f.quiet != "default" {
		t.Errorf("flags = %+v, want n 7, d 90s, b true, s default, addrs a:1,b:2, quiet default", *f)
	}
}

func TestParseLetsArgumentsWin(t *testing.T) {
	t.Setenv("CREDEX_TEST_N", "7")
	t.Setenv("CREDEX_TEST_B", "not a bool") // never read: the argument wins
	f, parse := newTestFlags()
	if err := parse("-n", "9", "-b=false", "operand", "-d", "2s"); err != nil {
		t.Fatal(err)
	}
	// A command that reads flags after an operand parses again; the flags
	// set the first time stay as they are.
	if err := parse("-d", "2s"); err != nil {
		t.Fatal(err)
	}
	if f.n != 9 || f.b || f.d != 2*time.Second {
		t.Errorf("flags = %+v, want n 9, b false, d 2s", *f)
	}
}

func TestParseRefusesMalformedVariables(t *testing.T) {
	tests := []struct {
		variable, value, want string
	}{
		{"CREDEX_TEST_N", "seven", `CREDEX_TEST_N="seven": parse error: want a whole number`},
		{"CREDEX_TEST_N", "1e3", `CREDEX_TEST_N="1e3": parse error: want a whole number`},
		{"CREDEX_TEST_D", "10", `CREDEX_TEST_D="10": parse error: want a duration such as 90s, 15m or 24h`},
		{"CREDEX_TEST_B", "yes", `CREDEX_TEST_B="yes": parse error: want true or false`},
		{"CREDEX_TEST_ADDRS", "a:1,b", `CREDEX_TEST_ADDRS="a:1,b": "b": want host:port`},
	}
	for _, tt := range tests {
		t.Run(tt.variable+"="+tt.value, func(t *testing.T) {
			t.Setenv(tt.variable, tt.value)
			_, parse := newTestFlags()
			if err := parse(); err == nil || err.Error() != tt.want {
				t.Errorf("parse = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestParseNamesEveryMalformedVariable(t *testing.T) {
	t.Setenv("CREDEX_TEST_N", "seven")
	t.Setenv("CREDEX_TEST_B", "yes")
	_, parse := newTestFlags()
	err := parse()
	if err == nil || !strings.Contains(err.Error(), "CREDEX_TEST_N=") || !strings.Contains(err.Error(), "CREDEX_TEST_B=") {
		t.Errorf("parse = %v, want an error naming CREDEX_TEST_N and CREDEX_TEST_B", err)
	}
}
