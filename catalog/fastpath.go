package catalog

import (
	"bytes"
	"encoding/json"
	"math/big"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/xeipuuv/gojsonschema"
)

// gojsonschema reports every error of a payload with its context, and pays
// for that on every payload: it marshals each value an enum or const
// compares, and builds the errors of every branch of an if it does not take.
// Most payloads are valid. A fastSchema, compiled from the same draft-07
// schema, judges a decoded payload without that cost, and ValidateValue asks
// gojsonschema only when it does not answer valid.
//
// A fastSchema knows a subset of draft-07, the keywords the catalogue's
// types use and their near kin; a schema with any other keyword, or with a
// $ref, gets none. Its verdicts follow gojsonschema's own reading of each
// keyword, and where that reading would need more than a comparison (a
// number compared with an enum, a format on a number) it answers unsure, so
// that a verdict it gives is never wrong. FuzzFastSchemaAgrees holds it to
// that.

// verdict is a fastSchema's judgement of a value.
type verdict uint8

const (
	unsure  verdict = iota // only gojsonschema can tell
	valid                  // gojsonschema would accept the value
	invalid                // gojsonschema would reject the value
)

// and is the verdict of a value that must satisfy both v and w.
func (v verdict) and(w verdict) verdict {
	if v == invalid || w == invalid {
		return invalid
	}
	if v == unsure || w == unsure {
		return unsure
	}
	return valid
}

// not is the verdict of the value under "not".
func (v verdict) not() verdict {
	switch v {
	case valid:
		return invalid
	case invalid:
		return valid
	}
	return unsure
}

// The JSON types, as bits of a fastSchema's types.
const (
	typeNull = 1 << iota
	typeBoolean
	typeObject
	typeArray
	typeNumber
	typeInteger
	typeString
)

var typeBits = map[string]int{
	"null": typeNull, "boolean": typeBoolean, "object": typeObject, "array": typeArray,
	"number": typeNumber, "integer": typeInteger, "string": typeString,
}

// fastSchema is a compiled draft-07 schema, or subschema. A count of -1 and
// a nil pointer stand for an absent keyword.
type fastSchema struct {
	always *bool // a true or false schema: nothing else is set
	types  int   // 0: any type

	enum *valueSet // enum, and const as an enum of one

	minLength, maxLength int
	pattern              *regexp.Regexp
	format               func(string) bool // the check of the format keyword

	minimum, maximum, exclusiveMinimum, exclusiveMaximum *big.Rat

	properties                   map[string]*fastSchema
	required                     []string
	additional                   *fastSchema
	minProperties, maxProperties int

	items              *fastSchema
	minItems, maxItems int
	uniqueItems        bool
	contains           *fastSchema

	allOf, anyOf, oneOf []*fastSchema
	not                 *fastSchema
	cond, then, els     *fastSchema
}

// valueSet holds the values of an enum that a fastSchema compares exactly:
// strings, booleans and null. others tells whether it has numbers, arrays
// or objects too, which it leaves to gojsonschema.
type valueSet struct {
	strings           map[string]bool
	true, false, null bool
	others            bool
}

// compileFast compiles raw, a draft-07 schema that gojsonschema compiled, or
// returns nil when it uses what a fastSchema does not know.
func compileFast(raw []byte) *fastSchema {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return nil
	}
	s, ok := fastNode(doc)
	if !ok {
		return nil
	}
	return s
}

// annotations are the keywords that do not bear on validation.
var annotations = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "title": true, "description": true,
	"default": true, "examples": true, "readOnly": true, "writeOnly": true, "definitions": true,
}

