package catalog

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/credex/credex/ident"
)

// Normalized is one rewriting Normalize applied to a value of a payload.
type Normalized struct {
	// Pointer is the JSON pointer (RFC 6901) of the value relative to the
	// payload root, as FieldError.Pointer.
	Pointer string `json:"pointer"`
	// Rule is the rule applied, one of ident's Rule constants, such as
	// trimmed_space or upgraded_15_digit. It is stable.
	Rule string `json:"rule"`
	// Message is an English sentence saying what was rewritten. It never
	// contains the value.
	Message string `json:"message"`
	// Original is the value as it was sent, which the record keeps
	// (record.Rewriting); never shown in a receipt.
	Original string `json:"-"`
}

// Normalize rewrites every string of data, a payload, that the type's
// schema gives the format citizen-id or credit-code into the form the hub
// keeps, by ident.NormalizeCitizenID and ident.NormalizeCreditCode: the one
// rule by which the hub reads identifiers at every door. Call it before
// Validate, and keep the payload it returns: data encoded again with the
// rewritten values. It rewrites only values that the rule makes valid. It
// returns data itself, and no rewritings, when it rewrote nothing, and
// also when data is not JSON; Validate then reports what is wrong. A format
// is found under properties, items, additionalProperties (of a schema
// without patternProperties), allOf, anyOf, oneOf, then and else. Normalize
// is safe for concurrent use.
func (t *RecordType) Normalize(data json.RawMessage) (json.RawMessage, []Normalized) {
	v, err := Decode(data)
	if err != nil {
		return data, nil
	}
	applied := t.NormalizeValue(v)
	if len(applied) == 0 {
		return data, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(v) // decoded JSON always encodes
	return bytes.TrimRight(buf.Bytes(), "\n"), applied
}

// NormalizeValue is Normalize of a payload decoded by Decode: it rewrites
// the identifiers of v in place and returns what it rewrote.
func (t *RecordType) NormalizeValue(v any) []Normalized {
	if t.tree == nil {
		return nil
	}
	var applied []Normalized
	var walk func(path []step, v any) any
	walk = func(path []step, v any) any {
		switch v := v.(type) {
		case string:
			var normalize func(string) (string, []ident.Normalization, error)
			switch formatAt(t.tree, path) {
			case FormatCitizenID:
				normalize = ident.NormalizeCitizenID
			case FormatCreditCode:
				normalize = ident.NormalizeCreditCode
			default:
				return v
			}
			out, rules, err := normalize(v)
			if err != nil || len(rules) == 0 {
				return v
			}
			at := pointer(names(path))
			for _, r := range rules {
				applied = append(applied, Normalized{Pointer: at, Rule: r.Rule, Message: r.Message, Original: v})
			}
			return out
		case []any:
			for i, item := range v {
				v[i] = walk(append(path[:len(path):len(path)], step{index: i}), item)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) { // rewritings in a stable order
				v[k] = walk(append(path[:len(path):len(path)], step{name: k, index: -1}), v[k])
			}
		}
		return v
	}
	walk(nil, v)
	return applied
}

// step is one step of a path into a payload: the name of a member, or the
// index of an item.
type step struct {
	name  string
	index int // -1 for a member
}

func names(path []step) []string {
	s := make([]string, len(path))
	for i, p := range path {
		s[i] = p.name
		if p.index >= 0 {
			s[i] = strconv.Itoa(p.index)
		}
	}
	return s
}

// formatAt returns the identifier format, FormatCitizenID or
// FormatCreditCode, that schema gives the value at path, or "".
func formatAt(schema map[string]any, path []step) string {
	if schema == nil {
		return ""
	}
	if len(path) == 0 {
		if f, _ := schema["format"].(string); f == FormatCitizenID || f == FormatCreditCode {
			return f
		}
	} else if f := formatAt(child(schema, path[0]), path[1:]); f != "" {
		return f
	}
	var subs []any
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		subs = append(subs, asSlice(schema[k])...)
	}
	for _, sub := range append(subs, schema["then"], schema["else"]) {
		m, _ := sub.(map[string]any)
		if f := formatAt(m, path); f != "" {
			return f
		}
	}
	return ""
}

// child returns the schema schema gives to the member or item s of a
// value, or nil.
func child(schema map[string]any, s step) map[string]any {
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
