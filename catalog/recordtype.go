package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/xeipuuv/gojsonschema"
)

// Class is the kind of credit information a record type holds.
type Class string

// The classes of the catalogue.
const (
	Basic             Class = "basic"
	Positive          Class = "positive" // the "red list"
	Negative          Class = "negative"
	SeriousDishonesty Class = "serious_dishonesty" // the "black list"
)

// Disclosure says who may see records of a type.
type Disclosure string

// The disclosure attributes of the catalogue.
const (
	Public            Disclosure = "public"             // shown to the public
	GovernmentShared  Disclosure = "government_shared"  // shared between government bodies only
	AuthorisedInquiry Disclosure = "authorised_inquiry" // disclosed only on an inquiry the person authorised
)

// Compatibility is the rule a new schema version of a type must follow
// towards the previous one, as a schema registry checks it.
type Compatibility string

// The compatibility modes; Backward is the default.
const (
	Backward Compatibility = "backward" // the new schema accepts every payload the previous one accepted
	Forward  Compatibility = "forward"  // the previous schema accepts every payload the new one accepts
	Full     Compatibility = "full"     // both backward and forward
	None     Compatibility = "none"     // no check
)

// DefaultPeriod is the key of Display.Periods that applies to every record
// when Display.By is empty.
const DefaultPeriod = "default"

// Display holds the public display periods of a record type. The zero
// Display means the catalogue sets no period for the type.
type Display struct {
	// By names the top-level payload field whose value selects the period,
	// such as "severity". Empty means Periods has the single key "default".
	By string `yaml:"by,omitempty" json:"by,omitempty"`
	// Periods maps each value of the By field to its period. When By is set,
	// its keys are exactly the values the schema allows for that field.
	Periods map[string]Period `yaml:"periods" json:"periods,omitempty"`
}

// Period is a display period in months, dated from the deciding document
// (/decision/date). After MinMonths the person may apply for credit repair;
// after MaxMonths display stops by itself. MaxMonths 0 means not displayed.
type Period struct {
	MinMonths int `yaml:"min_months" json:"min_months"`
	MaxMonths int `yaml:"max_months" json:"max_months"`
}

// RecordType is one type of record of the catalogue: its rules, its JSON
// Schema and a valid example payload. A RecordType from Load is immutable
// and safe for concurrent use; its exported fields are for reading, and
// serve as the catalogue API's representation.
type RecordType struct {
	Code          string        `yaml:"code" json:"code"`
	NameZH        string        `yaml:"name_zh" json:"name_zh"`
	NameEN        string        `yaml:"name_en" json:"name_en"`
	Class         Class         `yaml:"class" json:"class"`
	Disclosure    Disclosure    `yaml:"disclosure" json:"disclosure"`
	Departments   []string      `yaml:"departments" json:"departments"` // kinds of department responsible for publishing
	Compatibility Compatibility `yaml:"compatibility" json:"compatibility"`
	Display       Display       `yaml:"display" json:"display"`
	// LegalBasisRequired says records must cite their legal basis; the
	// schema then requires /legal_basis.
	LegalBasisRequired bool `yaml:"legal_basis_required" json:"legal_basis_required"`
	// Version is the version of the type's schema, from 1.
	Version int `yaml:"version" json:"version"`
	// Schema is the JSON Schema (draft-07) of the payload, as written.
	Schema json.RawMessage `yaml:"-" json:"schema"`
	// Example is a valid payload.
	Example json.RawMessage `yaml:"-" json:"example"`

	compiled *gojsonschema.Schema
}

