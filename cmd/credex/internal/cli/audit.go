package cli

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/store"
)

// auditCommands are the subcommands of credex audit.
var auditCommands = map[string]command{
	"verify": {"check that the audit log is whole and unaltered", auditVerify},
}

func auditCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		if cmd, ok := auditCommands[args[0]]; ok {
			return cmd.run(ctx, args[1:], out)
		}
	}
	fmt.Fprintln(out, "Usage: credex audit <command> [flags]\n\nCommands:")
	list(out, auditCommands)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		return flag.ErrHelp
	}
	return errUsage
}

// auditVerify streams the whole audit log through audit.Verify, up to the
// head read first, so a hub may keep appending meanwhile.
func auditVerify(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("audit verify", "audit verify [flags]")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: credex audit verify [flags]

Reads the whole audit log and checks its hash chain: every entry numbered
from 1 without gaps, linked to the entry before, hashing to its stored hash,
and the last one matching the head the hub recorded. Prints the number of
entries and the last hash, or names the first entry that is wrong and exits 1.

Someone able to rewrite the database could recompute every hash after an
entry they changed. Keep the seq and hash a run prints outside the database
and pass them to later runs with --anchor: the entry must still have it.

Flags:
`)
		fs.PrintDefaults()
	}
	dbURL := fs.String("database-url", "", "PostgreSQL `url` of the public credit database (CREDEX_DATABASE_URL)")
	anchor := fs.String("anchor", "", "`seq:hash` printed by an earlier run; fail unless entry seq still has this hash")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	var want audit.Head
	if *anchor != "" {
		seq, hash, ok := strings.Cut(*anchor, ":")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok || err != nil || n < 1 || hash == "" {
			fmt.Fprintf(fs.Output(), "--anchor %q: want seq:hash, such as 42:%s\n", *anchor, strings.Repeat("0", 64))
			return errUsage
		}
		want = audit.Head{Seq: n, Hash: hash}
	}
	if *dbURL == "" {
		return fmt.Errorf("no database: pass --database-url or set CREDEX_DATABASE_URL")
	}
	st, err := store.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	head, err := st.AuditHead(ctx)
	if err != nil {
		return err
	}
	var anchored string
	entries := func(yield func(audit.Stored, error) bool) {
		for e, err := range st.AuditLog(ctx, head.Seq) {
			if err == nil && e.Seq == want.Seq {
				anchored = e.Hash
			}
			if !yield(e, err) {
				return
			}
		}
	}
	got, err := audit.Verify(entries, head)
	switch {
	case err != nil:
		return err
	case want.Seq > got.Seq:
		return fmt.Errorf("--anchor: the log has %d entries, not %d", got.Seq, want.Seq)
	case want.Seq > 0 && anchored != want.Hash:
		return fmt.Errorf("audit log entry %d: rewritten: its hash is %s, the anchor says %s", want.Seq, anchored, want.Hash)
	}
	fmt.Fprintf(out, "audit log intact: %d entries, last hash %s\n", got.Seq, cmp.Or(got.Hash, "(none)"))
	return nil
}
