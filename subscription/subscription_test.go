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

func TestMask(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, in, want string
	}{
		{"subject", `{"subject":{"name":"王小明","id_number":"500103196607041934"}}`,
			`{"subject":{"id_number":"5001**********1934","name":"王小明"}}`},
		{"deeply nested", `{"a":{"b":{"c":{"id_number":"11010119900307451X"}}}}`,
			`{"a":{"b":{"c":{"id_number":"1101**********451X"}}}}`},
		{"objects in arrays", `{"parties":[{"id_number":"500103196607041934"},{"id_number":"11010119900307451X","role":"guarantor"}]}`,
			`{"parties":[{"id_number":"5001**********1934"},{"id_number":"1101**********451X","role":"guarantor"}]}`},
		{"top-level array", `[{"id_number":"500103196607041934"},[{"x":{"id_number":"500103196607041934"}}]]`,
			`[{"id_number":"5001**********1934"},[{"x":{"id_number":"5001**********1934"}}]]`},
		{"a number that is no ID of that length is starred through", `{"id_number":"12345"}`, `{"id_number":"*****"}`},
		{"other fields untouched, numbers kept exactly", `{"amount_yuan":12345678901234567890.50,"note":"x","n":null,"ok":true}`,
			`{"amount_yuan":12345678901234567890.50,"n":null,"note":"x","ok":true}`},
		{"a non-string id_number is left as it is", `{"id_number":{"id_number":"500103196607041934"}}`,
			`{"id_number":{"id_number":"5001**********1934"}}`},
		{"scalar", `"500103196607041934"`, `"500103196607041934"`},
		{"null", `null`, `null`},
		{"not JSON", `{"subject": {"id_number": "500103196607041934"`, `null`},
		{"empty", ``, `null`},
		{"text", `id_number=500103196607041934`, `null`},
	} {
		if got := string(subscription.Mask(json.RawMessage(c.in))); got != c.want {
			t.Errorf("%s: Mask(%s) = %s, want %s", c.name, c.in, got, c.want)
		}
	}
}

// TestRender: the agency sees ID numbers in full only for the types of its
// subscription's FullIDTypes; everything else of the event is carried over.
func TestRender(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 11, 2, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	e := store.Event{Seq: 7, ID: "evt_1", Type: "record.created", RecordID: "rec_1", Version: 2,
		RecordType: "administrative_penalty", Department: "11500103540776846N", SubjectKey: "k",
		Sequence: 3, CatalogVersion: 1, CreatedAt: created,
		Data: []byte(`{"subject": {"id_number": "500103196607041934", "name": "王小明"}}`)}

	masked := subscription.Render(&store.Subscription{FullIDTypes: []string{"tax_credit"}}, e)
	if strings.Contains(string(masked.Data), "500103196607041934") || !strings.Contains(string(masked.Data), "5001**********1934") {
		t.Errorf("rendered for a type not seen in full: %s", masked.Data)
	}
	fullView := subscription.Render(&store.Subscription{FullIDTypes: []string{"administrative_penalty"}}, e)
	if string(fullView.Data) != string(e.Data) {
		t.Errorf("rendered for a type seen in full: %s, want %s", fullView.Data, e.Data)
	}
	want := subscription.Event{ID: "evt_1", Type: "record.created", RecordID: "rec_1", RecordType: "administrative_penalty",
		Version: 2, Sequence: 3, CatalogVersion: 1, Department: "11500103540776846N", CreatedAt: created.UTC(),
		Data: fullView.Data, SubjectKey: "k"}
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

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
