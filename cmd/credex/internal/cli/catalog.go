package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// catalogCommands are the subcommands of credex catalog.
var catalogCommands = map[string]command{
	"doc":     {"write the catalogue document for departments (docs/catalog.md)", catalogDoc},
	"diff":    {"compare two schema versions under a compatibility mode", catalogDiff},
	"lint":    {"check the catalogue: schemas, examples, metadata", catalogLint},
	"publish": {"publish record type versions to a running hub", catalogPublish},
}

func catalogCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		if cmd, ok := catalogCommands[args[0]]; ok {
			return cmd.run(ctx, args[1:], out)
		}
	}
	fmt.Fprintln(out, "Usage: credex catalog <command> [flags]\n\nCommands:")
	list(out, catalogCommands)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		return flag.ErrHelp
	}
	return errUsage
}
