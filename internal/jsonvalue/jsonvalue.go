package jsonvalue

import (
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// maxDepth bounds the nesting the readers take, well below encoding/json's.
const maxDepth = 1000

// Decode decodes data, exactly one JSON value with white space around it, as
// a json.Decoder with UseNumber does. It reports false when data is not one
// JSON value or nests deeper than the readers take.
func Decode(data []byte) (any, bool) {
	p := parser{data: data}
	p.space()
	v, ok := p.value(0)
	if !ok {
		return nil, false
	}
	p.space()
	return v, p.i == len(data)
}

// Member is one member of an object: its name, decoded, and its value as
// written, without the white space around it.
type Member struct {
	Name  string
	Value []byte
}

// Members checks that data is one JSON object, with white space around it,
// and returns its members in order, duplicates included. It reports false
// when data is not JSON or is JSON of another kind.
func Members(data []byte) ([]Member, bool) {
	members, _, ok := readMembers(data, "", false)
	return members, ok
}

// MembersDecoding is Members that also decodes, in the same pass and as
// Decode does, the value of the member called name (the last, if it is
// repeated); nil when there is none.
func MembersDecoding(data []byte, name string) ([]Member, any, bool) {
	return readMembers(data, name, true)
}

func readMembers(data []byte, name string, decode bool) ([]Member, any, bool) {
	p := parser{data: data}
	p.space()
	if !p.more('{') {
		return nil, nil, false
	}
	p.i++
	var members []Member
	var decoded any
	p.space()
	if p.more('}') {
		p.i++
		return members, nil, p.end()
	}
	for {
		key, ok := p.key()
		if !ok {
			return nil, nil, false
		}
		start := p.i
		if decode && key == name {
			decoded, ok = p.value(1)
		} else {
			ok = p.skip(1)
		}
		if !ok {
			return nil, nil, false
		}
		members = append(members, Member{Name: key, Value: data[start:p.i:p.i]})
		last, ok := p.next('}')
		if !ok {
			return nil, nil, false
		}
		if last {
			return members, decoded, p.end()
		}
	}
}

// Elements checks that data is one JSON array, with white space around it,
// and returns its items as written. It reports false when data is not JSON
// or is JSON of another kind.
func Elements(data []byte) ([][]byte, bool) {
	p := parser{data: data}
	p.space()
	items, ok := p.items()
	return items, ok && p.end()
}

// Items checks that data is one JSON object, with white space around it,
// whose only member, name, is an array, and returns the array's items as
// written, in one pass. It reports false for any other data.
func Items(data []byte, name string) ([][]byte, bool) {
	p := parser{data: data}
	p.space()
	if !p.more('{') {
		return nil, false
	}
	p.i++
	p.space()
	if key, ok := p.key(); !ok || key != name {
		return nil, false
	}
	items, ok := p.items()
	if !ok {
		return nil, false
	}
	p.space()
	if !p.more('}') {
		return nil, false
	}
	p.i++
	return items, p.end()
}

// items reads an array and returns its items as written.
func (p *parser) items() ([][]byte, bool) {
	if !p.more('[') {
		return nil, false
	}
	p.i++
	var items [][]byte
	p.space()
	if p.more(']') {
		p.i++
		return items, true
	}
	for {
		start := p.i
		if !p.skip(1) {
			return nil, false
		}
		items = append(items, p.data[start:p.i:p.i])
		last, ok := p.next(']')
		if !ok {
			return nil, false
		}
		if last {
			return items, true
		}
	}
}

// String decodes data, one JSON string as written, as encoding/json does. It
// reports false when data is not a JSON string.
func String(data []byte) (string, bool) {
	p := parser{data: data}
	s, ok := p.str()
	return s, ok && p.i == len(data)
}

type parser struct {
	data []byte
	i    int
}

func (p *parser) more(c byte) bool { return p.i < len(p.data) && p.data[p.i] == c }

// next reads what follows an item of an array or object that end closes: a
// comma, more items to come, or end. It reports false for anything else.
func (p *parser) next(end byte) (last, ok bool) {
	p.space()
	switch {
	case p.more(','):
		p.i++
		p.space()
		return false, true
	case p.more(end):
		p.i++
		return true, true
	}
	return false, false
}

func (p *parser) end() bool {
	p.space()
	return p.i == len(p.data)
}

func (p *parser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// key reads a member name and the colon after it.
func (p *parser) key() (string, bool) {
	name, ok := p.str()
	if !ok {
		return "", false
	}
	p.space()
	if !p.more(':') {
		return "", false
	}
	p.i++
	p.space()
	return name, true
}

func (p *parser) value(depth int) (any, bool) {
	if p.i >= len(p.data) || depth > maxDepth {
		return nil, false
	}
	switch c := p.data[p.i]; c {
	case '{':
		p.i++
		m := map[string]any{}
		p.space()
		if p.more('}') {
			p.i++
			return m, true
		}
		for {
			name, ok := p.key()
			if !ok {
				return nil, false
			}
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			m[name] = v
			last, ok := p.next('}')
			if !ok {
				return nil, false
			}
			if last {
				return m, true
			}
		}
	case '[':
		p.i++
		a := []any{}
		p.space()
		if p.more(']') {
			p.i++
			return a, true
		}
		for {
			v, ok := p.value(depth + 1)
			if !ok {
				return nil, false
			}
			a = append(a, v)
			last, ok := p.next(']')
			if !ok {
				return nil, false
			}
			if last {
				return a, true
			}
		}
	case '"':
		return p.str()
	case 't':
		return true, p.literal("true")
	case 'f':
		return false, p.literal("false")
	case 'n':
		return nil, p.literal("null")
	default:
		start := p.i
		if !p.number() {
			return nil, false
		}
		return json.Number(p.data[start:p.i]), true
	}
}

// skip checks one value and moves past it.
func (p *parser) skip(depth int) bool {
	if p.i >= len(p.data) || depth > maxDepth {
		return false
	}
	switch p.data[p.i] {
	case '{':
		p.i++
		p.space()
		if p.more('}') {
			p.i++
			return true
		}
		for {
			if !p.skipString() {
				return false
			}
			p.space()
			if !p.more(':') {
				return false
			}
			p.i++
			p.space()
			if !p.skip(depth + 1) {
				return false
			}
			last, ok := p.next('}')
			if !ok {
				return false
			}
			if last {
				return true
			}
		}
	case '[':
		p.i++
		p.space()
		if p.more(']') {
			p.i++
			return true
		}
		for {
			if !p.skip(depth + 1) {
				return false
			}
			last, ok := p.next(']')
			if !ok {
				return false
			}
			if last {
				return true
			}
		}
	case '"':
		return p.skipString()
	case 't':
		return p.literal("true")
	case 'f':
		return p.literal("false")
	case 'n':
		return p.literal("null")
	default:
		return p.number()
	}
}

func (p *parser) literal(word string) bool {
	if len(p.data)-p.i < len(word) || string(p.data[p.i:p.i+len(word)]) != word {
		return false
	}
	p.i += len(word)
	return true
}

// number moves past a number as JSON writes it.
func (p *parser) number() bool {
	d, i := p.data, p.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i++; i < len(d) && isDigit(d[i]); i++ {
		}
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || !isDigit(d[i]) {
			return false
		}
		for ; i < len(d) && isDigit(d[i]); i++ {
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			return false
		}
		for ; i < len(d) && isDigit(d[i]); i++ {
		}
	}
	p.i = i
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// str reads a string. One without escapes or invalid UTF-8 is copied as it
// is; any other is handed to encoding/json, whose rules of unescaping and of
// replacing bad bytes it keeps.
func (p *parser) str() (string, bool) {
	start := p.i
	plain, ok := p.scanString()
	if !ok {
		return "", false
	}
	if plain {
		return string(p.data[start+1 : p.i-1]), true
	}
	var s string
	if json.Unmarshal(p.data[start:p.i], &s) != nil {
		return "", false
	}
	return s, true
}

func (p *parser) skipString() bool {
	_, ok := p.scanString()
	return ok
}

// scanString moves past a string and reports whether it is plain: valid
// UTF-8 without escapes.
func (p *parser) scanString() (plain, ok bool) {
	d, i := p.data, p.i
	if i >= len(d) || d[i] != '"' {
		return false, false
	}
	i++
	start, plain := i, true
	for i < len(d) {
		for i < len(d) && !stringStop[d[i]] {
			i++
		}
		if i >= len(d) {
			break
		}
		switch c := d[i]; {
		case c == '"':
			p.i = i + 1
			return plain && utf8.Valid(d[start:i]), true
		case c < 0x20:
			return false, false
		default: // a backslash
			plain = false
			i++
			if i >= len(d) {
				return false, false
			}
			switch d[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(d)-i < 5 || !isHex(d[i+1]) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) {
					return false, false
				}
				i += 4
			default:
				return false, false
			}
			i++
		}
	}
	return false, false
}

// stringStop marks the bytes that end a run of plain characters in a
// string: the quote, the backslash and the control characters.
var stringStop = func() (stop [256]bool) {
	for c := range 0x20 {
		stop[c] = true
	}
	stop['"'], stop['\\'] = true, true
	return stop
}()

func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Append appends v as a json.Encoder with SetEscapeHTML(false) writes it,
// without the newline: object members sorted by name. It takes what Decode
// returns (map[string]any, []any, string, json.Number, bool and nil) and
// reports false for any other type or an invalid json.Number, for the caller
// to hand to encoding/json.
func Append(dst []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case bool:
		if v {
			return append(dst, "true"...), true
		}
		return append(dst, "false"...), true
	case string:
		return AppendString(dst, v, false), true
	case json.Number:
		if v == "" {
			return append(dst, '0'), true
		}
		p := parser{data: []byte(v)}
		if !p.number() || p.i != len(v) {
			return dst, false
		}
		return append(dst, v...), true
	case []any:
		dst = append(dst, '[')
		for i, item := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = Append(dst, item); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	case map[string]any:
		if v == nil {
			return append(dst, "null"...), true
		}
		var buf [16]string
		keys := buf[:0]
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, k, false)
			dst = append(dst, ':')
			var ok bool
			if dst, ok = Append(dst, v[k]); !ok {
				return dst, false
			}
		}
		return append(dst, '}'), true
	}
	return dst, false
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string the way encoding/json writes it;
// with escapeHTML, as json.Marshal does, with <, > and & escaped.
func AppendString(dst []byte, s string, escapeHTML bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && (!escapeHTML || b != '<' && b != '>' && b != '&') {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendHTMLEscaped appends src, compact JSON, as json.Marshal writes a
// json.RawMessage: with <, >, & and U+2028, U+2029 escaped.
func AppendHTMLEscaped(dst, src []byte) []byte {
	start := 0
	for i, c := range src {
		if c == '<' || c == '>' || c == '&' {
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		}
		// U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
		if c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8 {
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[src[i+2]&0xF])
			start = i + 3
		}
	}
	return append(dst, src[start:]...)
}
