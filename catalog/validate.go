package catalog

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xeipuuv/gojsonschema"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/jsonvalue"
)

// The codes of FieldError. They are stable: departments branch on them.
const (
	CodeMalformedJSON     = "malformed_json"      // the data is not JSON at all
	CodeMissingField      = "missing_field"       // a required field is absent
	CodeWrongType         = "wrong_type"          // a value has the wrong JSON type
	CodeInvalidIDNumber   = "invalid_id_number"   // not a valid citizen ID number
	CodeInvalidCreditCode = "invalid_credit_code" // not a valid unified social credit code
	CodeInvalidDate       = "invalid_date"        // not a YYYY-MM-DD calendar date
	CodeNotAllowedValue   = "not_allowed_value"   // not one of the values listed for the field
	CodeUnknownField      = "unknown_field"       // a field the record type does not have
	CodeInvalidString     = "invalid_string"      // a string too short, too long or off pattern
	CodeOutOfRange        = "out_of_range"        // a number outside its bounds, or beyond what the database stores
	CodeInvalidArray      = "invalid_array"       // too few or too many items, or repeated items
	CodeInvalidValue      = "invalid_value"       // any other violation of the schema
)

// The formats that schemas may use beyond gojsonschema's own.
const (
	FormatCitizenID  = "citizen-id"
	FormatCreditCode = "credit-code"
)

// FieldError is one problem with a payload.
type FieldError struct {
	// Code is one of the Code constants.
	Code string `json:"code"`
	// Pointer is the JSON pointer (RFC 6901) of the offending value relative
	// to the payload root: "" for the root, "/subject/id_number", "/penalty_types/1".
	// For missing_field and unknown_field it points at the missing or unknown
	// field itself.
	Pointer string `json:"pointer"`
	// Message is an English sentence telling what to fix. It never contains
	// the value at fault.
	Message string `json:"message"`
}

// formats are the checks of the formats beyond gojsonschema's own.
var formats = map[string]func(string) error{
	FormatCitizenID:  ident.CheckCitizenID,
	FormatCreditCode: ident.CheckCreditCode,
}

func init() {
	// gojsonschema's format checkers are global; these are registered once.
	for name, check := range formats {
		gojsonschema.FormatCheckers.Add(name, stringChecker(check))
	}
}

// stringChecker adapts an identifier check to a gojsonschema format
// checker. A value that is not a string passes: its type is checked apart.
type stringChecker func(string) error

func (check stringChecker) IsFormat(v any) bool {
	s, ok := v.(string)
	return !ok || check(s) == nil
}

// Validate checks a payload, the raw JSON of a record's "data", against the
// type's schema, and that the database can store it (storable). It returns
// nil for a valid payload, and otherwise every problem found, sorted by
// pointer then code, at most one per code and pointer; a payload with a
// number the database cannot store gets only the errors of what it cannot
// store, since checking such a number against the schema can take seconds.
// Data that is not JSON gives the single error malformed_json at "".
// Validate is safe for concurrent use.
func (t *RecordType) Validate(data json.RawMessage) []FieldError {
	v, err := Decode(data)
	if err != nil {
		return []FieldError{{Code: CodeMalformedJSON, Message: "The data is not well-formed JSON."}}
	}
	return t.ValidateValue(v)
}

