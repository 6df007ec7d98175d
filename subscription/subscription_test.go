package subscription_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/schemas"
	"github.com/credex/credex/store"
	"github.com/credex/credex/subscription"
)

// Outcomes of the entitlement table.
const (
	no   = "-"   // may not subscribe
	yes  = "y"   // may subscribe; ID numbers masked
	full = "yF"  // may subscribe; ID numbers in full
	ask  = "yA"  // may subscribe once an operator approves; ID numbers masked
	askF = "yAF" // may subscribe once an operator approves; ID numbers in full
)

// TestEntitleOverTheCatalogue writes out what each kind of agency may do
// with every record type of the catalogue, as its sharing scope and
// disclosure attribute say.
func TestEntitleOverTheCatalogue(t *testing.T) {
	t.Parallel()
	cat, err := catalog.Load(schemas.FS)
	if err != nil {
		t.Fatal(err)
	}
	scopes := []catalog.Scope{catalog.ScopeGovernment, catalog.ScopeJudiciary,
		catalog.ScopeFinancialInstitution, catalog.ScopeCreditServiceAgency}
	want := map[string][4]string{
		//                                  government judiciary financial credit service
		// government_shared, [government, judiciary]
		"identity_registration": {full, full, no, no},
		"traffic_violation":     {full, full, no, no},
		// government_shared, [government]
		"volunteer_service": {full, no, no, no},
		// public, shared with every kind of body by name
		"administrative_licence":           {full, full, yes, yes},
		"administrative_penalty":           {full, full, yes, yes},
		"serious_dishonesty":               {full, full, yes, yes},
		"honour_commendation":              {full, full, yes, yes},
		"enforcement_default":              {full, full, yes, yes},
		"professional_misconduct":          {full, full, yes, yes},
		"professional_qualification":       {full, full, yes, yes}, // banks not named: only as public
		"credit_commitment":                {full, full, yes, yes}, // idem
		"labour_social_security_violation": {full, full, yes, yes}, // idem
		// authorised_inquiry, [government, judiciary, financial, credit service]
		"tax_credit": {askF, askF, ask, ask},
		// authorised_inquiry, [government, financial, credit service]
		"student_credit": {askF, no, ask, ask},
	}
	for _, rt := range cat.Types() {
		if _, ok := want[rt.Code]; !ok {
			t.Errorf("record type %s is not in the table: write down who may receive it", rt.Code)
		}
	}
	for code, outcomes := range want {
		rt, ok := cat.Type(code)
		if !ok {
			t.Errorf("record type %s is not in the catalogue", code)
			continue
		}
		for i, scope := range scopes {
			e := subscription.Entitle(scope, rt)
			got := no
			if e.Allowed {
				got = "y"
				if e.NeedsApproval {
					got += "A"
				}
				if e.FullID {
					got += "F"
				}
			}
			if got != outcomes[i] {
				t.Errorf("%s for a %s agency: %q (%+v), want %q", code, scope, got, e, outcomes[i])
			}
		}
	}
}

