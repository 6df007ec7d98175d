package compat

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// maxSteps bounds the work of one comparison, so that schemas whose
// references fan out cannot make it run for ever.
const maxSteps = 200_000

// errTooComplex: the comparison took more than maxSteps.
var errTooComplex = errors.New("schemas too complex to compare")

// node is a schema with its location, a JSON pointer, in its document. A
// synthetic node stands for an absent keyword, such as additionalProperties,
// by the schema its absence means; loc is where the keyword would be.
type node struct {
	v         any
	loc       string
	synthetic bool
}

// id identifies n for cycle detection: its location, or for a synthetic
// node its value, so that comparing a recursive schema with absent keywords
// ends.
func (n node) id() string {
	if n.synthetic {
		return "#" + canonical(n.v)
	}
	return n.loc
}

// pair identifies one comparison, for cycle detection and memoisation.
type pair struct {
	old, new string
	flip     bool
}

// differ compares two schema documents.
type differ struct {
	oldRoot, newRoot any
	changes          []Change
	done             map[pair]bool // comparisons finished by this differ
	active           map[pair]bool // comparisons under way, shared with sub-differs
	steps            *int
}

func diff(oldRaw, newRaw json.RawMessage) ([]Change, error) {
	oldRoot, err := parseSchema(oldRaw)
	if err != nil {
		return nil, fmt.Errorf("old schema: %w", err)
	}
	newRoot, err := parseSchema(newRaw)
	if err != nil {
		return nil, fmt.Errorf("new schema: %w", err)
	}
	steps := 0
	d := &differ{oldRoot: oldRoot, newRoot: newRoot, done: map[pair]bool{}, active: map[pair]bool{}, steps: &steps}
	d.compare(node{v: oldRoot}, node{v: newRoot}, false)
	if steps > maxSteps {
		return nil, errTooComplex
	}
	slices.SortFunc(d.changes, compareChanges)
	return slices.Compact(d.changes), nil
}

func parseSchema(raw json.RawMessage) (any, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	switch v.(type) {
	case map[string]any, bool:
		return v, nil
	}
	return nil, errors.New("not a JSON object or boolean")
}

// emit records a change at the keyword ptr; flip is set under "not".
func (d *differ) emit(ptr, kind string, breaks Direction, flip bool, format string, args ...any) {
	if flip {
		breaks = breaks.flip()
	}
	reason := fmt.Sprintf(format, args...) + "; " + consequence[breaks]
	d.changes = append(d.changes, Change{Pointer: ptr, Kind: kind, Reason: reason, Breaks: breaks})
}

var consequence = [...]string{
	Neither:  "the data accepted is the same",
	Backward: "data valid under the old schema may be invalid under the new one",
	Forward:  "data valid under the new schema may be invalid under the old one",
	Both:     "each schema may reject data valid under the other",
}

// effect compares o and n aside and returns the union of the directions
// their changes break, for changes summarised as one.
func (d *differ) effect(o, n node) Direction {
	sub := &differ{oldRoot: d.oldRoot, newRoot: d.newRoot, done: map[pair]bool{}, active: d.active, steps: d.steps}
	sub.compare(o, n, false)
	var dir Direction
	for _, c := range sub.changes {
		dir |= c.Breaks
	}
	return dir
}

// resolve follows local $refs from n in root. It returns the target, or n
// and the reference when it cannot be followed.
func resolve(root any, n node) (node, string) {
	for hops := 0; ; hops++ {
		m, ok := n.v.(map[string]any)
		if !ok {
			return n, ""
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return n, ""
		}
		target, loc, ok := lookup(root, ref)
		if !ok || hops == 32 {
			return n, ref
		}
		n = node{v: target, loc: loc}
	}
}

// lookup finds the target of a local reference such as "#/definitions/a".
func lookup(root any, ref string) (any, string, bool) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, "", false
	}
	frag, err := url.PathUnescape(frag)
	if err != nil || (frag != "" && frag[0] != '/') {
		return nil, "", false
	}
	v := root
	if frag == "" {
		return v, "", true
	}
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			if v, ok = x[tok]; !ok {
				return nil, "", false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, "", false
			}
			v = x[i]
		default:
			return nil, "", false
		}
	}
	return v, frag, true
}

