package catalog

import (
	"encoding/json"
	"testing"
)

// referenceFormatAt is the identifier format schema gives the value at path,
// read from the schema itself, the rule formatNode follows.
func referenceFormatAt(schema map[string]any, path []step) string {
	if schema == nil {
		return ""
	}
	if len(path) == 0 {
		if f, _ := schema["format"].(string); f == FormatCitizenID || f == FormatCreditCode {
			return f
		}
	} else if f := referenceFormatAt(referenceChild(schema, path[0]), path[1:]); f != "" {
		return f
	}
	var subs []any
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		subs = append(subs, asSlice(schema[k])...)
	}
	for _, sub := range append(subs, schema["then"], schema["else"]) {
		m, _ := sub.(map[string]any)
		if f := referenceFormatAt(m, path); f != "" {
			return f
		}
	}
	return ""
}

func referenceChild(schema map[string]any, s step) map[string]any {
	if s.index >= 0 {
		items, _ := schema["items"].(map[string]any)
		return items
	}
	props, _ := schema["properties"].(map[string]any)
	if p, ok := props[s.name].(map[string]any); ok {
		return p
	}
	if _, ok := schema["patternProperties"]; ok {
		return nil
	}
	extra, _ := schema["additionalProperties"].(map[string]any)
	return extra
}

// The format tree finds the format the schema gives at every path, as the
// schema read directly does, whatever combines the schemas.
func TestFormatTree(t *testing.T) {
	t.Parallel()
	tricky := `{"type": "object",
	  "properties": {"a": {"type": "string"}, "b": {"format": "credit-code"}, "c": true,
	    "list": {"items": {"properties": {"id": {"format": "citizen-id"}}}},
	    "p": {"patternProperties": {"^x": {}}, "additionalProperties": {"format": "citizen-id"}, "properties": {"k": {"format": "credit-code"}}}},
	  "additionalProperties": {"format": "citizen-id"},
	  "allOf": [{"properties": {"a": {"format": "credit-code"}}}, true],
	  "anyOf": [{"properties": {"b": {"format": "citizen-id"}, "d": {"items": {"format": "credit-code"}}}}],
	  "if": {}, "then": {"properties": {"e": {"format": "citizen-id"}}}, "else": {"additionalProperties": {"format": "credit-code"}},
	  "oneOf": [{"format": "citizen-id"}]}`
	var schemas []map[string]any
	var s map[string]any
	if err := json.Unmarshal([]byte(tricky), &s); err != nil {
		t.Fatal(err)
	}
	schemas = append(schemas, s)
	for _, rt := range loadDefault(t).Types() {
		var s map[string]any
		if err := json.Unmarshal(rt.Schema, &s); err != nil {
			t.Fatal(err)
		}
		schemas = append(schemas, s)
	}
	keys := []string{"a", "b", "c", "d", "e", "k", "x1", "list", "id", "p", "zzz", "subject", "id_number",
		"decision", "authority", "credit_code", "name", "holder", "items", "parties", "0"}
	for i, schema := range schemas {
		tree := formatTree(schema)
		var check func(path []step, at []*formatNode)
		check = func(path []step, at []*formatNode) {
			got := formatOf(at)
			if want := referenceFormatAt(schema, path); got != want {
				t.Errorf("schema %d, path %v: format %q, want %q", i, names(path), got, want)
			}
			if len(path) == 3 {
				return
			}
			for _, s := range append([]step{{index: 0}, {index: 3}}, steps(keys)...) {
				var next []*formatNode
				if tree != nil {
					next = children(at, s)
				}
				check(append(path[:len(path):len(path)], s), next)
			}
		}
		var root []*formatNode
		if tree != nil {
			root = []*formatNode{tree}
		}
		check(nil, root)
	}
}

func steps(keys []string) []step {
	s := make([]step, len(keys))
	for i, n := range keys {
		s[i] = step{name: n, index: -1}
	}
	return s
}
