package ident

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The one rule by which the hub masks citizen ID numbers for every reader
// that is not entitled to see them in full.
//
// A number is found by its shape, not by its check character: 17 digits,
// the first not 0, whose 7th to 14th read as a plausible birth date (a year
// from 1800 to 2099, a month from 01 to 12, a day from 01 to 31), and the
// check character that follows them, if any. The check character is not
// required to be right because it adds nothing to what a number discloses:
// anyone can compute it from the 17 digits, so a number written with a
// wrong check character, or with none, still names its person. The birth
// date keeps other long numbers (organisation codes, amounts, bank card
// numbers) from being masked: 1 random digit string in about a thousand
// has one in the right place.
//
// The digits may be written in any script (ASCII, full width, Arabic-Indic
// and every other Unicode decimal digit, and the Chinese numerals 〇 to 九
// and 零 to 玖), the check character as X or x in either width, and a
// number may be broken by up to 3 separator characters between any two of
// its characters: spaces of any kind, dashes and hyphens of any kind, and
// invisible formatting characters such as the zero-width space. A number
// is found inside a longer run of digits too, so neither a digit before it
// nor one after it hides it.
//
// The 10 characters after the first 4 of each number found, digits 5 to
// 14 (the rest of the region code and the birth date), are replaced by
// stars: 500103 19850312 2018 becomes 5001** ******** 2018, as
// MaskCitizenID shows a number on its own as 5001**********2018.
// Separators are kept.
//
// It does not find a number spelt in words (五百), split by letters or
// other punctuation, or spread over several strings of a payload; nor the
// 15-digit numbers of the first generation.

const (
	// idBody is the length of a citizen ID number without its check
	// character.
	idBody = idLength - 1
	// maxGap is the most separator characters between two characters of
	// one number.
	maxGap = 3
	// checkX is the value of a check character X.
	checkX = 10
)

// idToken is a character of a text that may belong to an ID number: a
// digit, or an X that may be a check character.
type idToken struct {
	start, end int // byte offsets in the text
	value      int // 0 to 9, or checkX
}

// scanIDs calls found for every ID number in s (see the rule above) with
// the run of tokens it is in, the index of its first token in the run and
// its length in tokens: 17, or 18 when a check character follows.
func scanIDs(s string, found func(run []idToken, first, n int)) {
	if len(s) < idBody {
		return
	}
	var run []idToken
	gap := 0
	flush := func() {
		for i := 0; i+idBody <= len(run); i++ {
			if idShaped(run[i : i+idBody]) {
				found(run, i, min(idLength, len(run)-i))
			}
		}
		run, gap = run[:0], 0
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch v, ok := idChar(r); {
		case ok:
			if gap > maxGap {
				flush()
			}
			run, gap = append(run, idToken{start: i, end: i + size, value: v}), 0
		case len(run) > 0 && isIDSeparator(r):
			gap++
		default:
			flush()
		}
		i += size
	}
	flush()
}

// idShaped reports whether 17 tokens are the body of an ID number: digits,
// the first not 0, with a plausible birth date at the 7th to 14th.
func idShaped(t []idToken) bool {
	if t[0].value == 0 {
		return false
	}
	for _, c := range t {
		if c.value == checkX {
			return false
		}
	}
	year, month, day := digitsValue(t[6:10]), digitsValue(t[10:12]), digitsValue(t[12:14])
	return 1800 <= year && year <= 2099 && 1 <= month && month <= 12 && 1 <= day && day <= 31
}

func digitsValue(t []idToken) int {
	n := 0
	for _, c := range t {
		n = 10*n + c.value
	}
	return n
}

// chineseDigits are the Chinese numerals that write one digit each, in
// their common and their financial forms, simplified and traditional.
var chineseDigits = map[rune]int{
	'〇': 0, '零': 0,
	'一': 1, '壹': 1,
	'二': 2, '贰': 2, '貳': 2,
	'三': 3, '叁': 3, '參': 3,
	'四': 4, '肆': 4,
	'五': 5, '伍': 5,
	'六': 6, '陆': 6, '陸': 6,
	'七': 7, '柒': 7,
	'八': 8, '捌': 8,
	'九': 9, '玖': 9,
}

