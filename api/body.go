package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/apierr"
)

// decodeJSON reads the next JSON value of dec into v, refusing unknown
// fields, and refuses null, and text holding U+0000, anywhere in it but
// within the top-level members named free (a record's data, which the
// catalogue checks; the member itself must not be null). The API document
// declares no field of a request nullable: a null is not a field left out,
// and taking it for one would accept what the document refuses. U+0000 is
// text the database cannot store.
func decodeJSON(dec *json.Decoder, v any, free ...string) error {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	switch at, found := refusedAt(raw, free); found {
	case foundNull:
		return fmt.Errorf("%s is null: give it a value or leave it out", cmp.Or(at, "the body"))
	case foundNUL:
		return fmt.Errorf("%s holds the character U+0000, which cannot be stored", cmp.Or(at, "the body"))
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// tooLong refuses s, the text at pointer, when it has more than max
// characters (before any spaces around it are trimmed): code too_long.
func tooLong(pointer, s string, max int) *apierr.Error {
	if utf8.RuneCountInString(s) <= max {
		return nil
	}
	return apierr.New(http.StatusBadRequest, "too_long", fmt.Sprintf("%s is longer than %d characters", pointer[1:], max)).At(pointer)
}

// readIDNumber reads the ID number a request gives at /id_number by the
// one rule of ident.NormalizeCitizenID, and returns it as the hub keeps it
// (a 15-digit number as its 18-digit form). It refuses one that is not an
// ID number: code invalid_id_number, with a message naming the position
// and the rule broken but not the number.
func readIDNumber(s string) (string, *apierr.Error) {
	n, _, err := ident.NormalizeCitizenID(s)
	if err != nil {
		return "", apierr.New(http.StatusBadRequest, "invalid_id_number",
			"id_number is not a valid citizen ID number: "+ident.Reason(err)).At("/id_number")
	}
	return n, nil
}

// What refusedAt finds.
const (
	foundNothing = iota
	foundNull
	foundNUL // a string or a member name holding U+0000
)

// refusedAt returns the JSON pointer of the first null, or string holding
// U+0000, in raw, one valid JSON value, and which it found; it looks into
// no member of the top-level object named free.
func refusedAt(raw json.RawMessage, free []string) (string, int) {
	type frame struct {
		object  bool
		wantKey bool
		key     string
		index   int
	}
	var stack []frame
	done := func() { // a value of the innermost container ended
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	pointer := func() string {
		var b strings.Builder
		for _, f := range stack {
			b.WriteByte('/')
			if f.object {
				b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(f.key))
			} else {
				b.WriteString(strconv.Itoa(f.index))
			}
		}
		return b.String()
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	for {
		tok, err := d.Token()
		if err != nil {
			return "", foundNothing
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				stack = append(stack, frame{object: t == '{', wantKey: t == '{'})
				continue
			}
			stack = stack[:len(stack)-1]
			done()
		case string:
			key := len(stack) > 0 && stack[len(stack)-1].wantKey
			if key {
				stack[len(stack)-1].key, stack[len(stack)-1].wantKey = t, false
			}
			switch {
			case strings.ContainsRune(t, 0):
				return pointer(), foundNUL
			case !key:
				done()
			case len(stack) == 1 && slices.Contains(free, t):
				if !skip(d) {
					return pointer(), foundNull
				}
				done()
			}
			continue
		case nil:
			return pointer(), foundNull
		default:
			done()
		}
		if len(stack) == 0 {
			return "", foundNothing
		}
	}
}

// skip reads past the next value of d, and reports false when it is null.
func skip(d *json.Decoder) bool {
	depth := 0
	for {
		tok, err := d.Token()
		switch t := tok.(type) {
		case nil:
			if err == nil && depth == 0 {
				return false
			}
		case json.Delim:
			if t == '{' || t == '[' {
				depth++
			} else {
				depth--
			}
		}
		if err != nil || depth == 0 {
			return true
		}
	}
}