// fastNode compiles one schema node, reporting false for what it does not know.
func fastNode(doc any) (*fastSchema, bool) {
	if b, ok := doc.(bool); ok {
		return &fastSchema{always: &b}, true
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, false
	}
	s := &fastSchema{minLength: -1, maxLength: -1, minProperties: -1, maxProperties: -1, minItems: -1, maxItems: -1}
	for key, v := range m {
		ok := true
		switch key {
		case "type":
			ok = s.setTypes(v)
		case "enum":
			list, isList := v.([]any)
			s.enum, ok = newValueSet(list), isList && len(list) > 0
		case "const":
			s.enum = newValueSet([]any{v})
		case "minLength":
			s.minLength, ok = count(v)
		case "maxLength":
			s.maxLength, ok = count(v)
		case "pattern":
			var text string
			if text, ok = v.(string); ok {
				var err error
				s.pattern, err = regexp.Compile(text)
				ok = err == nil
			}
		case "format":
			var name string
			if name, ok = v.(string); ok && name != "" {
				s.format = formatCheck(name)
			}
		case "minimum":
			s.minimum, ok = rat(v)
		case "maximum":
			s.maximum, ok = rat(v)
		case "exclusiveMinimum":
			s.exclusiveMinimum, ok = rat(v)
		case "exclusiveMaximum":
			s.exclusiveMaximum, ok = rat(v)
		case "properties":
			var props map[string]any
			if props, ok = v.(map[string]any); ok {
				s.properties = make(map[string]*fastSchema, len(props))
				for name, p := range props {
					if s.properties[name], ok = fastNode(p); !ok {
						break
					}
				}
			}
		case "required":
			var list []any
			if list, ok = v.([]any); ok {
				for _, r := range list {
					name, isString := r.(string)
					ok = ok && isString
					s.required = append(s.required, name)
				}
			}
		case "additionalProperties":
			s.additional, ok = fastNode(v)
		case "minProperties":
			s.minProperties, ok = count(v)
		case "maxProperties":
			s.maxProperties, ok = count(v)
		case "items":
			s.items, ok = fastNode(v) // an array of schemas is not known
		case "minItems":
			s.minItems, ok = count(v)
		case "maxItems":
			s.maxItems, ok = count(v)
		case "uniqueItems":
			s.uniqueItems, ok = v.(bool)
		case "contains":
			s.contains, ok = fastNode(v)
		case "allOf":
			s.allOf, ok = fastNodes(v)
		case "anyOf":
			s.anyOf, ok = fastNodes(v)
		case "oneOf":
			s.oneOf, ok = fastNodes(v)
		case "not":
			s.not, ok = fastNode(v)
		case "if":
			s.cond, ok = fastNode(v)
		case "then":
			s.then, ok = fastNode(v)
		case "else":
			s.els, ok = fastNode(v)
		default:
			ok = annotations[key]
		}
		if !ok {
			return nil, false
		}
	}
	return s, true
}

func fastNodes(v any) ([]*fastSchema, bool) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, false
	}
	nodes := make([]*fastSchema, len(list))
	for i, doc := range list {
		if nodes[i], ok = fastNode(doc); !ok {
			return nil, false
		}
	}
	return nodes, true
}

func (s *fastSchema) setTypes(v any) bool {
	names, ok := v.([]any)
	if !ok {
		names = []any{v}
	}
	for _, n := range names {
		name, _ := n.(string)
		bit, ok := typeBits[name]
		if !ok {
			return false
		}
		s.types |= bit
	}
	return s.types != 0
}

// count reads a keyword's non-negative count.
func count(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return int(i), err == nil && i >= 0 && i <= 1<<31
}

func rat(v any) (*big.Rat, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, false
	}
	return new(big.Rat).SetString(string(n))
}

func newValueSet(list []any) *valueSet {
	set := &valueSet{strings: map[string]bool{}}
	for _, v := range list {
		switch v := v.(type) {
		case string:
			set.strings[v] = true
		case bool:
			set.true = set.true || v
			set.false = set.false || !v
		case nil:
			set.null = true
		default:
			set.others = true
		}
	}
	return set
}

// formatCheck returns the check of a string's format: the catalogue's own
// formats directly, the others through gojsonschema's checkers.
func formatCheck(format string) func(string) bool {
	if check, ok := formats[format]; ok {
		return func(s string) bool { return check(s) == nil }
	}
	return func(s string) bool { return gojsonschema.FormatCheckers.IsFormat(format, s) }
}

// judge tells whether gojsonschema would accept v, a payload as Decode
// returns it, under s.
func (s *fastSchema) judge(v any) verdict {
	if s.always != nil {
		if *s.always {
			return valid
		}
		return invalid
	}
	var got verdict
	switch v := v.(type) {
	case nil:
		got = s.typed(typeNull)
	case bool:
		got = s.typed(typeBoolean)
	case string:
		got = s.typed(typeString).and(s.judgeString(v))
	case json.Number:
		got = s.judgeNumber(v)
	case map[string]any:
		got = s.typed(typeObject).and(s.judgeObject(v))
	case []any:
		got = s.typed(typeArray).and(s.judgeArray(v))
	default:
		return unsure
	}
	if got == invalid {
		return invalid
	}
	if s.enum != nil {
		got = got.and(s.enum.judge(v))
	}
	for _, sub := range s.allOf {
		got = got.and(sub.judge(v))
	}
	if s.anyOf != nil {
		got = got.and(anyOf(s.anyOf, v))
	}
	if s.oneOf != nil {
		got = got.and(oneOf(s.oneOf, v))
	}
	if s.not != nil {
		got = got.and(s.not.judge(v).not())
	}
	if s.cond != nil {
		got = got.and(s.conditional(v))
	}
	return got
}

func (s *fastSchema) typed(bit int) verdict {
	if s.types == 0 || s.types&bit != 0 {
		return valid
	}
	return invalid
}

func (s *fastSchema) judgeString(v string) verdict {
	if s.minLength >= 0 || s.maxLength >= 0 {
		n := utf8.RuneCountInString(v)
		if n < s.minLength || s.maxLength >= 0 && n > s.maxLength {
			return invalid
		}
	}
	if s.pattern != nil && !s.pattern.MatchString(v) {
		return invalid
	}
	if s.format != nil && !s.format(v) {
		return invalid
	}
	return valid
}

