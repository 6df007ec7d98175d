// Package subscription decides what an agency may receive and in what form:
// which record types it is entitled to, whether a subscription needs an
// operator's approval, and whether it sees ID numbers in full.
//
// Entitlement comes from the catalogue: a type's sharing scope names the
// kinds of body that may receive it (an agency has one such kind, its
// scope), and its disclosure attribute says whether records are disclosed
// only on an authorised inquiry, in which case a subscription waits for an
// operator's approval. ID numbers are shown in full only to government and
// judicial bodies that the type is shared with by name; everyone else sees
// them masked, by the hub's one masking rule (ident.MaskPayload).
//
// Each agency knows a person by a pseudonym of its own (see Renderer), so
// that agencies cannot join what they receive on a common key.
package subscription

import (
	"slices"

	"github.com/credex/credex/authz"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/principal"
)

// Entitlement is what an agency may do with one record type.
type Entitlement struct {
	// Allowed: the agency may subscribe to the type.
	Allowed bool
	// NeedsApproval: a subscription waits for an operator's approval.
	NeedsApproval bool
	// FullID: the agency sees ID numbers in full.
	FullID bool
}

// fullIDScopes are the kinds of body that may see ID numbers in full.
var fullIDScopes = []catalog.Scope{catalog.ScopeGovernment, catalog.ScopeJudiciary}

// Entitle says what an agency of scope may do with records of t.
func Entitle(scope catalog.Scope, t *catalog.RecordType) Entitlement {
	named := slices.Contains(t.Sharing.Scope, scope)
	return Entitlement{
		Allowed:       named || slices.Contains(t.Sharing.Scope, catalog.ScopePublic),
		NeedsApproval: authz.Decide(principal.Agency, authz.Subscribe, t) == authz.WithApproval,
		FullID:        named && slices.Contains(fullIDScopes, scope),
	}
}
