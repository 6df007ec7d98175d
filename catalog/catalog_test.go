package catalog

import (
	"encoding/json"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/credex/credex/schemas"
)

// loadDefault loads the embedded catalogue or stops the test.
func loadDefault(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load(schemas.FS)
	if err != nil {
		t.Fatalf("Load(schemas.FS): %v", err)
	}
	return c
}

// typeOf returns the record type code of the embedded catalogue.
func typeOf(t testing.TB, c *Catalog, code string) *RecordType {
	t.Helper()
	rt, ok := c.Type(code)
	if !ok {
		t.Fatalf("no record type %q", code)
	}
	return rt
}

// copyFS returns a modifiable copy of the embedded catalogue.
func copyFS(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(schemas.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(schemas.FS, p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLoadEmbeddedCatalogue(t *testing.T) {
	t.Parallel()
	c := loadDefault(t)

	var codes []string
	for _, rt := range c.Types() {
		codes = append(codes, rt.Code)
	}
	want := strings.Join([]string{
		"administrative_licence", "administrative_penalty", "credit_commitment", "enforcement_default",
		"honour_commendation", "identity_registration", "labour_social_security_violation",
		"professional_misconduct", "professional_qualification", "serious_dishonesty", "student_credit",
		"tax_credit", "traffic_violation", "volunteer_service",
	}, " ")
	if got := strings.Join(codes, " "); got != want {
		t.Errorf("Types() = %s, want %s", got, want)
	}

	penalty := typeOf(t, c, "administrative_penalty")
	if penalty.Class != Negative || penalty.Disclosure != Public || penalty.Compatibility != Backward ||
		penalty.Version != 1 || !penalty.LegalBasisRequired || penalty.NameZH != "行政处罚" {
		t.Errorf("administrative_penalty metadata = %+v", penalty)
	}
	wantPeriods := map[string]Period{"minor": {0, 3}, "general": {3, 12}, "serious": {12, 36}}
	for severity, want := range wantPeriods {
		if got := penalty.Display.Periods[severity]; got != want {
			t.Errorf("display period of a %s penalty = %+v, want %+v", severity, got, want)
		}
	}
	if rt := typeOf(t, c, "serious_dishonesty"); rt.Class != SeriousDishonesty {
		t.Errorf("serious_dishonesty class = %q", rt.Class)
	}
	if !slices.Equal(penalty.Requires, []string{"legal_basis", "decision.document_no", "decision.date", "decision.authority"}) ||
		!slices.Contains(penalty.Sharing.Usage, UsagePublicDisplay) || !slices.Contains(penalty.Sharing.Scope, ScopePublic) {
		t.Errorf("administrative_penalty requires %v, sharing %+v", penalty.Requires, penalty.Sharing)
	}
	if rt := typeOf(t, c, "volunteer_service"); rt.LegalBasisRequired {
		t.Error("volunteer_service requires a legal basis, though its requires does not list legal_basis")
	}
	if d, ok := c.Department("tax"); !ok || d.NameZH != "税务部门" {
		t.Errorf(`Department("tax") = %+v, %v`, d, ok)
	}
	if _, ok := c.Type("no_such_type"); ok {
		t.Error(`Type("no_such_type") reported a type`)
	}
}

func TestRecordTypeServesAsJSON(t *testing.T) {
	t.Parallel()
	rt := typeOf(t, loadDefault(t), "administrative_penalty")
	raw, err := json.Marshal(rt)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"code", "name_zh", "name_en", "class", "disclosure", "departments",
		"compatibility", "display", "legal_basis_required", "version", "schema", "example", "sharing", "requires"} {
		if _, ok := got[key]; !ok {
			t.Errorf("JSON of a record type lacks %q", key)
		}
	}
}

// The pipeline reads /subject and /decision of every record type alike.
func TestEveryTypeSharesTheCommonShape(t *testing.T) {
	t.Parallel()
	var first map[string]json.RawMessage
	for _, rt := range loadDefault(t).Types() {
		var s struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(rt.Schema, &s); err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = s.Properties
			continue
		}
		for _, field := range []string{"subject", "decision", "legal_basis"} {
			if string(s.Properties[field]) != string(first[field]) {
				t.Errorf("%s: /properties/%s differs from the other types'", rt.Code, field)
			}
		}
	}
}

// Problems of single files are specified by TestLint with its fixtures;
// these are the catalogue's files missing altogether.
func TestLoadRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		remove string
		want   string
	}{
		{"no manifest", ManifestFile, ManifestFile + ": cannot be read"},
		{"no department registry", DepartmentsFile, DepartmentsFile + ": cannot be read"},
		{"a missing schema file", "serious_dishonesty.schema.json", "/schema: cannot read serious_dishonesty.schema.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fsys := copyFS(t)
			delete(fsys, tt.remove)
			_, err := Load(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v, want one with %q", err, tt.want)
			}
		})
	}
}
