// Package cli implements the credex command and its subcommands.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

// command is one subcommand.
type command struct {
	summary string
	// run parses args with its own flag set and runs.
	run func(ctx context.Context, args []string, out io.Writer) error
}

var commands = map[string]command{
	"serve":   {"run the hub: ingest API and database sink", serve},
	"dev":     {"run the whole hub on this machine with an embedded Kafka and PostgreSQL", dev},
	"migrate": {"apply database migrations", migrate},
	"publish": {"send records to a hub from an NDJSON, JSON, CSV or XLSX file", publish},
	"catalog": {"work with the record type catalogue", catalogCmd},
	"audit":   {"verify the audit log of accesses to personal data", auditCmd},
	"rekey":   {"replace the subject key that hashes ID numbers in the database", rekey},
	"token":   {"print an ID token for a synthetic person from a credex dev hub", token},
	"version": {"print the version and the commit credex was built from", versionCmd},
}

// errUsage means the flags were wrong; the flag set printed why.
var errUsage = errors.New("usage")

// statusError is an error for which Run exits with status rather than 1.
type statusError struct {
	status int
	err    error
}

func (e statusError) Error() string { return e.err.Error() }
func (e statusError) Unwrap() error { return e.err }

// Run runs the credex command with args (without the program name) and
// returns the exit status.
func Run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(os.Stdout)
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		fmt.Print(versionText())
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "credex: unknown command %q\n\n", args[0])
		usage(os.Stderr)
		return 2
	}
	err := cmd.run(ctx, args[1:], os.Stdout)
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(os.Stderr, "credex %s: %v\n", args[0], err)
	if se := (statusError{}); errors.As(err, &se) {
		return se.status
	}
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "credex is the exchange hub of a city's personal credit system.\n\nUsage: credex <command> [flags]\n\nCommands:")
	list(w, commands)
	fmt.Fprintln(w, "\nRun 'credex <command> --help' for a command's flags, 'credex --version' for the version and commit. Every flag can also be set by the CREDEX_* variable its help names.")
}

// list prints commands with their summaries, by name.
func list(w io.Writer, commands map[string]command) {
	for _, n := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
}

// flagSet returns a flag set that prints its usage with a synopsis.
func flagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("credex "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: credex %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// envName finds the CREDEX_* variable a flag's help names at its end, such
// as "(CREDEX_ADDR)".
var envName = regexp.MustCompile(`\((CREDEX_[A-Z0-9_]+)\)$`)

// parse parses args, printing the usage to standard output for --help.
// Then it sets every flag that args left alone and whose help ends by
// naming a CREDEX_* variable from that variable, when it is set and not
// empty: a flag on the command line wins over the environment. A bad flag
// is errUsage (the flag set printed why); a malformed value of a variable
// is an error that names the variable, never a silent default. parse may be
// called again with the arguments left after an operand; it then leaves
// the flags set before as they are.
func parse(fs *flag.FlagSet, args []string) error {
	// The flag set prints why a flag is bad to its output, standard error;
	// help goes to standard output.
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		w := fs.Output()
		fs.SetOutput(os.Stdout)
		fs.Usage()
		fs.SetOutput(w)
		return err
	case err != nil:
		fs.Usage()
		return errUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		m := envName.FindStringSubmatch(f.Usage)
		if m == nil || set[f.Name] {
			return
		}
		v := os.Getenv(m[1])
		if v == "" {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, envError(m[1], v, f, err))
		}
	})
	return errors.Join(errs...)
}

// envError says why the value v of variable does not fit flag f.
func envError(variable, v string, f *flag.Flag, err error) error {
	var want string
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case bool:
			want = "true or false"
		case int, int64, uint, uint64:
			want = "a whole number"
		case float64:
			want = "a number"
		case time.Duration:
			want = "a duration such as 90s, 15m or 24h"
		}
	}
	if want != "" {
		return fmt.Errorf("%s=%q: %v: want %s", variable, v, err, want)
	}
	return fmt.Errorf("%s=%q: %w", variable, v, err)
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