// Decode decodes a payload once, for ValidateValue, NormalizeValue,
// SubjectOf and DisplayPeriodOf to read: objects as map[string]any, numbers
// as json.Number, so that nothing of the payload is lost.
func Decode(data json.RawMessage) (any, error) {
	if v, ok := jsonvalue.Decode(data); ok {
		return v, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// ValidateValue is Validate of a payload already decoded by Decode.
func (t *RecordType) ValidateValue(v any) []FieldError {
	ok := storable(v)
	if ok && t.fast != nil && t.fast.judge(v) == valid {
		return nil
	}
	var errs []FieldError
	if !ok {
		errs = storageErrors(v)
		if slices.ContainsFunc(errs, func(fe FieldError) bool { return fe.Code == CodeOutOfRange }) {
			return sorted(errs)
		}
	}
	result, err := t.compiled.Validate(gojsonschema.NewRawLoader(v))
	if err != nil {
		return []FieldError{{Code: CodeMalformedJSON, Message: "The data could not be read as JSON."}}
	}
	if result.Valid() && len(errs) == 0 {
		return nil
	}
	wrongType := map[string]bool{}
	for _, re := range result.Errors() {
		if fe, ok := fieldError(re); ok {
			errs = append(errs, fe)
			if fe.Code == CodeWrongType {
				wrongType[fe.Pointer] = true
			}
		}
	}
	// A value of the wrong type may also fail its format; the type is what to fix.
	errs = slices.DeleteFunc(errs, func(fe FieldError) bool {
		return fe.Code != CodeWrongType && wrongType[fe.Pointer]
	})
	return sorted(errs)
}

// sorted sorts errs by pointer then code and keeps one of each code and
// pointer.
func sorted(errs []FieldError) []FieldError {
	slices.SortFunc(errs, func(a, b FieldError) int {
		return cmp.Or(cmp.Compare(a.Pointer, b.Pointer), cmp.Compare(a.Code, b.Code))
	})
	return slices.CompactFunc(errs, func(a, b FieldError) bool {
		return a.Code == b.Code && a.Pointer == b.Pointer
	})
}

// fieldError translates a gojsonschema error, and reports false for errors
// that only summarise others reported beside them.
func fieldError(re gojsonschema.ResultError) (FieldError, bool) {
	path := contextPath(re.Context())
	d := re.Details()
	switch re.Type() {
	case "condition_then", "condition_else", "number_any_of", "number_one_of", "number_all_of":
		return FieldError{}, false
	case "required", "additional_property_not_allowed":
		path = append(path, fmt.Sprint(d["property"]))
	}
	at := label(path)
	fe := FieldError{Pointer: pointer(path)}
	switch re.Type() {
	case "required":
		fe.Code, fe.Message = CodeMissingField, at+" is required but missing."
	case "additional_property_not_allowed":
		fe.Code, fe.Message = CodeUnknownField, "This field is not defined for this record type; remove it or check its spelling."
	case "invalid_type":
		fe.Code, fe.Message = CodeWrongType, fmt.Sprintf("%s must be of type %v, not %v.", at, d["expected"], d["given"])
	case "format":
		fe.Code, fe.Message = formatError(at, fmt.Sprint(d["format"]), re.Value())
	case "enum":
		fe.Code, fe.Message = CodeNotAllowedValue, fmt.Sprintf("%s must be one of %v.", at, d["allowed"])
	case "string_gte":
		fe.Code, fe.Message = CodeInvalidString, fmt.Sprintf("%s must be at least %v characters long.", at, d["min"])
		if fmt.Sprint(d["min"]) == "1" {
			fe.Message = at + " must not be empty."
		}
	case "string_lte":
		fe.Code, fe.Message = CodeInvalidString, fmt.Sprintf("%s must be at most %v characters long.", at, d["max"])
	case "pattern":
		fe.Code, fe.Message = CodeInvalidString, fmt.Sprintf("%s must match the pattern %v.", at, d["pattern"])
	case "number_gte":
		fe.Code, fe.Message = CodeOutOfRange, fmt.Sprintf("%s must be at least %v.", at, d["min"])
	case "number_gt":
		fe.Code, fe.Message = CodeOutOfRange, fmt.Sprintf("%s must be greater than %v.", at, d["min"])
	case "number_lte":
		fe.Code, fe.Message = CodeOutOfRange, fmt.Sprintf("%s must be at most %v.", at, d["max"])
	case "number_lt":
		fe.Code, fe.Message = CodeOutOfRange, fmt.Sprintf("%s must be less than %v.", at, d["max"])
	case "array_min_items":
		fe.Code, fe.Message = CodeInvalidArray, fmt.Sprintf("%s must have at least %v items.", at, d["min"])
		if fmt.Sprint(d["min"]) == "1" {
			fe.Message = at + " must not be empty."
		}
	case "array_max_items":
		fe.Code, fe.Message = CodeInvalidArray, fmt.Sprintf("%s must have at most %v items.", at, d["max"])
	case "unique":
		fe.Code, fe.Message = CodeInvalidArray, fmt.Sprintf("%s must not repeat an item: items %v and %v are equal.", at, d["i"], d["j"])
	case "array_no_additional_items", "contains":
		fe.Code, fe.Message = CodeInvalidArray, at+" does not have the items required."
	default:
		fe.Code, fe.Message = CodeInvalidValue, at+" has a value that is not allowed here."
	}
	return fe, true
}

// formatError gives the code and message for a value that fails a format.
// The message names the position and the rule broken, as
// ident.NormalizeCitizenID and ident.NormalizeCreditCode do, the rule that
// Normalize applies before Validate.
func formatError(at, format string, value any) (code, message string) {
	s, _ := value.(string)
	switch format {
	case FormatCitizenID:
		_, _, err := ident.NormalizeCitizenID(s)
		return CodeInvalidIDNumber, fmt.Sprintf("%s is not a valid citizen ID number: %s.", at, reason(err))
	case FormatCreditCode:
		_, _, err := ident.NormalizeCreditCode(s)
		return CodeInvalidCreditCode, fmt.Sprintf("%s is not a valid unified social credit code: %s.", at, reason(err))
	case "date":
		return CodeInvalidDate, at + " must be a calendar date written YYYY-MM-DD."
	default:
		return CodeInvalidValue, fmt.Sprintf("%s is not a valid %s.", at, format)
	}
}

// reason is the clause of a message about an identifier that err, from
// normalising it, refused; nil means the identifier is valid but was not
// normalised first.
func reason(err error) string {
	if err == nil {
		return "it is not written as the hub keeps it, in ASCII, the letters in upper case, with no white space around it"
	}
	return ident.Reason(err)
}

// contextPath splits a gojsonschema context into its property names and
// array indexes, without the root. A NUL separator cannot clash with the
// names of schema-defined properties.
func contextPath(c *gojsonschema.JsonContext) []string {
	if c == nil {
		return nil
	}
	parts := strings.Split(c.String("\x00"), "\x00")
	return parts[1:] // parts[0] is the root, "(root)"
}

// label names path in a message, independently of where the payload sits
// in a request: "The record data", "Field subject.id_number", "Field
// penalty_types[1]". Every name in path is defined by the schema, as
// unknown fields are reported at their parent, so a label never repeats a
// value from the payload.
func label(path []string) string {
	if len(path) == 0 {
		return "The record data"
	}
	var b strings.Builder
	b.WriteString("Field ")
	for i, p := range path {
		switch {
		case strings.Trim(p, "0123456789") == "":
			b.WriteString("[" + p + "]")
		case i > 0:
			b.WriteString("." + p)
		default:
			b.WriteString(p)
		}
	}
	return b.String()
}

// pointer makes an RFC 6901 JSON pointer of path.
func pointer(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(p))
	}
	return b.String()
}

