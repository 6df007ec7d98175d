package catalog

import (
	"encoding/json"
	"io/fs"
	"path"
	"testing"

	"github.com/xeipuuv/gojsonschema"

	"github.com/credex/credex/schemas"
)

// fastCases are schemas beyond the catalogue's, each with instances and the
// verdict a fastSchema must give them; unsure where gojsonschema must decide.
var fastCases = []struct {
	schema    string
	instances map[string]verdict
}{
	{`{"type": "integer", "minimum": 1, "exclusiveMaximum": 10}`, map[string]verdict{
		`1`: valid, `9`: valid, `0`: invalid, `10`: invalid, `1.0`: valid, `2.5`: invalid, `1e0`: valid,
		`9.999999999999999999999`: invalid, `"1"`: invalid, `null`: invalid,
	}},
	{`{"type": ["number", "null"], "maximum": 0.1, "exclusiveMinimum": -1}`, map[string]verdict{
		`0.1`: valid, `0.1000000000000000001`: invalid, `-1`: invalid, `-0.99`: valid, `null`: valid, `true`: invalid,
	}},
	{`{"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^[a-z甲乙]+$"}`, map[string]verdict{
		`"ab"`: valid, `"甲乙丙"`: invalid, `"甲乙"`: valid, `"a"`: invalid, `"abcd"`: invalid, `"aB"`: invalid, `12`: invalid,
	}},
	{`{"format": "date"}`, map[string]verdict{
		`"2024-02-29"`: valid, `"2023-02-29"`: invalid, `12`: unsure, `null`: valid, `{}`: valid,
	}},
	{`{"enum": ["a", true, null, 1]}`, map[string]verdict{
		`"a"`: valid, `"b"`: invalid, `true`: valid, `false`: invalid, `null`: valid, `1`: unsure, `1.0`: unsure,
		`[]`: unsure, `"true"`: invalid,
	}},
	{`{"const": "x"}`, map[string]verdict{`"x"`: valid, `"y"`: invalid, `1`: invalid, `{"x": 1}`: invalid}},
	{`{"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "integer"}, "maxProperties": 2}`, map[string]verdict{
		`{"a": "x"}`: valid, `{"a": "x", "b": 1}`: valid, `{"a": "x", "b": "1"}`: invalid, `{"b": 1}`: invalid,
		`{"a": "x", "b": 1, "c": 2}`: invalid, `{"a": 1}`: invalid, `[]`: invalid,
	}},
	{`{"properties": {"a": false}, "additionalProperties": false, "minProperties": 1}`, map[string]verdict{
		`{}`: invalid, `{"a": 1}`: invalid, `{"b": 1}`: invalid, `"any string"`: valid,
	}},
	{`{"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3, "uniqueItems": true, "contains": {"const": "k"}}`, map[string]verdict{
		`["k"]`: valid, `["a", "k"]`: valid, `[]`: invalid, `["a"]`: invalid, `["k", "k"]`: invalid,
		`["a", "b", "c", "k"]`: invalid, `["k", 1]`: invalid,
	}},
	{`{"uniqueItems": true}`, map[string]verdict{`[1, 1.0]`: unsure, `["1", 1]`: unsure, `["a", "b"]`: valid, `["a", "a"]`: invalid}},
	{`{"if": {"properties": {"kind": {"const": "fine"}}, "required": ["kind"]}, "then": {"required": ["amount"]}, "else": {"not": {"required": ["amount"]}}}`, map[string]verdict{
		`{"kind": "fine", "amount": 1}`: valid, `{"kind": "fine"}`: invalid, `{"kind": "warning"}`: valid,
		`{"kind": "warning", "amount": 1}`: invalid, `{}`: valid,
	}},
	{`{"if": {"enum": [1]}, "then": true, "else": true}`, map[string]verdict{`1`: valid, `2`: valid}},
	{`{"if": {"enum": [1]}, "then": false}`, map[string]verdict{`1`: unsure, `"1"`: valid}},
	{`{"oneOf": [{"type": "string"}, {"maxLength": 2}]}`, map[string]verdict{
		`"a"`: invalid, `"abc"`: valid, `3`: valid, `null`: valid,
	}},
	{`{"anyOf": [{"type": "string"}, {"enum": [2]}], "allOf": [{"not": {"const": "z"}}]}`, map[string]verdict{
		`"a"`: valid, `"z"`: invalid, `2`: unsure, `true`: invalid,
	}},
	{`{"type": "string", "format": "citizen-id"}`, map[string]verdict{`"x"`: invalid, `1`: invalid}},
}

