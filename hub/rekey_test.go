package hub_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

func TestRekeyReplacesEverySubjectHash(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	ctx := context.Background()
	keyA, keyB := b.cfg.SubjectKey, []byte("rotated-subject-key-9876543210")
	person := b.penaltyAbout(ident.NewCitizenID(b.rand), "REKEY-1", 1)
	other := b.penaltyAbout(ident.NewCitizenID(b.rand), "REKEY-2", 1)
	if status, body := b.publicQuery(person.name, person.idNumber); status != http.StatusOK || !strings.Contains(body, person.recordID) {
		t.Fatalf("before rekey the public query answered %d %s, want the record", status, body)
	}
	var grant struct{ ID string }
	if status := b.call(http.MethodPost, "/v1/authorisations", b.idToken(person.name, person.idNumber), map[string]any{"agency": "commercial-bank",
		"purpose": "住房按揭贷款审批", "types": []string{"tax_credit"}, "valid_days": 30}, &grant); status != http.StatusCreated {
		t.Fatalf("the person's grant answered %d, want 201", status)
	}
	st, err := store.Open(ctx, b.cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	if _, err := st.Rekey(ctx, []byte("not-the-key-in-force-000"), keyB); !errors.Is(err, store.ErrWrongOldKey) {
		t.Fatalf("rekey with a wrong old key = %v, want ErrWrongOldKey", err)
	}
	n, err := st.Rekey(ctx, keyA, keyB)
	if err != nil {
		t.Fatal(err)
	}
	if n.Subjects != 2 || n.Records != 2 || n.Heads != 2 || n.Authorisations != 1 {
		t.Fatalf("rekeyed %+v, want 2 subjects, records and heads, and the one authorisation", n)
	}

	for _, p := range []applicant{person, other} {
		oldHash, newHash := record.SubjectKey(keyA, p.idNumber), record.SubjectKey(keyB, p.idNumber)
		for _, table := range []string{"records", "record_heads", "events", "subject_sequences", "authorisations"} {
			if got := b.count(`SELECT count(*) FROM `+table+` WHERE subject_key = $1`, oldHash); got != 0 {
				t.Errorf("%s still has %d rows under the old hash", table, got)
			}
		}
		if got := b.count(`SELECT count(*) FROM records WHERE subject_key = $1`, newHash); got != 1 {
			t.Errorf("records has %d rows under the new hash, want 1", got)
		}
		if got := b.count(`SELECT count(*) FROM subject_rekeys WHERE old_subject = $1 AND new_subject = $2`, oldHash, newHash); got != 1 {
			t.Errorf("subject_rekeys does not map the old hash to the new one")
		}
	}

	b.cfg.SubjectKey = keyB
	rotated := b.sibling(t)
	if status, body := rotated.publicQuery(person.name, person.idNumber); status != http.StatusOK || !strings.Contains(body, person.recordID) {
		t.Fatalf("a hub under the new key answered %d %s, want the record", status, body)
	}
	if _, err := st.Rekey(ctx, keyA, keyB); !errors.Is(err, store.ErrWrongOldKey) {
		t.Fatalf("a second rekey from the retired key = %v, want ErrWrongOldKey", err)
	}
	// The person's access log still holds what was done before the
	// rotation, under the old hash.
	var log struct {
		Entries []struct{ Action, Resource string }
	}
	if status := rotated.call(http.MethodPost, "/v1/public/access-log", b.idToken(person.name, person.idNumber), map[string]any{}, &log); status != http.StatusOK ||
		!slices.ContainsFunc(log.Entries, func(e struct{ Action, Resource string }) bool {
			return e.Action == "authorisation.granted" && e.Resource == grant.ID
		}) {
		t.Fatalf("after the rotation the person's access log answered %d %+v, want the grant made before it", status, log.Entries)
	}
	// The grant's token names the person by the old hash: the person still
	// sees the grant under the new key, ended.
	var listed struct{ Authorisations []struct{ ID, Status string } }
	if status := rotated.call(http.MethodGet, "/v1/authorisations", b.idToken(person.name, person.idNumber), nil, &listed); status != http.StatusOK ||
		len(listed.Authorisations) != 1 || listed.Authorisations[0].ID != grant.ID || listed.Authorisations[0].Status != "expired" {
		t.Fatalf("after the rotation the person's authorisations answered %d %+v, want the grant, expired", status, listed)
	}
}