// TestEntitleRules checks the rules on types made up for the purpose.
func TestEntitleRules(t *testing.T) {
	t.Parallel()
	rt := func(d catalog.Disclosure, scopes ...catalog.Scope) *catalog.RecordType {
		t := &catalog.RecordType{Code: "made_up", Disclosure: d}
		t.Sharing.Scope = scopes
		return t
	}
	for _, c := range []struct {
		name  string
		scope catalog.Scope
		t     *catalog.RecordType
		want  subscription.Entitlement
	}{
		{"public type, scope only public: everyone, masked", catalog.ScopeGovernment,
			rt(catalog.Public, catalog.ScopePublic), subscription.Entitlement{Allowed: true}},
		{"named judiciary sees in full", catalog.ScopeJudiciary,
			rt(catalog.Public, catalog.ScopePublic, catalog.ScopeJudiciary), subscription.Entitlement{Allowed: true, FullID: true}},
		{"named bank still masked", catalog.ScopeFinancialInstitution,
			rt(catalog.GovernmentShared, catalog.ScopeFinancialInstitution), subscription.Entitlement{Allowed: true}},
		{"not named, not public", catalog.ScopeCreditServiceAgency,
			rt(catalog.GovernmentShared, catalog.ScopeGovernment), subscription.Entitlement{}},
		{"authorised inquiry not shared: refused, not pending", catalog.ScopeFinancialInstitution,
			rt(catalog.AuthorisedInquiry, catalog.ScopeGovernment), subscription.Entitlement{NeedsApproval: true}},
		{"no scope at all", catalog.ScopeGovernment, rt(catalog.Public), subscription.Entitlement{}},
	} {
		if got := subscription.Entitle(c.scope, c.t); got.Allowed != c.want.Allowed || got.FullID != c.want.FullID ||
			(got.Allowed && got.NeedsApproval != c.want.NeedsApproval) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestRender: the agency sees ID numbers in full only for the types of its
// subscription's FullIDTypes, and the person by its own pseudonym;
// everything else of the event is carried over.
func TestRender(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 11, 2, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	e := store.Event{Seq: 7, ID: "evt_1", Type: "record.corrected", RecordID: "rec_1", Version: 2,
		RecordType: "administrative_penalty", Department: "11500103540776846N", SubjectKey: "k",
		Sequence: 3, CatalogVersion: 1, CreatedAt: created, Reason: "the number is 500103196607041934",
		Data: []byte(`{"subject": {"id_number": "500103196607041934", "name": "王小明"}, "facts": "身份证号500103196607041934"}`)}
	r := subscription.NewRenderer([]byte("test-subject-key-0123456789"))

	masked := r.Render(&store.Subscription{Agency: "bank", FullIDTypes: []string{"tax_credit"}}, e)
	if body := mustJSON(t, masked); strings.Contains(body, "500103196607041934") || strings.Count(body, "5001**********1934") != 3 {
		t.Errorf("rendered for a type not seen in full: %s", body)
	}
	fullView := r.Render(&store.Subscription{Agency: "regulator", FullIDTypes: []string{"administrative_penalty"}}, e)
	if string(fullView.Data) != string(e.Data) || fullView.Reason != e.Reason {
		t.Errorf("rendered for a type seen in full: %s, %q; want %s, %q", fullView.Data, fullView.Reason, e.Data, e.Reason)
	}
	want := subscription.Event{ID: "evt_1", Type: "record.corrected", RecordID: "rec_1", RecordType: "administrative_penalty",
		Version: 2, Sequence: 3, CatalogVersion: 1, Department: "11500103540776846N", CreatedAt: created.UTC(),
		Data: fullView.Data, Reason: e.Reason, Subject: fullView.Subject}
	if fullView.CreatedAt.Location() != time.UTC || !fullView.CreatedAt.Equal(created) {
		t.Errorf("created_at %v, want %v in UTC", fullView.CreatedAt, created)
	}
	fullView.CreatedAt = want.CreatedAt
	if g, w := mustJSON(t, fullView), mustJSON(t, want); g != w {
		t.Errorf("rendered %s, want %s", g, w)
	}
	if body := mustJSON(t, fullView); strings.Contains(body, `"k"`) || strings.Contains(body, "subject_key") {
		t.Errorf("the subject key is sent: %s", body)
	}
}

// TestPseudonyms: an agency knows a person by one pseudonym, in every
// event and subscription; another agency, another person or another hub
// key gives another.
func TestPseudonyms(t *testing.T) {
	t.Parallel()
	key := []byte("test-subject-key-0123456789")
	subject := func(r *subscription.Renderer, agency, subjectKey string) string {
		t.Helper()
		return r.Render(&store.Subscription{ID: "sbn_" + agency, Agency: agency}, store.Event{SubjectKey: subjectKey}).Subject
	}
	r := subscription.NewRenderer(key)
	const person, other = "5f0c3e", "9a7b21"
	p := subject(r, "bank", person)
	if len(p) != len("psn_")+32 || !strings.HasPrefix(p, "psn_") {
		t.Errorf("pseudonym %q, want psn_ and 32 characters", p)
	}
	for _, c := range []struct {
		name string
		got  string
		same bool
	}{
		{"same agency and person, another subscription", subject(r, "bank", person), true},
		{"same agency and person, a renderer of the same key", subject(subscription.NewRenderer(key), "bank", person), true},
		{"another agency", subject(r, "insurer", person), false},
		{"another person", subject(r, "bank", other), false},
		{"another hub key", subject(subscription.NewRenderer([]byte("another-subject-key-98765")), "bank", person), false},
		{"agency and person run together", subject(r, "bank5f", "0c3e"), false},
	} {
		if (c.got == p) != c.same {
			t.Errorf("%s: %q against %q, want same=%v", c.name, c.got, p, c.same)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
