package catalog

import (
	"encoding/json"
	"fmt"

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
// towards earlier ones, as a schema registry checks it. The plain modes
// compare with the previous version only; the transitive ones with every
// earlier version.
type Compatibility string

// The compatibility modes; Backward is the default.
const (
	Backward           Compatibility = "backward"            // the new schema accepts every payload the previous one accepted
	BackwardTransitive Compatibility = "backward_transitive" // backward towards every earlier version
	Forward            Compatibility = "forward"             // the previous schema accepts every payload the new one accepts
	ForwardTransitive  Compatibility = "forward_transitive"  // forward towards every earlier version
	Full               Compatibility = "full"                // both backward and forward
	FullTransitive     Compatibility = "full_transitive"     // both, towards every earlier version
	None               Compatibility = "none"                // no check
)

// Scope is a kind of body that records of a type may be shared with.
type Scope string

// The sharing scopes of the catalogue.
const (
	ScopePublic               Scope = "public"                // anyone, through the public credit website and query API
	ScopeGovernment           Scope = "government"            // government bodies, for their statutory duties
	ScopeJudiciary            Scope = "judiciary"             // courts and procuratorates
	ScopeFinancialInstitution Scope = "financial_institution" // banks and licensed lenders
	ScopeCreditServiceAgency  Scope = "credit_service_agency" // licensed credit reporting and rating agencies
)

// Usage is a purpose records of a type may be used for.
type Usage string

// The usage rights of the catalogue.
const (
	UsagePublicDisplay        Usage = "public_display"        // shown to the public (信用公示)
	UsageIdentityVerification Usage = "identity_verification" // confirming who a person is
	UsageAdministrativeReview Usage = "administrative_review" // consulted when deciding an application: licences, procurement, subsidies, appointments
	UsageCreditSupervision    Usage = "credit_supervision"    // graded, risk-based supervision (分级分类监管)
	UsageCreditReport         Usage = "credit_report"         // in credit reports issued to the person or on an inquiry they authorised
	UsageJointReward          Usage = "joint_reward"          // joint incentives for the trustworthy (守信联合激励); positive types only
	UsageJointPunishment      Usage = "joint_punishment"      // joint punishment of the dishonest (失信联合惩戒); negative and serious dishonesty types only
)

// Sharing says with whom records of a type are shared and what for.
type Sharing struct {
	// Scope lists the kinds of body that may receive the records. It
	// includes "public" exactly when the type's disclosure is public.
	Scope []Scope `yaml:"scope" json:"scope"`
	// Usage lists what the receivers may use the records for.
	Usage []Usage `yaml:"usage" json:"usage"`
}

// Classes are the classes of the catalogue, in the order documents list them.
var Classes = []Class{Basic, Positive, Negative, SeriousDishonesty}

// The other closed vocabularies of the catalogue, in the order documents list them.
var (
	disclosures     = []Disclosure{Public, GovernmentShared, AuthorisedInquiry}
	compatibilities = []Compatibility{Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive, None}
	scopes          = []Scope{ScopePublic, ScopeGovernment, ScopeJudiciary, ScopeFinancialInstitution, ScopeCreditServiceAgency}
	usages          = []Usage{UsagePublicDisplay, UsageIdentityVerification, UsageAdministrativeReview, UsageCreditSupervision,
		UsageCreditReport, UsageJointReward, UsageJointPunishment}
)

// MaxNegativeMonths is the longest display period of negative and serious
// dishonesty information: five years after the event.
const MaxNegativeMonths = 60

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
	Code       string     `yaml:"code" json:"code"`
	NameZH     string     `yaml:"name_zh" json:"name_zh"`
	NameEN     string     `yaml:"name_en" json:"name_en"`
	Class      Class      `yaml:"class" json:"class"`
	Disclosure Disclosure `yaml:"disclosure" json:"disclosure"`
	// Departments are the codes, from the department registry, of the
	// kinds of department responsible for publishing records of the type.
	Departments   []string      `yaml:"departments" json:"departments"`
	Sharing       Sharing       `yaml:"sharing" json:"sharing"`
	Compatibility Compatibility `yaml:"compatibility" json:"compatibility"`
	Display       Display       `yaml:"display" json:"display"`
	// Requires lists the payload fields, as dotted paths such as
	// "decision.document_no", that the regulations require every record to
	// carry: its legal basis and its deciding document. The schema requires
	// each of them.
	Requires []string `yaml:"requires" json:"requires"`
	// LegalBasisRequired says records must cite their legal basis
	// (/legal_basis): Requires lists "legal_basis".
	LegalBasisRequired bool `yaml:"-" json:"legal_basis_required"`
	// Version is the version of the type's schema, from 1.
	Version int `yaml:"version" json:"version"`
	// Schema is the JSON Schema (draft-07) of the payload, as written.
	Schema json.RawMessage `yaml:"-" json:"schema"`
	// Example is a valid payload.
	Example json.RawMessage `yaml:"-" json:"example"`

	compiled *gojsonschema.Schema
	// fast judges valid payloads before compiled is asked; nil when the
	// schema uses what it does not know.
	fast *fastSchema
	// formats is what Normalize reads of Schema.
	formats *formatNode
}

// Subject returns the subject's name and ID number, /subject/name and
// /subject/id_number, of a payload. It does not validate the payload: call
// it on one that Validate accepted. It fails when data is not JSON or either
// value is missing or empty; the error does not contain the ID number.
func (t *RecordType) Subject(data json.RawMessage) (name, idNumber string, err error) {
	v, err := Decode(data)
	if err != nil {
		return "", "", fmt.Errorf("read subject of %s record: %w", t.Code, err)
	}
	return t.SubjectOf(v)
}

// SubjectOf is Subject of a payload decoded by Decode.
func (t *RecordType) SubjectOf(v any) (name, idNumber string, err error) {
	subject, _ := member(v, "subject").(map[string]any)
	name, _ = subject["name"].(string)
	idNumber, _ = subject["id_number"].(string)
	if name == "" || idNumber == "" {
		return "", "", fmt.Errorf("read subject of %s record: name or id_number missing", t.Code)
	}
	return name, idNumber, nil
}

// member is the member name of v, an object, or nil.
func member(v any, name string) any {
	m, _ := v.(map[string]any)
	return m[name]
}

// DisplayPeriod returns the display period that applies to a payload of t,
// chosen by the Display rules, and false when the catalogue sets none for
// it. It does not validate the payload: call it on one that Validate
// accepted.
func (t *RecordType) DisplayPeriod(data json.RawMessage) (Period, bool) {
	v, _ := Decode(data) // nil when not JSON: no value selects a period
	return t.DisplayPeriodOf(v)
}

// DisplayPeriodOf is DisplayPeriod of a payload decoded by Decode.
func (t *RecordType) DisplayPeriodOf(v any) (Period, bool) {
	if t.Display.By == "" {
		p, ok := t.Display.Periods[DefaultPeriod]
		return p, ok
	}
	key, ok := member(v, t.Display.By).(string)
	if !ok {
		return Period{}, false
	}
	p, ok := t.Display.Periods[key]
	return p, ok
}
