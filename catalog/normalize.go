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
// Validate, and keep the payload it returns.
//
// It rewrites only values that the rule makes valid, and each in place:
// the rest of the payload stays byte for byte as it was. It returns data
// itself, and no rewritings, when it rewrote nothing, and also when data
// is not JSON; Validate then reports what is wrong. A format is found
// under properties, items, additionalProperties (of a schema without
// patternProperties), allOf, anyOf, oneOf, then and else. Normalize is safe
// for concurrent use.
func (t *RecordType) Normalize(data json.RawMessage) (json.RawMessage, []Normalized) {
	if t.tree == nil || !json.Valid(data) {
		return data, nil
	}
	type edit struct {
		start, end int
		value      string
	}
	var edits []edit
	var applied []Normalized
	eachString(data, func(path []step, start, end int, s string) {
		var normalize func(string) (string, []ident.Normalization, error)
		switch formatAt(t.tree, path) {
		case FormatCitizenID:
			normalize = ident.NormalizeCitizenID
		case FormatCreditCode:
			normalize = ident.NormalizeCreditCode
		default:
			return
		}
		v, rules, err := normalize(s)
		if err != nil || len(rules) == 0 {
			return
		}
		edits = append(edits, edit{start, end, v})
		at := pointer(names(path))
		for _, r := range rules {
			applied = append(applied, Normalized{Pointer: at, Rule: r.Rule, Message: r.Message, Original: s})
		}
	})
	if len(edits) == 0 {
		return data, nil
	}
	out := make([]byte, 0, len(data))
	prev := 0
	for _, e := range edits {
		quoted, _ := json.Marshal(e.value) // a string always encodes
		out = append(append(out, data[prev:e.start]...), quoted...)
		prev = e.end
	}
	return append(out, data[prev:]...), applied
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

// eachString calls f, in the order of data, valid JSON, for every string
// value of it (not member names) with its path and the span of bytes,
// quotes included, that writes it.
func eachString(data []byte, f func(path []step, start, end int, s string)) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var walk func(path []step) bool
	walk = func(path []step) bool {
		// Between the end of the previous token and a string there are
		// only white space, colons and commas: its first quote starts it.
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch v := tok.(type) {
		case string:
			f(path, before+bytes.IndexByte(data[before:], '"'), int(dec.InputOffset()), v)
		case json.Delim:
			for i := 0; dec.More(); i++ {
				next := step{index: i}
				if v == '{' {
					name, err := dec.Token()
					if err != nil {
						return false
					}
					next = step{name: name.(string), index: -1}
				}
				if !walk(append(path[:len(path):len(path)], next)) {
					return false
				}
			}
			if _, err := dec.Token(); err != nil { // the closing delimiter
				return false
			}
		}
		return true
	}
	walk(nil)
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
