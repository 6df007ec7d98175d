package catalog

import (
	"slices"
	"testing"
)

// edited returns a copy of the embedded catalogue's type code, changed by
// edit. Only the rules are copied; the schema is shared.
func edited(t *testing.T, code string, edit func(*RecordType)) *RecordType {
	t.Helper()
	c := *typeOf(t, loadDefault(t), code)
	c.Sharing = Sharing{Scope: slices.Clone(c.Sharing.Scope), Usage: slices.Clone(c.Sharing.Usage)}
	periods := map[string]Period{}
	for k, p := range c.Display.Periods {
		periods[k] = p
	}
	c.Display.Periods = periods
	edit(&c)
	return &c
}

func TestPolicyDiff(t *testing.T) {
	t.Parallel()
	type want struct {
		pointer, kind string
		widens        bool
	}
	for _, tc := range []struct {
		name string
		code string
		from func(*RecordType) // changes the old version; nil leaves it as in the catalogue
		edit func(*RecordType)
		want []want
	}{
		{name: "the same rules", code: "tax_credit", edit: func(*RecordType) {}},
		{name: "names and departments are not policy", code: "tax_credit", edit: func(r *RecordType) {
			r.NameEN, r.Departments = "Tax credit", []string{"tax", "finance"}
		}},
		{
			name: "authorised inquiry made public", code: "tax_credit",
			edit: func(r *RecordType) {
				r.Disclosure = Public
				r.Sharing.Scope = append(r.Sharing.Scope, ScopePublic)
				r.Sharing.Usage = append(r.Sharing.Usage, UsagePublicDisplay)
			},
			want: []want{
				{"/disclosure", "disclosure_widened", true},
				{"/sharing/scope/4", "scope_added", true},
				{"/sharing/usage/3", "usage_added", true},
			},
		},
		{
			name: "authorised inquiry shared with government", code: "tax_credit",
			edit: func(r *RecordType) { r.Disclosure = GovernmentShared },
			want: []want{{"/disclosure", "disclosure_widened", true}},
		},
		{
			name: "public made government shared", code: "administrative_penalty",
			edit: func(r *RecordType) {
				r.Disclosure = GovernmentShared
				r.Sharing.Scope = []Scope{ScopeGovernment, ScopeJudiciary}
				r.Sharing.Usage = slices.DeleteFunc(r.Sharing.Usage, func(u Usage) bool { return u == UsagePublicDisplay })
			},
			want: []want{
				{"/disclosure", "disclosure_narrowed", false},
				{"/sharing/scope", "scope_removed", false},
				{"/sharing/scope", "scope_removed", false},
				{"/sharing/scope", "scope_removed", false},
				{"/sharing/usage", "usage_removed", false},
			},
		},
		{
			name: "put on the black list", code: "administrative_penalty",
			edit: func(r *RecordType) { r.Class = SeriousDishonesty },
			want: []want{{"/class", "class_listed", true}},
		},
		{
			name: "taken off the black list", code: "serious_dishonesty",
			edit: func(r *RecordType) { r.Class = Negative },
			want: []want{{"/class", "class_changed", false}},
		},
		{
			name: "longer and shorter display", code: "administrative_penalty",
			edit: func(r *RecordType) {
				r.Display.Periods["serious"] = Period{MinMonths: 12, MaxMonths: 60}
				r.Display.Periods["general"] = Period{MinMonths: 6, MaxMonths: 6}
				r.Display.Periods["minor"] = Period{MinMonths: 0, MaxMonths: 0}
			},
			want: []want{
				{"/display/periods/general/max_months", "display_max_decreased", false},
				{"/display/periods/general/min_months", "display_min_increased", true},
				{"/display/periods/minor/max_months", "display_stopped", false},
				{"/display/periods/serious/max_months", "display_max_increased", true},
			},
		},
		{
			name: "displayed where it was not", code: "administrative_penalty",
			from: func(r *RecordType) { r.Display.Periods["minor"] = Period{MinMonths: 0, MaxMonths: 0} },
			edit: func(*RecordType) {},
			want: []want{{"/display/periods/minor/max_months", "display_started", true}},
		},
		{
			name: "display without end", code: "tax_credit",
			edit: func(r *RecordType) { r.Display = Display{} },
			want: []want{{"/display", "display_unbounded", true}},
		},
		{
			name: "periods chosen by another field", code: "tax_credit",
			edit: func(r *RecordType) {
				r.Display = Display{By: "severity", Periods: map[string]Period{"low": {0, 12}, "high": {12, 36}}}
			},
			want: []want{{"/display/by", "display_by_changed", false}},
		},
		{
			name: "periods chosen by another field, one longer", code: "tax_credit",
			edit: func(r *RecordType) {
				r.Display = Display{By: "severity", Periods: map[string]Period{"low": {0, 12}, "high": {24, 36}}}
			},
			want: []want{{"/display/by", "display_by_changed", true}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			old := typeOf(t, loadDefault(t), tc.code)
			if tc.from != nil {
				old = edited(t, tc.code, tc.from)
			}
			changes := PolicyDiff(old, edited(t, tc.code, tc.edit))
			var got []want
			for _, c := range changes {
				got = append(got, want{c.Pointer, c.Kind, c.Widens})
				if c.Reason == "" {
					t.Errorf("%s %s: no reason", c.Pointer, c.Kind)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("PolicyDiff =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

// Undoing a widening narrows: no policy change widens both ways.
func TestPolicyDiffIsOneWay(t *testing.T) {
	t.Parallel()
	old := typeOf(t, loadDefault(t), "tax_credit")
	public := edited(t, "tax_credit", func(r *RecordType) {
		r.Disclosure = Public
		r.Sharing.Scope = append(r.Sharing.Scope, ScopePublic)
		r.Sharing.Usage = append(r.Sharing.Usage, UsagePublicDisplay)
		r.Display.Periods[DefaultPeriod] = Period{MinMonths: 24, MaxMonths: 60}
	})
	if w := Widening(PolicyDiff(old, public)); len(w) != 4 {
		t.Errorf("widening changes = %+v, want 4", w)
	}
	if w := Widening(PolicyDiff(public, old)); len(w) != 0 {
		t.Errorf("back again, widening changes = %+v, want none", w)
	}
}

func TestPolicyDiffReasons(t *testing.T) {
	t.Parallel()
	old := typeOf(t, loadDefault(t), "tax_credit")
	changes := PolicyDiff(old, edited(t, "tax_credit", func(r *RecordType) { r.Disclosure = GovernmentShared }))
	want := "disclosure widened from authorised_inquiry to government_shared: records are shared between government bodies only, " +
		"where they are disclosed only on an inquiry the person authorised"
	if len(changes) != 1 || changes[0].Reason != want {
		t.Errorf("changes = %+v, want one with reason %q", changes, want)
	}
}
