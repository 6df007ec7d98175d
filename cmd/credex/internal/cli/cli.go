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
	"slices"
	"strings"
	"syscall"
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
	"publish": {"send records to a hub from an NDJSON or JSON file", publish},
	"catalog": {"work with the record type catalogue", catalogCmd},
	"audit":   {"verify the audit log of accesses to personal data", auditCmd},
	"rekey":   {"replace the subject key that hashes ID numbers in the database", rekey},
}

// errUsage means the flags were wrong; the flag set printed why.
var errUsage = errors.New("usage")

// Run runs the credex command with args (without the program name) and
// returns the exit status.
func Run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(os.Stdout)
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
	default:
		fmt.Fprintf(os.Stderr, "credex %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "credex is the exchange hub of a city's personal credit system.\n\nUsage: credex <command> [flags]\n\nCommands:")
	list(w, commands)
	fmt.Fprintln(w, "\nRun 'credex <command> --help' for a command's flags. Every flag can also be set by the CREDEX_* variable its help names.")
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

// parse parses args and turns a bad flag into errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// env returns the value of a CREDEX_* variable, or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
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
