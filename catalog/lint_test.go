package catalog

import (
	"os"
	"path"
	"strings"
	"testing"

	"github.com/credex/credex/schemas"
)

// Each directory under testdata/lint is a small catalogue with one class of
// defect; "clean" is the catalogue they all start from. Lint reports exactly
// the problems listed: the file, the pointer and a word of the message.
func TestLint(t *testing.T) {
	t.Parallel()
	const (
		manifest = "catalog.yaml"
		schema   = "tax_penalty.schema.json"
		valid    = "examples/tax_penalty/valid.json"
		invalid  = "examples/tax_penalty/invalid-severity.json"
	)
	tests := []struct {
		fixture string
		want    []Problem // Message holds a word the message must contain
	}{
		{"clean", nil},

		// Schemas.
		{"schema_does_not_compile", []Problem{{schema, "", "does not compile"}}},
		{"schema_not_json", []Problem{{schema, "", "not a JSON object"}}},
		{"property_without_description", []Problem{{schema, "/properties/severity/description", "describe"}}},
		{"nested_property_without_description", []Problem{
			{schema, "/properties/decision/properties/authority/properties/name/description", "describe"}}},
		{"required_decision_field_missing", []Problem{{schema, "/properties/decision/required", "decision.date"}}},
		{"legal_basis_not_required", []Problem{{schema, "/required", "legal_basis"}}},
		{"id_number_without_format", []Problem{{schema, "/properties/subject/properties/id_number/format", "citizen-id"}}},
		{"display_by_not_required", []Problem{{schema, "/required", "severity"}}},
		{"schema_of_no_type", []Problem{{"ghost.schema.json", "", "no record type"}}},

		// Examples.
		{"valid_example_fails", []Problem{{valid, "/severity", "labelled valid"}}},
		{"invalid_example_passes", []Problem{{invalid, "/data", "data is valid"}}},
		{"wrong_expected_code", []Problem{{invalid, "/expect/code", "not_allowed_value"}}},
		{"wrong_expected_pointer", []Problem{{invalid, "/expect/pointer", "/severity"}}},
		{"invalid_example_gives_two_errors", []Problem{{invalid, "/data", "exactly"}}},
		{"unlabelled_invalid_example", []Problem{{invalid, "/expect/code", "missing"}}},
		{"missing_valid_example", []Problem{{valid, "", "missing"}}},
		{"misnamed_example", []Problem{{"examples/tax_penalty/notes.txt", "", "invalid-<what>.json"}}},
		{"examples_of_no_type", []Problem{{"examples/ghost", "", "no record type"}}},

		// The manifest.
		{"empty_manifest", []Problem{
			{manifest, "", "mapping"},
			{"examples/tax_penalty", "", "no record type"},
			{schema, "", "no record type"},
		}},
		{"duplicate_code", []Problem{{manifest, "/types/1/code", "twice"}}},
		{"bad_code", []Problem{{manifest, "/types/0/code", "not a code"}}},
		{"missing_name", []Problem{{manifest, "/types/0/name_en", "missing"}}},
		{"unknown_class", []Problem{{manifest, "/types/0/class", "not a class"}}},
		{"unknown_disclosure", []Problem{{manifest, "/types/0/disclosure", "not a disclosure"}}},
		{"unknown_compatibility", []Problem{{manifest, "/types/0/compatibility", "backward_transitive"}}},
		{"unknown_sharing_scope", []Problem{{manifest, "/types/0/sharing/scope/1", "neighbours"}}},
		{"unknown_usage", []Problem{{manifest, "/types/0/sharing/usage/2", "gossip"}}},
		{"public_disclosure_not_shared_with_public", []Problem{{manifest, "/types/0/sharing/scope", "include public"}}},
		{"joint_reward_on_negative_type", []Problem{{manifest, "/types/0/sharing/usage/1", "positive"}}},
		{"unknown_department", []Problem{{manifest, "/types/0/departments/1", "weather_bureau"}}},
		{"min_exceeds_max", []Problem{{manifest, "/types/0/display/periods/minor/min_months", "exceeds"}}},
		{"negative_display_over_five_years", []Problem{{manifest, "/types/0/display/periods/serious/max_months", "five years"}}},
		{"negative_without_display", []Problem{{manifest, "/types/0/display", "needs display periods"}}},
		{"display_period_missing_a_value", []Problem{{manifest, "/types/0/display/periods", "one key per value"}}},
		{"unknown_manifest_key", []Problem{{manifest, "/types/0/retention", "unknown key"}}},
		{"legal_basis_required_key", []Problem{{manifest, "/types/0/legal_basis_required", "requires"}}},

		// The department registry.
		{"duplicate_department", []Problem{{"departments.yaml", "/departments/2/code", "twice"}}},
		{"unknown_department_key", []Problem{{"departments.yaml", "/departments/1/website", "unknown key"}}},

		// Lint goes on after the first problem.
		{"several_defects", []Problem{
			{manifest, "/types/0/class", "grey"},
			{manifest, "/types/0/departments/1", "weather_bureau"},
			{schema, "/properties/severity/description", "describe"},
		}},
	}
	specified := map[string]bool{}
	for _, tt := range tests {
		specified[tt.fixture] = true
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			fsys := os.DirFS(path.Join("testdata/lint", tt.fixture))
			got := Lint(fsys)
			for i := range max(len(got), len(tt.want)) {
				switch {
				case i >= len(got):
					t.Errorf("missing problem %s:%s: …%s…", tt.want[i].File, tt.want[i].Pointer, tt.want[i].Message)
				case i >= len(tt.want):
					t.Errorf("unexpected problem %s", got[i])
				case got[i].File != tt.want[i].File || got[i].Pointer != tt.want[i].Pointer ||
					!strings.Contains(got[i].Message, tt.want[i].Message):
					t.Errorf("problem %s, want %s:%s: …%s…", got[i], tt.want[i].File, tt.want[i].Pointer, tt.want[i].Message)
				}
			}
			if _, err := Load(fsys); (err == nil) != (len(tt.want) == 0) {
				t.Errorf("Load error = %v, want one exactly when Lint finds problems", err)
			}
		})
	}
	fixtures, err := os.ReadDir("testdata/lint")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		if !specified[f.Name()] {
			t.Errorf("testdata/lint/%s is in no test case", f.Name())
		}
	}
}

func TestLintTheCatalogue(t *testing.T) {
	t.Parallel()
	for _, p := range Lint(schemas.FS) {
		t.Errorf("%s", p)
	}
}

// Load's error names every problem, one a line.
func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := Load(os.DirFS("testdata/lint/several_defects"))
	if err == nil {
		t.Fatal("Load accepted a catalogue with problems")
	}
	for _, want := range []string{
		"3 problems",
		"\ncatalog.yaml:/types/0/class: ",
		"\ncatalog.yaml:/types/0/departments/1: ",
		"\ntax_penalty.schema.json:/properties/severity/description: ",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load error %q lacks %q", err, want)
		}
	}
}

func TestProblemString(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		p    Problem
		want string
	}{
		{Problem{"catalog.yaml", "/types/0/class", "bad"}, "catalog.yaml:/types/0/class: bad"},
		{Problem{"x.schema.json", "", "not JSON"}, "x.schema.json: not JSON"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}
