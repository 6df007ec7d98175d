package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/credex/credex/catalog"
)

// catalogLint checks a catalogue directory and prints every problem as
// FILE:POINTER: message, with FILE relative to the directory. It fails when
// there is any.
func catalogLint(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("catalog lint", "catalog lint [flags]")
	dir := fs.String("dir", "schemas", "catalogue `dir`: catalog.yaml, departments.yaml, schemas and examples")
	if err := parse(fs, args); err != nil {
		return err
	}
	problems := catalog.Lint(os.DirFS(*dir))
	for _, p := range problems {
		fmt.Fprintln(out, p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %d problems", *dir, len(problems))
	}
	cat, err := catalog.Load(os.DirFS(*dir))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %d record types, no problems\n", *dir, len(cat.Types()))
	return nil
}
