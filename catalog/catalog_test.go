package catalog

import (
	"encoding/json"
	"io/fs"
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
	if got, want := strings.Join(codes, " "), "administrative_licence administrative_penalty serious_dishonesty"; got != want {
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
		"compatibility", "display", "legal_basis_required", "version", "schema", "example"} {
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

func TestLoadRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(fstest.MapFS)
		want []string // substrings of the error
	}{
		{
			name: "an unknown key in the manifest",
			edit: replace(ManifestFile, "    legal_basis_required: true\n    version: 1\n    schema: administrative_licence",
				"    legal_basis_required: true\n    retention: 5y\n    version: 1\n    schema: administrative_licence"),
			want: []string{ManifestFile, "field retention not found"},
		},
		{
			name: "an unknown class",
			edit: replace(ManifestFile, "class: negative", "class: bad"),
			want: []string{ManifestFile, "administrative_penalty", "class", `"bad"`},
		},
		{
			name: "an unknown disclosure",
			edit: replace(ManifestFile, "disclosure: public\n    departments: [court", "disclosure: everyone\n    departments: [court"),
			want: []string{"serious_dishonesty", "disclosure"},
		},
		{
			name: "a missing schema file",
			edit: func(m fstest.MapFS) { delete(m, "serious_dishonesty.schema.json") },
			want: []string{"serious_dishonesty", "schema", "serious_dishonesty.schema.json"},
		},
		{
			name: "a schema that is not JSON",
			edit: func(m fstest.MapFS) { m["serious_dishonesty.schema.json"].Data = []byte("{") },
			want: []string{"serious_dishonesty.schema.json"},
		},
		{
			name: "a schema that breaks the meta-schema",
			edit: replace("administrative_licence.schema.json", `"minLength": 1`, `"minLength": "one"`),
			want: []string{"administrative_licence.schema.json"},
		},
		{
			name: "display periods that miss a severity",
			edit: replace(ManifestFile, "        minor: {min_months: 0, max_months: 3}\n", ""),
			want: []string{"administrative_penalty", "display", "severity"},
		},
		{
			name: "a display period whose minimum exceeds its maximum",
			edit: replace(ManifestFile, "default: {min_months: 12,", "default: {min_months: 40,"),
			want: []string{"serious_dishonesty", "display"},
		},
		{
			name: "legal basis not required by the schema",
			edit: replace("administrative_licence.schema.json", `"legal_basis",`+"\n", ""),
			want: []string{"administrative_licence", "legal_basis"},
		},
		{
			name: "a missing example",
			edit: func(m fstest.MapFS) { delete(m, "examples/administrative_penalty/valid.json") },
			want: []string{"administrative_penalty", "example"},
		},
		{
			name: "an example that fails its schema",
			edit: replace("examples/administrative_penalty/valid.json", `"general"`, `"grave"`),
			want: []string{"examples/administrative_penalty/valid.json", "not_allowed_value /severity"},
		},
		{
			name: "a code listed twice",
			edit: func(m fstest.MapFS) {
				f := m[ManifestFile]
				licence := strings.SplitAfter(string(f.Data), "schema: administrative_licence.schema.json\n")[0]
				f.Data = append(f.Data, licence[strings.Index(licence, "  - code:"):]...)
			},
			want: []string{"listed twice"},
		},
		{
			name: "no manifest",
			edit: func(m fstest.MapFS) { delete(m, ManifestFile) },
			want: []string{ManifestFile},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fsys := copyFS(t)
			tt.edit(fsys)
			_, err := Load(fsys)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// replace returns an edit that replaces old, which must occur, by new in file.
func replace(file, old, new string) func(fstest.MapFS) {
	return func(m fstest.MapFS) {
		f := m[file]
		if !strings.Contains(string(f.Data), old) {
			panic(file + " lacks " + old)
		}
		f.Data = []byte(strings.Replace(string(f.Data), old, new, 1))
	}
}
