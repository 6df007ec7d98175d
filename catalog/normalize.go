package catalog

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

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
	if t.formats == nil {
		return nil
	}
	var applied []Normalized
	var walk func(path []step, at []*formatNode, v any) any
	walk = func(path []step, at []*formatNode, v any) any {
		switch v := v.(type) {
		case string:
			var normalize func(string) (string, []ident.Normalization, error)
			switch formatOf(at) {
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
				s := step{index: i}
				if next := children(at, s); len(next) > 0 {
					v[i] = walk(append(path[:len(path):len(path)], s), next, item)
				}
			}
		case map[string]any:
			// The members that may hold an identifier, in a stable order.
			type member struct {
				name string
				next []*formatNode
			}
			var members []member
			for k := range v {
				if next := children(at, step{name: k, index: -1}); len(next) > 0 {
					members = append(members, member{k, next})
				}
			}
			slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.name, b.name) })
			for _, m := range members {
				v[m.name] = walk(append(path[:len(path):len(path)], step{name: m.name, index: -1}), m.next, v[m.name])
			}
		}
		return v
	}
	walk(nil, []*formatNode{t.formats}, v)
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

// formatNode is a schema reduced to what Normalize reads: the identifier
// format it gives a value, the schemas of the value's members and items,
// and its subschemas (allOf, anyOf, oneOf, then and else, in this order),
// which apply to the value too. A format is found under properties, items,
// additionalProperties (of a schema without patternProperties) and the
// subschemas. Only nodes with an identifier format at or below them are
// kept: nil stands for every other schema.
type formatNode struct {
	format     string // FormatCitizenID, FormatCreditCode or ""
	properties map[string]*formatNode
	// patterned: the schema has patternProperties, so a member that
	// properties do not name has no node, rather than additional.
	patterned  bool
	additional *formatNode
	items      *formatNode
	subs       []*formatNode
}

// formatTree reduces a decoded schema to its formatNode, nil when it gives
// no identifier format anywhere.
func formatTree(schema map[string]any) *formatNode {
	if schema == nil {
		return nil
	}
	n := &formatNode{}
	if f, _ := schema["format"].(string); f == FormatCitizenID || f == FormatCreditCode {
		n.format = f
	}
	props, _ := schema["properties"].(map[string]any)
	for name, p := range props {
		if p, ok := p.(map[string]any); ok {
			if n.properties == nil {
				n.properties = map[string]*formatNode{}
			}
			// A property without a format still shadows additionalProperties.
			n.properties[name] = formatTree(p)
		}
	}
	_, n.patterned = schema["patternProperties"]
	extra, _ := schema["additionalProperties"].(map[string]any)
	n.additional = formatTree(extra)
	items, _ := schema["items"].(map[string]any)
	n.items = formatTree(items)
	var subs []any
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		subs = append(subs, asSlice(schema[k])...)
	}
	for _, sub := range append(subs, schema["then"], schema["else"]) {
		m, _ := sub.(map[string]any)
		if sub := formatTree(m); sub != nil {
			n.subs = append(n.subs, sub)
		}
	}
	if n.format != "" || n.items != nil || n.additional != nil || len(n.subs) > 0 {
		return n
	}
	for _, p := range n.properties {
		if p != nil {
			return n
		}
	}
	return nil
}

// child returns the node n gives to the member or item s of a value, or
// nil.
func (n *formatNode) child(s step) *formatNode {
	if s.index >= 0 {
		return n.items
	}
	if p, ok := n.properties[s.name]; ok {
		return p
	}
	if n.patterned {
		return nil
	}
	return n.additional
}

// children returns the nodes that describe the member or item s of a value
// that the nodes at describe: for each, its child and its subschemas'
// children, in order, without nils.
func children(at []*formatNode, s step) []*formatNode {
	var next []*formatNode
	var add func(n *formatNode)
	add = func(n *formatNode) {
		if c := n.child(s); c != nil {
			next = append(next, c)
		}
		for _, sub := range n.subs {
			add(sub)
		}
	}
	for _, n := range at {
		add(n)
	}
	return next
}

// formatOf returns the identifier format of a value that the nodes at
// describe: the first that a node or, in order, its subschemas give.
func formatOf(at []*formatNode) string {
	for _, n := range at {
		if n.format != "" {
			return n.format
		}
		if f := formatOf(n.subs); f != "" {
			return f
		}
	}
	return ""
}
