package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/credex/credex/store"
)

// rekey replaces the subject key: every keyed ID number hash in the
// database is recomputed under the new key, in one transaction. The keys
// are read from environment variables, never from flags, so that they do
// not show in the process list.
func rekey(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("rekey", "rekey --old-key-env NAME --new-key-env NAME [flags]")
	dbURL := fs.String("database-url", "", "PostgreSQL `url` of the public credit database (CREDEX_DATABASE_URL)")
	oldEnv := fs.String("old-key-env", "CREDEX_SUBJECT_KEY", "`name` of the environment variable holding the subject key in force")
	newEnv := fs.String("new-key-env", "CREDEX_SUBJECT_KEY_NEW", "`name` of the environment variable holding the new subject key (16 bytes or more)")
	if err := parse(fs, args); err != nil {
		return err
	}
	oldKey, newKey := os.Getenv(*oldEnv), os.Getenv(*newEnv)
	switch {
	case *dbURL == "":
		return errors.New("no database: pass --database-url or set CREDEX_DATABASE_URL")
	case oldKey == "":
		return fmt.Errorf("%s is not set: it holds the subject key in force", *oldEnv)
	case len(newKey) < 16:
		return fmt.Errorf("%s: the new subject key must be 16 bytes or more", *newEnv)
	case oldKey == newKey:
		return errors.New("the new subject key is the old one")
	}
	st, err := store.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	n, err := st.Rekey(ctx, []byte(oldKey), []byte(newKey))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "rekeyed %d subjects: %d records, %d ledger heads, %d events, %d subject sequences, "+
		"%d authorisations (ended: persons grant them again)\n"+
		"restart every hub with CREDEX_SUBJECT_KEY set to the new key\n",
		n.Subjects, n.Records, n.Heads, n.Events, n.Sequences, n.Authorisations)
	return nil
}
