package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func catalogDoc(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("catalog doc", "catalog doc [flags]")
	dir := fs.String("dir", "schemas", "catalogue `dir`")
	dest := fs.String("out", "docs/catalog.md", "Markdown `file` to write; - for standard output")
	if err := parse(fs, args); err != nil {
		return err
	}
	cat, err := loadCatalog(*dir)
	if err != nil {
		return err
	}
	var doc bytes.Buffer
	if err := cat.WriteMarkdown(&doc); err != nil {
		return err
	}
	if *dest == "-" {
		_, err := out.Write(doc.Bytes())
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*dest), 0o755); err != nil {
		return fmt.Errorf("write catalogue document: %w", err)
	}
	if err := os.WriteFile(*dest, doc.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write catalogue document: %w", err)
	}
	fmt.Fprintf(out, "%s: %d record types documented from %s\n", *dest, len(cat.Types()), *dir)
	return nil
}
