package cli

import (
	"context"
	"fmt"
	"io"
)

func catalogLint(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("catalog lint", "catalog lint [flags]")
	dir := fs.String("dir", "schemas", "catalogue `dir`")
	if err := parse(fs, args); err != nil {
		return err
	}
	cat, err := loadCatalog(*dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %d record types, all schemas compile and examples pass\n", *dir, len(cat.Types()))
	return nil
}