// escape escapes a property name as a JSON pointer token.
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// child returns the subschema at key of m, or def at that location when m
// has none.
func child(n node, m map[string]any, key string, def any) node {
	if v, ok := m[key]; ok {
		return node{v: v, loc: n.loc + "/" + key}
	}
	return node{v: def, loc: n.loc + "/" + key, synthetic: true}
}

// isFalse reports whether v is the schema false.
func isFalse(v any) bool { b, ok := v.(bool); return ok && !b }

// asObject returns the keywords of a schema; true and anything that is not
// an object (ignored by validators) have none.
func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// compare compares old schema o with new schema n, adding the changes found.
// flip is set under an odd number of "not".
func (d *differ) compare(o, n node, flip bool) {
	if *d.steps++; *d.steps > maxSteps {
		return
	}
	o, oref := resolve(d.oldRoot, o)
	n, nref := resolve(d.newRoot, n)
	if oref != "" || nref != "" {
		if oref != nref {
			d.emit(n.loc+"/$ref", "ref_unresolved", Both, flip,
				"$ref %q cannot be followed (only local references are) and the other schema differs there", cmp.Or(nref, oref))
		}
		return
	}
	key := pair{o.id(), n.id(), flip}
	if d.done[key] || d.active[key] {
		return // compared already, or a recursive schema being compared further up
	}
	d.active[key] = true
	defer func() { delete(d.active, key); d.done[key] = true }()

	switch of, nf := isFalse(o.v), isFalse(n.v); {
	case of && nf, isTrue(o.v) && isTrue(n.v):
		return
	case nf:
		d.emit(n.loc, "false_schema_added", Backward, flip, "the schema is now false and accepts no value")
		return
	case of:
		d.emit(n.loc, "false_schema_removed", Forward, flip, "the schema was false, accepting no value, and now accepts some")
		return
	}
	om, nm := asObject(o.v), asObject(n.v)

	ot, nt := typeSet(om), typeSet(nm)
	d.compareTypes(n, om, nm, ot, nt, flip)
	d.compareValues(n, om, nm, flip)
	d.compareText(n, om, nm, "format", flip)
	both := func(t string) bool { return admits(ot, t) && admits(nt, t) }
	if both("string") {
		d.compareText(n, om, nm, "pattern", flip)
		d.compareCount(n, om, nm, "minLength", false, flip)
		d.compareCount(n, om, nm, "maxLength", true, flip)
	}
	if both("number") || both("integer") {
		d.compareBound(n, om, nm, false, flip)
		d.compareBound(n, om, nm, true, flip)
		d.compareMultipleOf(n, om, nm, flip)
	}
	if both("object") {
		d.compareObject(o, n, om, nm, flip)
	}
	if both("array") {
		d.compareArray(o, n, om, nm, flip)
	}
	d.compareCombinator(o, n, om, nm, "allOf", flip)
	d.compareCombinator(o, n, om, nm, "anyOf", flip)
	d.compareCombinator(o, n, om, nm, "oneOf", flip)
	d.compareOptional(o, n, om, nm, "not", false, !flip)
	d.compareConditional(o, n, om, nm, flip)
}

// allTypes are the JSON Schema types.
var allTypes = []string{"array", "boolean", "integer", "null", "number", "object", "string"}

// typeSet returns the types m admits, nil for any: those "type" names,
// narrowed to the types of the values enum and const allow.
func typeSet(m map[string]any) []string {
	var ts []string
	switch t := m["type"].(type) {
	case string:
		ts = []string{t}
	case []any:
		ts = []string{}
		for _, e := range t {
			if s, ok := e.(string); ok && !slices.Contains(ts, s) {
				ts = append(ts, s)
			}
		}
	}
	if vals, restricted := allowedValues(m); restricted {
		declared := ts
		ts = []string{}
		for _, v := range vals {
			if t := valueType(v); admits(declared, t) && !slices.Contains(ts, t) {
				ts = append(ts, t)
			}
		}
	}
	slices.Sort(ts)
	return ts
}