func (v verdict) String() string { return [...]string{"unsure", "valid", "invalid"}[v] }

// A fastSchema's verdict, where it gives one, is gojsonschema's; and it
// gives the verdicts expected of it.
func TestFastSchemaAgreesWithGojsonschema(t *testing.T) {
	t.Parallel()
	for i, c := range fastCases {
		fast := compileFast([]byte(c.schema))
		if fast == nil {
			t.Fatalf("case %d: %s gets no fast schema", i, c.schema)
		}
		for instance, want := range c.instances {
			got := agree(t, c.schema, fast, []byte(instance))
			if got != want {
				t.Errorf("%s: %s judged %v, want %v", c.schema, instance, got, want)
			}
		}
	}
}

// The keywords a fastSchema does not know leave a schema to gojsonschema.
func TestFastSchemaLeavesWhatItDoesNotKnow(t *testing.T) {
	t.Parallel()
	for _, schema := range []string{
		`{"$ref": "#/definitions/a", "definitions": {"a": {}}}`,
		`{"patternProperties": {"^a": {}}}`,
		`{"properties": {"a": {"multipleOf": 2}}}`,
		`{"items": [{"type": "string"}]}`,
		`{"dependencies": {"a": ["b"]}}`,
		`{"propertyNames": {"maxLength": 3}}`,
		`{"x-unknown": 1}`,
		`{"enum": []}`,
	} {
		if compileFast([]byte(schema)) != nil {
			t.Errorf("%s gets a fast schema", schema)
		}
	}
}

// Every type of the catalogue gets a fast schema, which accepts its example.
func TestFastSchemaCoversTheCatalogue(t *testing.T) {
	t.Parallel()
	for _, rt := range loadDefault(t).Types() {
		if rt.fast == nil {
			t.Errorf("%s has no fast schema", rt.Code)
			continue
		}
		if v, err := Decode(rt.Example); err != nil || rt.fast.judge(v) != valid {
			t.Errorf("%s: its example is not judged valid (%v)", rt.Code, err)
		}
	}
}

// agree judges instance under schema both ways, fails t when the verdicts
// differ, and returns the fast one.
func agree(t *testing.T, schema string, fast *fastSchema, instance []byte) verdict {
	t.Helper()
	v, err := Decode(instance)
	if err != nil {
		return unsure
	}
	loader := gojsonschema.NewSchemaLoader()
	loader.Draft = gojsonschema.Draft7
	compiled, err := loader.Compile(gojsonschema.NewStringLoader(schema))
	if err != nil {
		t.Fatalf("%s: %v", schema, err)
	}
	result, err := compiled.Validate(gojsonschema.NewRawLoader(v))
	if err != nil {
		t.Fatalf("%s: %s: %v", schema, instance, err)
	}
	got := fast.judge(v)
	if got != unsure && (got == valid) != result.Valid() {
		t.Fatalf("%s: %s judged %v, gojsonschema says valid=%t", schema, instance, got, result.Valid())
	}
	return got
}

// FuzzFastSchemaAgrees holds a fastSchema to gojsonschema's verdict on
// every schema of the catalogue and of fastCases, for any instance.
func FuzzFastSchemaAgrees(f *testing.F) {
	var all []string
	index := map[string]uint8{}
	for _, rt := range loadDefault(f).Types() {
		index[rt.Code] = uint8(len(all))
		all = append(all, string(rt.Schema))
		f.Add(index[rt.Code], []byte(rt.Example))
	}
	files, _ := fs.Glob(schemas.FS, "examples/*/invalid-*.json")
	for _, file := range files {
		raw, _ := fs.ReadFile(schemas.FS, file)
		var ex labelled
		if json.Unmarshal(raw, &ex) == nil {
			f.Add(index[path.Base(path.Dir(file))], []byte(ex.Data))
		}
	}
	for _, c := range fastCases {
		all = append(all, c.schema)
		for instance := range c.instances {
			f.Add(uint8(len(all)-1), []byte(instance))
		}
	}
	fast := make([]*fastSchema, len(all))
	for i, s := range all {
		if fast[i] = compileFast([]byte(s)); fast[i] == nil {
			f.Fatalf("%s gets no fast schema", s)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, instance []byte) {
		i := int(which) % len(all)
		agree(t, all[i], fast[i], instance)
	})
}