func (s *fastSchema) judgeNumber(v json.Number) verdict {
	if s.types != 0 && s.types&typeNumber == 0 {
		if s.types&typeInteger == 0 {
			return invalid
		}
		if isInt, ok := integer(v); !ok {
			return unsure
		} else if !isInt {
			return invalid
		}
	}
	if s.format != nil {
		return unsure // gojsonschema checks the format of a number too
	}
	if s.minimum == nil && s.maximum == nil && s.exclusiveMinimum == nil && s.exclusiveMaximum == nil {
		return valid
	}
	n, ok := new(big.Rat).SetString(string(v))
	switch {
	case !ok:
		return unsure
	case s.minimum != nil && n.Cmp(s.minimum) < 0,
		s.maximum != nil && n.Cmp(s.maximum) > 0,
		s.exclusiveMinimum != nil && n.Cmp(s.exclusiveMinimum) <= 0,
		s.exclusiveMaximum != nil && n.Cmp(s.exclusiveMaximum) >= 0:
		return invalid
	}
	return valid
}

// integer tells whether the number n is an integer, as gojsonschema reads it.
func integer(n json.Number) (isInt, ok bool) {
	if !strings.ContainsAny(string(n), ".eE") {
		return true, n != "" && n != "-"
	}
	r, ok := new(big.Rat).SetString(string(n))
	return ok && r.IsInt(), ok
}

func (s *fastSchema) judgeObject(v map[string]any) verdict {
	if s.minProperties >= 0 && len(v) < s.minProperties || s.maxProperties >= 0 && len(v) > s.maxProperties {
		return invalid
	}
	for _, name := range s.required {
		if _, ok := v[name]; !ok {
			return invalid
		}
	}
	got := valid
	for name, value := range v {
		sub, ok := s.properties[name]
		if !ok {
			sub = s.additional
		}
		if sub == nil {
			continue
		}
		if got = got.and(sub.judge(value)); got == invalid {
			return invalid
		}
	}
	return got
}

func (s *fastSchema) judgeArray(v []any) verdict {
	if s.minItems >= 0 && len(v) < s.minItems || s.maxItems >= 0 && len(v) > s.maxItems {
		return invalid
	}
	got := valid
	if s.items != nil {
		for _, item := range v {
			if got = got.and(s.items.judge(item)); got == invalid {
				return invalid
			}
		}
	}
	if s.uniqueItems {
		got = got.and(unique(v))
	}
	if s.contains != nil {
		got = got.and(anyOf([]*fastSchema{s.contains}, v...))
	}
	return got
}

// unique judges uniqueItems for arrays of strings; other items are left
// to gojsonschema, which compares their normalised JSON.
func unique(v []any) verdict {
	seen := make(map[string]bool, len(v))
	for _, item := range v {
		s, ok := item.(string)
		if !ok || !utf8.ValidString(s) {
			return unsure
		}
		if seen[s] {
			return invalid
		}
		seen[s] = true
	}
	return valid
}

// anyOf judges whether some value of values satisfies some schema of
// schemas: the rule of anyOf for one value, and of contains for the items.
func anyOf(schemas []*fastSchema, values ...any) verdict {
	got := invalid
	for _, value := range values {
		for _, sub := range schemas {
			switch sub.judge(value) {
			case valid:
				return valid
			case unsure:
				got = unsure
			}
		}
	}
	return got
}

func oneOf(schemas []*fastSchema, v any) verdict {
	valids, unsures := 0, 0
	for _, sub := range schemas {
		switch sub.judge(v) {
		case valid:
			valids++
		case unsure:
			unsures++
		}
	}
	switch {
	case valids > 1:
		return invalid
	case unsures > 0:
		return unsure
	case valids == 1:
		return valid
	}
	return invalid
}

// conditional judges if, then and else.
func (s *fastSchema) conditional(v any) verdict {
	branch := func(sub *fastSchema) verdict {
		if sub == nil {
			return valid
		}
		return sub.judge(v)
	}
	switch s.cond.judge(v) {
	case valid:
		return branch(s.then)
	case invalid:
		return branch(s.els)
	}
	if branch(s.then) == valid && branch(s.els) == valid {
		return valid
	}
	return unsure
}

// judge compares v with the set as gojsonschema does, by its JSON: a
// string, boolean or null is equal only to one of its kind.
func (set *valueSet) judge(v any) verdict {
	var in bool
	switch v := v.(type) {
	case string:
		if !utf8.ValidString(v) {
			return unsure
		}
		in = set.strings[v]
	case bool:
		in = v && set.true || !v && set.false
	case nil:
		in = set.null
	default:
		if set.others {
			return unsure
		}
	}
	if in {
		return valid
	}
	return invalid
}
