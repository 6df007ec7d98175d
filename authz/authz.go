package authz

import (
	"slices"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/principal"
)

// Person is the kind of a caller without an API key: the public, and the
// persons records are about, who prove who they are per request.
const Person principal.Kind = "person"

// Kinds are every kind of caller the matrix knows, Person included.
var Kinds = []principal.Kind{principal.Department, principal.Agency, principal.Maintainer, principal.Operator, Person}

// Action is something a caller asks the hub to do.
type Action string

// The actions. Those marked "per type" depend on the record type concerned;
// the others ignore it.
const (
	Submit              Action = "submit"               // per type: publish, correct, revoke records
	ReadRecord          Action = "read_record"          // per type: GET /v1/records/{id} of an own record
	FileObjection       Action = "file_objection"       // per type: a person appeals a record
	ReadObjection       Action = "read_objection"       // one objection: its department, operators, the objector by token
	ListObjections      Action = "list_objections"      // a department's objections; operators all
	DecideObjection     Action = "decide_objection"     // the record's source department
	ApplyRepair         Action = "apply_repair"         // per type: a person applies for credit repair
	ReadRepair          Action = "read_repair"          // one application: its department, operators, the applicant by token
	ListRepairs         Action = "list_repairs"         // a department's applications; operators all
	DecideRepair        Action = "decide_repair"        // the record's source department
	Subscribe           Action = "subscribe"            // per type: create a subscription
	ReadEvents          Action = "read_events"          // read and manage an own subscription and its events
	QueryLists          Action = "query_lists"          // per type: the red and black lists
	PublicQuery         Action = "public_query"         // per type: what is publicly displayed
	PublishCatalog      Action = "publish_catalog"      // new versions of record types
	ApproveCatalog      Action = "approve_catalog"      // approve or reject a version that widens a type's policy
	ApproveSubscription Action = "approve_subscription" // subscriptions to authorised inquiry types
	ListSubscriptions   Action = "list_subscriptions"   // own subscriptions; operators all
	ManageOwnKeys       Action = "manage_own_keys"      // issue, list and revoke the caller's own API keys
	RevokeAnyKey        Action = "revoke_any_key"       // revoke another principal's key
	ReadAudit           Action = "read_audit"           // the audit log
	GrantAuthorisation  Action = "grant_authorisation"  // per type: a person authorises an agency's inquiry
	Inquire             Action = "inquire"              // per type: an agency inquires, authorised or on a legal basis
)

// Actions are every action, in the order of the constants.
var Actions = []Action{Submit, ReadRecord, FileObjection, ReadObjection, ListObjections, DecideObjection,
	ApplyRepair, ReadRepair, ListRepairs, DecideRepair, Subscribe, ReadEvents, QueryLists, PublicQuery,
	PublishCatalog, ApproveCatalog, ApproveSubscription, ListSubscriptions, ManageOwnKeys, RevokeAnyKey, ReadAudit,
	GrantAuthorisation, Inquire}

// Decision is the matrix's answer.
type Decision int

// The decisions.
const (
	Deny Decision = iota
	Allow
	// WithApproval allows the action once an operator approves it (an
	// agency's subscription to authorised inquiry types).
	WithApproval
)

// rule says who may take an action and on which types.
type rule struct {
	kinds []principal.Kind
	// classes and disclosures restrict per-type actions; nil is any.
	classes     []catalog.Class
	disclosures []catalog.Disclosure
	// approval are the disclosures on which the action needs approval.
	approval []catalog.Disclosure
}

var (
	department = []principal.Kind{principal.Department}
	agency     = []principal.Kind{principal.Agency}
	operator   = []principal.Kind{principal.Operator}
	person     = []principal.Kind{Person}
	keyed      = []principal.Kind{principal.Department, principal.Agency, principal.Maintainer, principal.Operator}
)

var rules = map[Action]rule{
	Submit:          {kinds: department},
	ReadRecord:      {kinds: department},
	FileObjection:   {kinds: person},
	ReadObjection:   {kinds: []principal.Kind{principal.Department, principal.Operator, Person}},
	ListObjections:  {kinds: []principal.Kind{principal.Department, principal.Operator}},
	DecideObjection: {kinds: department},
	ApplyRepair: {kinds: person,
		classes: []catalog.Class{catalog.Negative, catalog.SeriousDishonesty}},
	ReadRepair:   {kinds: []principal.Kind{principal.Department, principal.Operator, Person}},
	ListRepairs:  {kinds: []principal.Kind{principal.Department, principal.Operator}},
	DecideRepair: {kinds: department},
	Subscribe: {kinds: agency,
		approval: []catalog.Disclosure{catalog.AuthorisedInquiry}},
	ReadEvents: {kinds: []principal.Kind{principal.Agency, principal.Operator}},
	QueryLists: {kinds: agency,
		classes:     catalog.ListedClasses,
		disclosures: []catalog.Disclosure{catalog.Public, catalog.GovernmentShared}},
	PublicQuery: {kinds: Kinds,
		disclosures: []catalog.Disclosure{catalog.Public}},
	PublishCatalog:      {kinds: []principal.Kind{principal.Maintainer}},
	ApproveCatalog:      {kinds: operator},
	ApproveSubscription: {kinds: operator},
	ListSubscriptions:   {kinds: []principal.Kind{principal.Agency, principal.Operator}},
	ManageOwnKeys:       {kinds: keyed},
	RevokeAnyKey:        {kinds: operator},
	ReadAudit:           {kinds: operator},
	GrantAuthorisation: {kinds: person,
		disclosures: []catalog.Disclosure{catalog.AuthorisedInquiry}},
	Inquire: {kinds: agency,
		disclosures: []catalog.Disclosure{catalog.AuthorisedInquiry}},
}

// Decide answers whether a caller of kind may take action on records of
// type t. For an action per type, a nil t asks whether the kind may take the
// action on some type at all (the check before the types are known); the
// other actions ignore t. Unknown kinds and actions are denied.
func Decide(kind principal.Kind, action Action, t *catalog.RecordType) Decision {
	r, ok := rules[action]
	if !ok || !slices.Contains(r.kinds, kind) {
		return Deny
	}
	if t == nil {
		return Allow
	}
	if r.classes != nil && !slices.Contains(r.classes, t.Class) ||
		r.disclosures != nil && !slices.Contains(r.disclosures, t.Disclosure) {
		return Deny
	}
	if slices.Contains(r.approval, t.Disclosure) {
		return WithApproval
	}
	return Allow
}

// Allowed reports whether Decide allows the action, with or without approval.
func Allowed(kind principal.Kind, action Action, t *catalog.RecordType) bool {
	return Decide(kind, action, t) != Deny
}