// idChar says whether r may be a character of an ID number, and its value.
func idChar(r rune) (int, bool) {
	switch {
	case '0' <= r && r <= '9':
		return int(r - '0'), true
	case r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ':
		return checkX, true
	case r < utf8.RuneSelf:
		return 0, false
	}
	if v, ok := chineseDigits[r]; ok {
		return v, true
	}
	if unicode.IsDigit(r) {
		return decimalValue(r), true
	}
	return 0, false
}

// decimalValue is the value of a Unicode decimal digit (category Nd).
// Unicode encodes them in runs of ten, from 0 to 9, and the ranges of
// unicode.Nd are whole runs.
func decimalValue(r rune) int {
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	return 0
}

// isIDSeparator reports whether r may stand between two characters of an
// ID number: a space, a dash or an invisible formatting character.
func isIDSeparator(r rune) bool {
	return unicode.IsSpace(r) || unicode.In(r, unicode.Pd, unicode.Cf)
}

// MaskText returns s with every citizen ID number in it masked, by the
// rule above: the digits 5 to 14 of each replaced by stars. A string with
// no number comes back as it was.
func MaskText(s string) string {
	var stars []idToken
	scanIDs(s, func(run []idToken, first, _ int) {
		for _, t := range run[first+4 : first+14] {
			// Numbers found in one run overlap; star each character once.
			if len(stars) == 0 || t.start >= stars[len(stars)-1].end {
				stars = append(stars, t)
			}
		}
	})
	if len(stars) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prev := 0
	for _, t := range stars {
		b.WriteString(s[prev:t.start])
		b.WriteByte('*')
		prev = t.end
	}
	b.WriteString(s[prev:])
	return b.String()
}

// FindCitizenIDs returns every citizen ID number that MaskText would mask
// in s, in order, written plainly: 17 ASCII digits and the check character
// that follows them, if any, as a digit or an uppercase X. A number that
// CheckCitizenID accepts is a full, valid ID number.
func FindCitizenIDs(s string) []string {
	var ids []string
	scanIDs(s, func(run []idToken, first, n int) {
		id := make([]byte, n)
		for i, t := range run[first : first+n] {
			id[i] = 'X'
			if t.value != checkX {
				id[i] = byte('0' + t.value)
			}
		}
		ids = append(ids, string(id))
	})
	return ids
}

// MaskPayload returns the JSON document data with every citizen ID number
// masked: the value of every "id_number" property, at any depth, by
// MaskCitizenID (a value that is no 18-character number is starred
// through), and every ID number written in any other string, in an object
// key or as a number, by MaskText. A number that holds an ID number comes
// back as a string. Everything else is kept, numbers exactly as written;
// object keys come back sorted. Data that is not JSON comes back as null,
// never as it was.
//
// This is what every reader not entitled to ID numbers in full receives of
// a payload: the public, and agencies for the types they see masked.
func MaskPayload(data []byte) json.RawMessage {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return json.RawMessage("null")
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(maskJSON(v, false)); err != nil {
		return json.RawMessage("null")
	}
	return bytes.TrimRight(out.Bytes(), "\n")
}

// maskJSON masks a decoded JSON value; isIDNumber says that it is the
// value of an "id_number" property.
func maskJSON(v any, isIDNumber bool) any {
	switch v := v.(type) {
	case map[string]any:
		var renamed []string
		for k, x := range v {
			if MaskText(k) != k {
				renamed = append(renamed, k)
				continue
			}
			v[k] = maskJSON(x, k == "id_number")
		}
		// In key order, so that of two keys that mask alike the first stays.
		slices.Sort(renamed)
		for _, k := range renamed {
			if _, dup := v[MaskText(k)]; !dup {
				v[MaskText(k)] = maskJSON(v[k], false)
			}
			delete(v, k)
		}
	case []any:
		for i, x := range v {
			v[i] = maskJSON(x, false)
		}
	case string:
		if isIDNumber {
			return MaskCitizenID(v)
		}
		return MaskText(v)
	case json.Number:
		if isIDNumber {
			return MaskCitizenID(v.String())
		}
		if m := MaskText(v.String()); m != v.String() {
			return m
		}
	}
	return v
}
