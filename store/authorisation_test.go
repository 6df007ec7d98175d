package store_test

import (
	"testing"
	"time"
)

// Grants made before the hub kept a row of each are taken from their audit
// entries, so that their persons can withdraw them too.
func TestGrantsOfBeforeTheirTableCanBeWithdrawn(t *testing.T) {
	t.Parallel()
	st, db, ctx := setupWithPool(t)
	granted := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	// Back to before the table, with a grant of that time and an inquiry.
	for _, q := range []string{
		`DROP TABLE authorisations`,
		`DELETE FROM schema_migrations WHERE version = 23`,
		`INSERT INTO audit_log (seq, at, principal, kind, action, resource, subject, purpose, result, prev_hash, hash) VALUES
		 (1, '2026-11-02T09:00:00Z', '', 'person', 'authorisation.granted', 'auz_0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'subject-a', 'commercial-bank: 住房按揭贷款审批: 首套', 'ok', '', 'h1'),
		 (2, '2026-11-02T09:05:00Z', '', 'person', 'authorisation.granted', 'auz_1f1e2d3c4b5a69788796a5b4c3d2e1f0', 'subject-a', 'commercial-bank: refused', 'identity_failed', 'h1', 'h2'),
		 (3, '2026-11-03T10:00:00Z', 'commercial-bank', 'agency', 'inquiry.read', '', 'subject-a', '住房按揭贷款审批 (authorisation auz_0f1e2d3c4b5a69788796a5b4c3d2e1f0)', 'ok', 'h2', 'h3')`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	grants, err := st.Authorisations(ctx, "subject-a", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(grants) != 1 {
		t.Fatalf("%d grants kept, want the one granted: %+v", len(grants), grants)
	}
	g := grants[0]
	if g.ID != "auz_0f1e2d3c4b5a69788796a5b4c3d2e1f0" || g.Agency != "commercial-bank" || g.Purpose != "住房按揭贷款审批: 首套" ||
		g.Issued != granted.Unix() || g.Expires != granted.Add(90*24*time.Hour).Unix() || len(g.Types) != 0 {
		t.Fatalf("kept %+v, want the grant of the audit entry, expiring after 90 days", g)
	}
	if g.Status(granted.Add(24*time.Hour)) != "in_force" || g.Status(granted.Add(91*24*time.Hour)) != "expired" {
		t.Fatalf("status a day and 91 days after its grant: %s, %s", g.Status(granted.Add(24*time.Hour)), g.Status(granted.Add(91*24*time.Hour)))
	}
	if theirs, err := st.WithdrawAuthorisation(ctx, g.ID, "subject-b"); err != nil || theirs {
		t.Fatalf("another person withdrew it: %v, %v", theirs, err)
	}
	if theirs, err := st.WithdrawAuthorisation(ctx, g.ID, "subject-a"); err != nil || !theirs {
		t.Fatalf("its person's withdrawal: %v, %v", theirs, err)
	}
	if withdrawn, err := st.AuthorisationWithdrawn(ctx, g.ID); err != nil || !withdrawn {
		t.Fatalf("withdrawn = %v, %v after the withdrawal", withdrawn, err)
	}
}