// valueType returns the type of a value in canonical JSON; whole numbers
// are integers.
func valueType(v string) string {
	switch v[0] {
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f == math.Trunc(f) {
		return "integer"
	}
	return "number"
}

// admits reports whether a schema of types ts admits values of type t;
// integers are numbers.
func admits(ts []string, t string) bool {
	return ts == nil || slices.Contains(ts, t) || (t == "integer" && slices.Contains(ts, "number"))
}

func typeName(ts []string) string {
	if ts == nil {
		return "any type"
	}
	return strings.Join(ts, ", ")
}

func (d *differ) compareTypes(n node, om, nm map[string]any, ot, nt []string, flip bool) {
	var lost, gained []string
	for _, t := range allTypes {
		if oa, na := admits(ot, t), admits(nt, t); oa && !na {
			lost = append(lost, t)
		} else if na && !oa {
			gained = append(gained, t)
		}
	}
	ptr := n.loc + "/type"
	switch {
	case len(lost) > 0 && len(gained) > 0:
		d.emit(ptr, "type_changed", Both, flip, "type changed from %s to %s", typeName(ot), typeName(nt))
	case len(lost) > 0:
		d.emit(ptr, "type_narrowed", Backward, flip, "type narrowed from %s to %s, no longer admitting %s",
			typeName(ot), typeName(nt), strings.Join(lost, ", "))
	case len(gained) > 0:
		d.emit(ptr, "type_widened", Forward, flip, "type widened from %s to %s, now admitting %s",
			typeName(ot), typeName(nt), strings.Join(gained, ", "))
	}
}

// allowedValues returns the values that enum and const allow, as canonical
// JSON, and false when they allow any.
func allowedValues(m map[string]any) ([]string, bool) {
	var vals []string
	restricted := false
	if e, ok := m["enum"].([]any); ok {
		restricted = true
		for _, v := range e {
			if s := canonical(v); !slices.Contains(vals, s) {
				vals = append(vals, s)
			}
		}
	}
	if c, ok := m["const"]; ok {
		s := canonical(c)
		if restricted && !slices.Contains(vals, s) {
			vals = nil
		} else {
			vals = []string{s}
		}
		restricted = true
	}
	slices.Sort(vals)
	return vals, restricted
}

// canonical encodes a JSON value with sorted keys, so that equal values
// encode equally.
func canonical(v any) string {
	b, _ := json.Marshal(v) // values decoded from JSON always encode
	return string(b)
}

func (d *differ) compareValues(n node, om, nm map[string]any, flip bool) {
	ov, orestr := allowedValues(om)
	nv, nrestr := allowedValues(nm)
	_, oconst := om["const"]
	_, nconst := nm["const"]
	ptr := n.loc + "/enum"
	if _, ok := nm["enum"]; !ok && nconst {
		ptr = n.loc + "/const"
	}
	switch {
	case !orestr && !nrestr:
	case !orestr:
		if nconst {
			d.emit(ptr, "const_added", Backward, flip, "const %s added", strings.Join(nv, ", "))
		} else {
			d.emit(ptr, "enum_added", Backward, flip, "enum added, allowing only %s", strings.Join(nv, ", "))
		}
	case !nrestr:
		if oconst {
			d.emit(ptr, "const_removed", Forward, flip, "const %s removed", strings.Join(ov, ", "))
		} else {
			d.emit(ptr, "enum_removed", Forward, flip, "enum %s removed, allowing any value", strings.Join(ov, ", "))
		}
	default:
		var removed, added []string
		for _, v := range ov {
			if !slices.Contains(nv, v) {
				removed = append(removed, v)
			}
		}
		for _, v := range nv {
			if !slices.Contains(ov, v) {
				added = append(added, v)
			}
		}
		if oconst && nconst && len(removed) > 0 && len(added) > 0 {
			d.emit(ptr, "const_changed", Both, flip, "const changed from %s to %s",
				strings.Join(ov, ", "), strings.Join(nv, ", "))
			return
		}
		if len(removed) > 0 {
			d.emit(ptr, "enum_value_removed", Backward, flip, "allowed values %s removed", strings.Join(removed, ", "))
		}
		if len(added) > 0 {
			d.emit(ptr, "enum_value_added", Forward, flip, "allowed values %s added", strings.Join(added, ", "))
		}
	}
}

// compareText compares a keyword whose value is text, pattern or format;
// a changed value is not compared for inclusion.
func (d *differ) compareText(n node, om, nm map[string]any, kw string, flip bool) {
	ov, ook := om[kw].(string)
	nv, nok := nm[kw].(string)
	ptr := n.loc + "/" + kw
	switch {
	case ook && nok && ov != nv:
		d.emit(ptr, kw+"_changed", Both, flip, "%s changed from %q to %q, which is not compared for inclusion", kw, ov, nv)
	case nok && !ook:
		d.emit(ptr, kw+"_added", Backward, flip, "%s %q added", kw, nv)
	case ook && !nok:
		d.emit(ptr, kw+"_removed", Forward, flip, "%s %q removed", kw, ov)
	}
}

// number returns the numeric value of keyword kw of m.
func number(m map[string]any, kw string) (float64, bool) {
	f, ok := m[kw].(float64)
	return f, ok
}

// snake turns a keyword such as maxLength into max_length.
func snake(kw string) string {
	var b strings.Builder
	for _, r := range kw {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// compareCount compares a count limit: minLength, maxItems and the like.
// An absent minimum is 0, an absent maximum none.
func (d *differ) compareCount(n node, om, nm map[string]any, kw string, isMax bool, flip bool) {
	ov, ook := number(om, kw)
	nv, nok := number(nm, kw)
	if !ook && !nok || ook && nok && ov == nv {
		return
	}
	absent := 0.0
	if isMax {
		absent = math.Inf(1)
	}
	oe, ne := ov, nv
	if !ook {
		oe = absent
	}
	if !nok {
		ne = absent
	}
	var breaks Direction // Neither when an absent limit is replaced by its no-op value
	switch {
	case ne == oe:
	case (ne > oe) == isMax:
		breaks = Forward
	default:
		breaks = Backward
	}
	ptr, k := n.loc+"/"+kw, snake(kw)
	switch {
	case !ook:
		d.emit(ptr, k+"_added", breaks, flip, "%s %s added", kw, formatNumber(nv))
	case !nok:
		d.emit(ptr, k+"_removed", breaks, flip, "%s %s removed", kw, formatNumber(ov))
	case nv > ov:
		d.emit(ptr, k+"_increased", breaks, flip, "%s increased from %s to %s", kw, formatNumber(ov), formatNumber(nv))
	default:
		d.emit(ptr, k+"_decreased", breaks, flip, "%s decreased from %s to %s", kw, formatNumber(ov), formatNumber(nv))
	}
}

// bound is the effective lower or upper limit of a number.
type bound struct {
	set       bool
	v         float64
	exclusive bool
	kw        string
}

func (b bound) String() string {
	if b.exclusive {
		return fmt.Sprintf("%s (exclusive) %s", b.kw, formatNumber(b.v))
	}
	return fmt.Sprintf("%s %s", b.kw, formatNumber(b.v))
}

// numberBound returns the tighter of minimum and exclusiveMinimum, or of
// maximum and exclusiveMaximum.
func numberBound(m map[string]any, upper bool) bound {
	kw, xkw := "minimum", "exclusiveMinimum"
	if upper {
		kw, xkw = "maximum", "exclusiveMaximum"
	}
	var b bound
	if v, ok := number(m, kw); ok {
		b = bound{true, v, false, kw}
	}
	if v, ok := number(m, xkw); ok && (!b.set || tighter(bound{true, v, true, xkw}, b, upper)) {
		b = bound{true, v, true, xkw}
	}
	return b
}

// tighter reports whether bound a admits less than b.
func tighter(a, b bound, upper bool) bool {
	if a.v != b.v {
		return a.v < b.v == upper
	}
	return a.exclusive && !b.exclusive
}

func (d *differ) compareBound(n node, om, nm map[string]any, upper bool, flip bool) {
	ob, nb := numberBound(om, upper), numberBound(nm, upper)
	name := "minimum"
	if upper {
		name = "maximum"
	}
	switch {
	case !ob.set && !nb.set:
	case !ob.set:
		d.emit(n.loc+"/"+nb.kw, name+"_added", Backward, flip, "%s added", nb)
	case !nb.set:
		d.emit(n.loc+"/"+ob.kw, name+"_removed", Forward, flip, "%s removed", ob)
	case tighter(nb, ob, upper):
		kind := name + "_increased"
		if upper {
			kind = name + "_decreased"
		}
		d.emit(n.loc+"/"+nb.kw, kind, Backward, flip, "%s tightened from %s to %s", name, ob, nb)
	case tighter(ob, nb, upper):
		kind := name + "_decreased"
		if upper {
			kind = name + "_increased"
		}
		d.emit(n.loc+"/"+nb.kw, kind, Forward, flip, "%s loosened from %s to %s", name, ob, nb)
	}
}

func (d *differ) compareMultipleOf(n node, om, nm map[string]any, flip bool) {
	ov, ook := number(om, "multipleOf")
	nv, nok := number(nm, "multipleOf")
	ptr := n.loc + "/multipleOf"
	isMultiple := func(a, b float64) bool { // a is a whole multiple of b
		if b <= 0 || a <= 0 {
			return false
		}
		q := a / b
		return math.Abs(q-math.Round(q)) < 1e-9*math.Max(1, q)
	}
	switch {
	case !ook && !nok || ook && nok && ov == nv:
	case !ook:
		d.emit(ptr, "multiple_of_added", Backward, flip, "multipleOf %s added", formatNumber(nv))
	case !nok:
		d.emit(ptr, "multiple_of_removed", Forward, flip, "multipleOf %s removed", formatNumber(ov))
	case isMultiple(nv, ov):
		d.emit(ptr, "multiple_of_changed", Backward, flip, "multipleOf changed from %s to its multiple %s",
			formatNumber(ov), formatNumber(nv))
	case isMultiple(ov, nv):
		d.emit(ptr, "multiple_of_changed", Forward, flip, "multipleOf changed from %s to its divisor %s",
			formatNumber(ov), formatNumber(nv))
	default:
		d.emit(ptr, "multiple_of_changed", Both, flip, "multipleOf changed from %s to %s",
			formatNumber(ov), formatNumber(nv))
	}
}

// names returns the strings of a JSON array, such as required.
func names(v any) []string {
	var out []string
	if a, ok := v.([]any); ok {
		for _, e := range a {
			if s, ok := e.(string); ok && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}

// keys returns the sorted keys of the object at kw of m.
func keys(m map[string]any, kw string) []string {
	obj, _ := m[kw].(map[string]any)
	out := make([]string, 0, len(obj))
	for k := range obj {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// member returns the subschema obj[kw][name] of n.
func member(n node, m map[string]any, kw, name string) node {
	obj, _ := m[kw].(map[string]any)
	return node{v: obj[name], loc: n.loc + "/" + kw + "/" + escape(name)}
}

// governing returns the schema that applies to a property name the object
// n does not list: the first patternProperties that matches it, else
// additionalProperties.
func governing(n node, m map[string]any, name string) node {
	for _, p := range keys(m, "patternProperties") {
		if re, err := regexp.Compile(p); err == nil && re.MatchString(name) {
			return member(n, m, "patternProperties", p)
		}
	}
	return child(n, m, "additionalProperties", true)
}

// contentModel names how an object treats properties it does not list.
func contentModel(v any) string {
	switch {
	case isFalse(v):
		return "closed"
	case isTrue(v):
		return "open"
	}
	return "partially_open"
}

// isTrue reports whether v is a schema that accepts anything.
func isTrue(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case map[string]any:
		for k := range x {
			if !ignored[k] {
				return false
			}
		}
		return true
	}
	return true
}

// ignored are the keywords that do not affect validation.
var ignored = map[string]bool{
	"title": true, "description": true, "examples": true, "default": true, "$comment": true,
	"readOnly": true, "writeOnly": true, "$id": true, "$schema": true, "definitions": true, "$defs": true,
}

// addedTo and removedFrom describe the content model a property was added
// to or removed from.
var (
	addedTo = map[string]string{
		"closed":         "a closed object (additionalProperties: false), which did not allow it",
		"open":           "an open object, which allowed it with any value",
		"partially_open": "an object whose additionalProperties or patternProperties constrained it",
	}
	removedFrom = map[string]string{
		"closed":         "a closed object (additionalProperties: false), which no longer allows it",
		"open":           "an open object, which now allows it with any value",
		"partially_open": "an object whose additionalProperties or patternProperties now constrain it",
	}
)

func (d *differ) compareObject(o, n node, om, nm map[string]any, flip bool) {
	oreq, nreq := names(om["required"]), names(nm["required"])
	for _, p := range nreq {
		if !slices.Contains(oreq, p) {
			d.emit(n.loc+"/required", "required_added", Backward, flip, "property %q is now required", p)
		}
	}
	for _, p := range oreq {
		if !slices.Contains(nreq, p) {
			d.emit(n.loc+"/required", "required_removed", Forward, flip, "property %q is no longer required", p)
		}
	}

	oprops, nprops := keys(om, "properties"), keys(nm, "properties")
	for _, p := range union(oprops, nprops) {
		ptr := n.loc + "/properties/" + escape(p)
		switch inOld, inNew := slices.Contains(oprops, p), slices.Contains(nprops, p); {
		case inOld && inNew:
			d.compare(member(o, om, "properties", p), member(n, nm, "properties", p), flip)
		case inNew:
			before := governing(o, om, p)
			model := contentModel(resolveValue(d.oldRoot, before))
			breaks := d.effect(before, member(n, nm, "properties", p))
			d.emit(ptr, "property_added_"+model, breaks, flip, "property %q added to %s", p, addedTo[model])
		default:
			after := governing(n, nm, p)
			model := contentModel(resolveValue(d.newRoot, after))
			breaks := d.effect(member(o, om, "properties", p), after)
			d.emit(ptr, "property_removed_"+model, breaks, flip, "property %q removed from %s", p, removedFrom[model])
		}
	}

	opats, npats := keys(om, "patternProperties"), keys(nm, "patternProperties")
	for _, p := range union(opats, npats) {
		ptr := n.loc + "/patternProperties/" + escape(p)
		switch inOld, inNew := slices.Contains(opats, p), slices.Contains(npats, p); {
		case inOld && inNew:
			d.compare(member(o, om, "patternProperties", p), member(n, nm, "patternProperties", p), flip)
		case inNew:
			breaks := d.effect(child(o, om, "additionalProperties", true), member(n, nm, "patternProperties", p))
			d.emit(ptr, "pattern_property_added", breaks, flip, "patternProperties %q added", p)
		default:
			breaks := d.effect(member(o, om, "patternProperties", p), child(n, nm, "additionalProperties", true))
			d.emit(ptr, "pattern_property_removed", breaks, flip, "patternProperties %q removed", p)
		}
	}

	oap, nap := child(o, om, "additionalProperties", true), child(n, nm, "additionalProperties", true)
	ov, nv := resolveValue(d.oldRoot, oap), resolveValue(d.newRoot, nap)
	if isTrue(ov) || isFalse(ov) || isTrue(nv) || isFalse(nv) {
		switch breaks := d.effect(oap, nap); {
		case breaks == Neither:
		case isFalse(nv):
			d.emit(nap.loc, "additional_properties_closed", breaks, flip,
				"additionalProperties is now false: properties not listed are no longer allowed")
		case isFalse(ov):
			d.emit(nap.loc, "additional_properties_opened", breaks, flip,
				"additionalProperties is no longer false: properties not listed are now allowed")
		case breaks == Backward:
			d.emit(nap.loc, "additional_properties_narrowed", breaks, flip, "additionalProperties narrowed")
		case breaks == Forward:
			d.emit(nap.loc, "additional_properties_widened", breaks, flip, "additionalProperties widened")
		default:
			d.emit(nap.loc, "additional_properties_changed", breaks, flip, "additionalProperties changed")
		}
	} else {
		d.compare(oap, nap, flip)
	}

	d.compareCount(n, om, nm, "minProperties", false, flip)
	d.compareCount(n, om, nm, "maxProperties", true, flip)
	d.compareOptional(o, n, om, nm, "propertyNames", true, flip)
	d.compareDependencies(o, n, om, nm, flip)
}

// resolveValue returns the schema n stands for, following local references.
func resolveValue(root any, n node) any {
	r, _ := resolve(root, n)
	return r.v
}

func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

func (d *differ) compareDependencies(o, n node, om, nm map[string]any, flip bool) {
	odeps, _ := om["dependencies"].(map[string]any)
	ndeps, _ := nm["dependencies"].(map[string]any)
	for _, p := range union(keys(om, "dependencies"), keys(nm, "dependencies")) {
		ptr := n.loc + "/dependencies/" + escape(p)
		ov, inOld := odeps[p]
		nv, inNew := ndeps[p]
		_, oarr := ov.([]any)
		_, narr := nv.([]any)
		switch {
		case !inOld:
			d.emit(ptr, "dependency_added", Backward, flip, "dependency of property %q added", p)
		case !inNew:
			d.emit(ptr, "dependency_removed", Forward, flip, "dependency of property %q removed", p)
		case oarr && narr:
			oreq, nreq := names(ov), names(nv)
			for _, q := range nreq {
				if !slices.Contains(oreq, q) {
					d.emit(ptr, "dependency_added", Backward, flip, "property %q now requires %q", p, q)
				}
			}
			for _, q := range oreq {
				if !slices.Contains(nreq, q) {
					d.emit(ptr, "dependency_removed", Forward, flip, "property %q no longer requires %q", p, q)
				}
			}
		case !oarr && !narr:
			d.compare(member(o, om, "dependencies", p), member(n, nm, "dependencies", p), flip)
		default:
			d.emit(ptr, "dependency_changed", Both, flip,
				"dependency of property %q changed between a list of properties and a schema", p)
		}
	}
}

// compareOptional compares a keyword holding one subschema, such as
// propertyNames or not. When absentTrue, an absent keyword is the schema
// true; otherwise it is false (for "not", whose absence allows anything).
func (d *differ) compareOptional(o, n node, om, nm map[string]any, kw string, absentTrue bool, flip bool) {
	_, inOld := om[kw]
	_, inNew := nm[kw]
	if !inOld && !inNew {
		return
	}
	oc, nc := child(o, om, kw, absentTrue), child(n, nm, kw, absentTrue)
	if inOld && inNew {
		d.compare(oc, nc, flip)
		return
	}
	breaks := d.effect(oc, nc)
	if inNew {
		d.emit(nc.loc, snake(kw)+"_added", breaks, flip, "%s added", kw)
	} else {
		d.emit(nc.loc, snake(kw)+"_removed", breaks, flip, "%s removed", kw)
	}
}

// itemsAt returns the schema that applies to the array item at index i.
func itemsAt(n node, m map[string]any, i int) node {
	if tuple, ok := m["items"].([]any); ok {
		if i < len(tuple) {
			return node{v: tuple[i], loc: n.loc + "/items/" + strconv.Itoa(i)}
		}
		return child(n, m, "additionalItems", true)
	}
	return child(n, m, "items", true)
}

func (d *differ) compareArray(o, n node, om, nm map[string]any, flip bool) {
	otuple, _ := om["items"].([]any)
	ntuple, _ := nm["items"].([]any)
	count := max(len(otuple), len(ntuple))
	for i := range count {
		d.compare(itemsAt(o, om, i), itemsAt(n, nm, i), flip)
	}
	d.compare(itemsAt(o, om, count), itemsAt(n, nm, count), flip)
	d.compareCount(n, om, nm, "minItems", false, flip)
	d.compareCount(n, om, nm, "maxItems", true, flip)
	ou, _ := om["uniqueItems"].(bool)
	nu, _ := nm["uniqueItems"].(bool)
	switch ptr := n.loc + "/uniqueItems"; {
	case nu && !ou:
		d.emit(ptr, "unique_items_added", Backward, flip, "items must now be unique")
	case ou && !nu:
		d.emit(ptr, "unique_items_removed", Forward, flip, "items need no longer be unique")
	}
	_, inOld := om["contains"]
	_, inNew := nm["contains"]
	switch ptr := n.loc + "/contains"; {
	case inOld && inNew:
		d.compare(child(o, om, "contains", true), child(n, nm, "contains", true), flip)
	case inNew:
		d.emit(ptr, "contains_added", Backward, flip, "contains added: the array must hold a matching item")
	case inOld:
		d.emit(ptr, "contains_removed", Forward, flip, "contains removed")
	}
}

// compareCombinator compares allOf, anyOf or oneOf. Branches equal on both
// sides are paired first, then the rest in order when as many remain; more
// is conservatively reported as breaking both ways.
func (d *differ) compareCombinator(o, n node, om, nm map[string]any, kw string, flip bool) {
	ol, inOld := om[kw].([]any)
	nl, inNew := nm[kw].([]any)
	k, ptr := snake(kw), n.loc+"/"+kw
	switch {
	case !inOld && !inNew:
		return
	case !inOld:
		d.emit(ptr, k+"_added", Backward, flip, "%s added, constraining the value further", kw)
		return
	case !inNew:
		d.emit(ptr, k+"_removed", Forward, flip, "%s removed", kw)
		return
	}
	var orest, nrest []int
	oneOfChanged := false
	used := make([]bool, len(nl))
	for i, ob := range ol {
		j := slices.IndexFunc(nl, func(nb any) bool { return canonical(nb) == canonical(ob) })
		for j >= 0 && used[j] {
			next := slices.IndexFunc(nl[j+1:], func(nb any) bool { return canonical(nb) == canonical(ob) })
			if next < 0 {
				j = -1
			} else {
				j += 1 + next
			}
		}
		if j < 0 {
			orest = append(orest, i)
		} else {
			used[j] = true
			// Equal as written, the branches may still differ in what
			// their references point to.
			ob, nb := node{v: ob, loc: o.loc + "/" + kw + "/" + strconv.Itoa(i)}, node{v: nl[j], loc: n.loc + "/" + kw + "/" + strconv.Itoa(j)}
			if kw != "oneOf" {
				d.compare(ob, nb, flip)
			} else if d.effect(ob, nb) != Neither {
				oneOfChanged = true
			}
		}
	}
	for j := range nl {
		if !used[j] {
			nrest = append(nrest, j)
		}
	}
	if len(orest) == 0 && len(nrest) == 0 && !oneOfChanged {
		return
	}
	// Adding a branch to allOf constrains further; to anyOf it admits more.
	added, removed := Backward, Forward
	if kw == "anyOf" {
		added, removed = Forward, Backward
	}
	switch {
	case kw == "oneOf":
		d.emit(ptr, k+"_changed", Both, flip,
			"oneOf branches changed; as a value must match exactly one branch, the change is not compared in detail")
	case len(orest) == len(nrest):
		for i := range orest {
			d.compare(node{v: ol[orest[i]], loc: o.loc + "/" + kw + "/" + strconv.Itoa(orest[i])},
				node{v: nl[nrest[i]], loc: n.loc + "/" + kw + "/" + strconv.Itoa(nrest[i])}, flip)
		}
	case len(orest) == 0:
		for _, j := range nrest {
			d.emit(ptr+"/"+strconv.Itoa(j), k+"_branch_added", added, flip, "%s branch %d added", kw, j)
		}
	case len(nrest) == 0:
		for _, i := range orest {
			d.emit(ptr, k+"_branch_removed", removed, flip, "%s branch %d of the old schema removed", kw, i)
		}
	default:
		d.emit(ptr, k+"_changed", Both, flip,
			"%s branches were both added and changed, so they cannot be paired for comparison", kw)
	}
}

// compareConditional compares if/then/else. With the same "if", then and
// else are compared; a changed "if" is conservatively breaking both ways.
func (d *differ) compareConditional(o, n node, om, nm map[string]any, flip bool) {
	_, inOld := om["if"]
	_, inNew := nm["if"]
	ptr := n.loc + "/if"
	switch {
	case !inOld && !inNew:
	case !inOld:
		d.emit(ptr, "conditional_added", Backward, flip, "if/then/else added, constraining some values further")
	case !inNew:
		d.emit(ptr, "conditional_removed", Forward, flip, "if/then/else removed")
	case d.effect(child(o, om, "if", true), child(n, nm, "if", true)) != Neither:
		d.emit(ptr, "conditional_changed", Both, flip,
			"the condition of if/then/else changed, so then and else apply to other values; this is not compared in detail")
	default:
		d.compareOptional(o, n, om, nm, "then", true, flip)
		d.compareOptional(o, n, om, nm, "else", true, flip)
	}
}
