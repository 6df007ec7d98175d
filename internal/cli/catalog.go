package cli

import (
	"context"
	"fmt"
	"io"
)

func catalogCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "lint" {
		fmt.Fprintln(out, "Usage: credex catalog lint [--dir DIR]\n\n  lint   check that the catalogue loads: manifest, schemas and examples")
		return errUsage
	}
	fs := flagSet("catalog lint", "catalog lint [flags]")
	dir := fs.String("dir", "schemas", "catalogue `dir`")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cat, err := loadCatalog(*dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %d record types, all schemas compile and examples pass\n", *dir, len(cat.Types()))
	return nil
}