// checkMetadata checks the manifest fields of t, naming the first bad one.
func (t *RecordType) checkMetadata() error {
	switch {
	case !codePattern.MatchString(t.Code):
		return fmt.Errorf("code: %q is not lowercase letters, digits and underscores", t.Code)
	case t.NameZH == "":
		return errors.New("name_zh: missing")
	case t.NameEN == "":
		return errors.New("name_en: missing")
	case !slices.Contains([]Class{Basic, Positive, Negative, SeriousDishonesty}, t.Class):
		return fmt.Errorf("class: %q is not basic, positive, negative or serious_dishonesty", t.Class)
	case !slices.Contains([]Disclosure{Public, GovernmentShared, AuthorisedInquiry}, t.Disclosure):
		return fmt.Errorf("disclosure: %q is not public, government_shared or authorised_inquiry", t.Disclosure)
	case len(t.Departments) == 0:
		return errors.New("departments: missing")
	case !slices.Contains([]Compatibility{Backward, Forward, Full, None}, t.Compatibility):
		return fmt.Errorf("compatibility: %q is not backward, forward, full or none", t.Compatibility)
	case t.Version < 1:
		return fmt.Errorf("version: %d is not a positive number", t.Version)
	}
	for key, p := range t.Display.Periods {
		if p.MinMonths < 0 || p.MaxMonths < p.MinMonths {
			return fmt.Errorf("display: periods: %s: need 0 <= min_months <= max_months", key)
		}
	}
	if t.Display.By == "" && len(t.Display.Periods) > 0 {
		if _, ok := t.Display.Periods[DefaultPeriod]; !ok || len(t.Display.Periods) != 1 {
			return fmt.Errorf("display: periods: without by, the only key must be %q", DefaultPeriod)
		}
	}
	return nil
}

// schemaShape is the part of a schema that Load cross-checks with the manifest.
type schemaShape struct {
	Required   []string                   `json:"required"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// compile compiles schema into t and checks it agrees with the manifest.
func (t *RecordType) compile(schema []byte) error {
	loader := gojsonschema.NewSchemaLoader()
	loader.Draft = gojsonschema.Draft7
	loader.Validate = true
	compiled, err := loader.Compile(gojsonschema.NewBytesLoader(schema))
	if err != nil {
		return err
	}
	var shape schemaShape
	if err := json.Unmarshal(schema, &shape); err != nil {
		return fmt.Errorf("not a JSON Schema object: %w", err)
	}
	for _, field := range []string{"subject", "decision"} {
		if !slices.Contains(shape.Required, field) {
			return fmt.Errorf("required: must include %q", field)
		}
	}
	if t.LegalBasisRequired && !slices.Contains(shape.Required, "legal_basis") {
		return errors.New("required: must include \"legal_basis\", as legal_basis_required is true")
	}
	if by := t.Display.By; by != "" {
		var field struct {
			Enum []string `json:"enum"`
		}
		_ = json.Unmarshal(shape.Properties[by], &field) // a field without a string enum fails below
		allowed := field.Enum
		keys := slices.Sorted(maps.Keys(t.Display.Periods))
		if len(allowed) == 0 || !slices.Equal(keys, slices.Sorted(slices.Values(allowed))) {
			return fmt.Errorf("display: periods must have one key per value of /properties/%s/enum (%s), has %s",
				by, strings.Join(allowed, ", "), strings.Join(keys, ", "))
		}
	}
	t.Schema = json.RawMessage(schema)
	t.compiled = compiled
	return nil
}

// checkExample checks that example is a valid payload of t.
func (t *RecordType) checkExample(example []byte) error {
	if errs := t.Validate(example); len(errs) > 0 {
		return fmt.Errorf("not valid: %s %s", errs[0].Code, errs[0].Pointer)
	}
	_, _, err := t.Subject(example)
	return err
}

// Subject returns the subject's name and ID number, /subject/name and
// /subject/id_number, of a payload. It does not validate the payload: call
// it on one that Validate accepted. It fails when data is not JSON or either
// value is missing or empty; the error does not contain the ID number.
func (t *RecordType) Subject(data json.RawMessage) (name, idNumber string, err error) {
	var p struct {
		Subject struct {
			Name     string `json:"name"`
			IDNumber string `json:"id_number"`
		} `json:"subject"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return "", "", fmt.Errorf("read subject of %s record: %w", t.Code, err)
	}
	if p.Subject.Name == "" || p.Subject.IDNumber == "" {
		return "", "", fmt.Errorf("read subject of %s record: name or id_number missing", t.Code)
	}
	return p.Subject.Name, p.Subject.IDNumber, nil
}

// DisplayPeriod returns the display period that applies to a payload of t,
// chosen by the Display rules, and false when the catalogue sets none for
// it. It does not validate the payload: call it on one that Validate
// accepted.
func (t *RecordType) DisplayPeriod(data json.RawMessage) (Period, bool) {
	if t.Display.By == "" {
		p, ok := t.Display.Periods[DefaultPeriod]
		return p, ok
	}
	var fields map[string]json.RawMessage
	var key string
	if json.Unmarshal(data, &fields) != nil || json.Unmarshal(fields[t.Display.By], &key) != nil {
		return Period{}, false
	}
	p, ok := t.Display.Periods[key]
	return p, ok
}
