package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/credex/credex/store"
)

func migrate(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("migrate", "migrate [flags]")
	dbURL := fs.String("database-url", "", "PostgreSQL `url` of the public credit database (CREDEX_DATABASE_URL)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dbURL == "" {
		return fmt.Errorf("no database: pass --database-url or set CREDEX_DATABASE_URL")
	}
	st, err := store.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintln(out, "database is up to date")
	return nil
}
