package store_test

import (
	"slices"
	"testing"

	"github.com/credex/credex/principal"
)

// TestLegalBasesAreStoredWithTheAgency: an agency's legal bases come back
// with its principal, by key and by certificate, and a seed that drops them
// drops them.
func TestLegalBasesAreStoredWithTheAgency(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	cert := principal.CertHash([]byte("court certificate"))
	court := principal.SeedEntry{Kind: principal.Agency, Name: "court-enforcement", Key: "test-court-enforcement-key",
		CertSHA256: cert, Scope: "judiciary",
		LegalBases: []principal.LegalBasis{{Code: "LB-COURT", Types: []string{"tax_credit", "student_credit"}}}}
	bank := principal.SeedEntry{Kind: principal.Agency, Name: "commercial-bank", Key: "test-commercial-bank-key",
		Scope: "financial_institution"}
	if err := st.SavePrincipals(ctx, []principal.SeedEntry{court, bank}); err != nil {
		t.Fatal(err)
	}
	byKey, err := st.PrincipalByKey(ctx, court.Key)
	if err != nil {
		t.Fatal(err)
	}
	byCert, err := st.PrincipalByCert(ctx, cert)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*principal.Principal{byKey, byCert} {
		if lb, ok := p.LegalBasis("LB-COURT"); !ok || !slices.Equal(lb.Types, []string{"tax_credit", "student_credit"}) {
			t.Errorf("the court's LB-COURT = %+v, %v", lb, ok)
		}
	}
	if p, err := st.PrincipalByKey(ctx, bank.Key); err != nil || len(p.LegalBases) != 0 {
		t.Errorf("the bank = %+v, %v; want no legal bases", p, err)
	}
	court.LegalBases = nil
	if err := st.SavePrincipals(ctx, []principal.SeedEntry{court}); err != nil {
		t.Fatal(err)
	}
	if p, err := st.PrincipalByKey(ctx, court.Key); err != nil || len(p.LegalBases) != 0 {
		t.Errorf("the court after a seed without bases = %+v, %v; want none", p, err)
	}
}