// storable reports whether the database can store v, a payload as Decode
// returns it: no string or field name of it holds the character U+0000, and
// every number of it has at most maxNumberLength characters, an exponent of
// at most maxExponent either way, and a value within the range of a 64-bit
// floating-point number, as RFC 8259 advises for interoperability: a
// magnitude of at most about 1.8e308 and, unless zero, at least about
// 4.9e-324. A record with anything else could be accepted and never stored.
func storable(v any) bool {
	switch v := v.(type) {
	case string:
		return !strings.ContainsRune(v, 0)
	case json.Number:
		return storableNumber(v)
	case []any:
		for _, item := range v {
			if !storable(item) {
				return false
			}
		}
	case map[string]any:
		for k, item := range v {
			if strings.ContainsRune(k, 0) || !storable(item) {
				return false
			}
		}
	}
	return true
}

// The bounds of a number the database stores (storable).
const (
	maxNumberLength = 100
	maxExponent     = 400
)

func storableNumber(n json.Number) bool {
	s := string(n)
	if len(s) > maxNumberLength {
		return false
	}
	mantissa := s
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(s[i+1:])
		if err != nil || exp < -maxExponent || exp > maxExponent {
			return false
		}
		mantissa = s[:i]
	}
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && (f != 0 || strings.Trim(mantissa, "-0.") == "")
}

// storageErrors returns an error for each value of v, or field name, that
// the database cannot store (storable): invalid_string for text holding
// U+0000, out_of_range for a number.
func storageErrors(v any) []FieldError {
	var errs []FieldError
	var walk func(path []string, v any)
	walk = func(path []string, v any) {
		switch v := v.(type) {
		case string:
			if strings.ContainsRune(v, 0) {
				errs = append(errs, FieldError{Code: CodeInvalidString, Pointer: pointer(path),
					Message: label(path) + " contains the character U+0000, which cannot be stored; remove it."})
			}
		case json.Number:
			if !storableNumber(v) {
				errs = append(errs, FieldError{Code: CodeOutOfRange, Pointer: pointer(path),
					Message: fmt.Sprintf("%s is a number that cannot be stored: write it in at most %d characters, "+
						"within the range of a 64-bit floating-point number (about ±1.8e308).", label(path), maxNumberLength)})
			}
		case []any:
			for i, item := range v {
				walk(append(slices.Clip(path), strconv.Itoa(i)), item)
			}
		case map[string]any:
			for k, item := range v {
				at := append(slices.Clip(path), k)
				if strings.ContainsRune(k, 0) {
					errs = append(errs, FieldError{Code: CodeInvalidString, Pointer: pointer(at),
						Message: "A field name contains the character U+0000, which cannot be stored; remove it."})
				}
				walk(at, item)
			}
		}
	}
	walk(nil, v)
	return errs
}

// pointerEscaper escapes a key for a JSON pointer (RFC 6901);
// pointerUnescaper undoes it.
var (
	pointerEscaper   = strings.NewReplacer("~", "~0", "/", "~1")
	pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
)
