package store_test

import (
	"slices"
	"testing"
	"time"

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

// TestInquiryQuotaIsTheAgencys: a seed's quota of inquiries a day holds for
// its agency only, an agency without one is not counted, and a seed without
// it lifts it.
func TestInquiryQuotaIsTheAgencys(t *testing.T) {
	t.Parallel()
	st, db, ctx := setupWithPool(t)
	court := principal.SeedEntry{Kind: principal.Agency, Name: "court-enforcement", Key: "test-court-enforcement-key", InquiriesPerDay: 2}
	bank := principal.SeedEntry{Kind: principal.Agency, Name: "commercial-bank", Key: "test-commercial-bank-key"}
	if err := st.SavePrincipals(ctx, []principal.SeedEntry{court, bank}); err != nil {
		t.Fatal(err)
	}
	today, tomorrow := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	count := func(agency string, day time.Time) bool {
		t.Helper()
		ok, err := st.CountInquiry(ctx, agency, day)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if got := []bool{count("court-enforcement", today), count("court-enforcement", today), count("court-enforcement", today),
		count("court-enforcement", tomorrow)}; !slices.Equal(got, []bool{true, true, false, true}) {
		t.Fatalf("the court's inquiries counted %v, want two today, none more, then one tomorrow", got)
	}
	for i := range 5 {
		if !count("commercial-bank", today) {
			t.Fatalf("the bank's inquiry %d was refused; it has no quota", i+1)
		}
	}
	var rows int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM inquiry_counts WHERE agency = 'commercial-bank'`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("the bank, without a quota, has %d counts (%v), want none written", rows, err)
	}
	court.InquiriesPerDay = 0
	if err := st.SavePrincipals(ctx, []principal.SeedEntry{court}); err != nil {
		t.Fatal(err)
	}
	if !count("court-enforcement", today) {
		t.Fatal("the court's inquiry was refused after a seed without its quota")
	}
}
