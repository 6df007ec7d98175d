package authz_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/credex/credex/authz"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/principal"
)

// Each cell of the matrix is written as the answers for the record types
// of every class (basic, positive, negative, serious_dishonesty), each with
// every disclosure (public, government_shared, authorised_inquiry), then,
// after "|", the answer for no type (nil). Y allows, A allows with approval,
// . denies.
const (
	all  = "YYY YYY YYY YYY | Y"
	none = "... ... ... ... | ."
)

var (
	classes     = []catalog.Class{catalog.Basic, catalog.Positive, catalog.Negative, catalog.SeriousDishonesty}
	disclosures = []catalog.Disclosure{catalog.Public, catalog.GovernmentShared, catalog.AuthorisedInquiry}
)

type row struct {
	department, agency, maintainer, operator, person string
}

// matrix is the whole authorisation matrix, written out.
var matrix = map[authz.Action]row{
	authz.Submit: {
		department: all, agency: none, maintainer: none, operator: none, person: none},
	authz.ReadRecord: {
		department: all, agency: none, maintainer: none, operator: none, person: none},
	authz.FileObjection: {
		department: none, agency: none, maintainer: none, operator: none, person: all},
	authz.ReadObjection: {
		department: all, agency: none, maintainer: none, operator: all, person: all},
	authz.ListObjections: {
		department: all, agency: none, maintainer: none, operator: all, person: none},
	authz.DecideObjection: {
		department: all, agency: none, maintainer: none, operator: none, person: none},
	authz.ApplyRepair: {
		department: none, agency: none, maintainer: none, operator: none, person: "... ... YYY YYY | Y"},
	authz.ReadRepair: {
		department: all, agency: none, maintainer: none, operator: all, person: all},
	authz.ListRepairs: {
		department: all, agency: none, maintainer: none, operator: all, person: none},
	authz.DecideRepair: {
		department: all, agency: none, maintainer: none, operator: none, person: none},
	authz.Subscribe: {
		department: none, agency: "YYA YYA YYA YYA | Y", maintainer: none, operator: none, person: none},
	authz.ReadEvents: {
		department: none, agency: all, maintainer: none, operator: all, person: none},
	authz.QueryLists: {
		department: none, agency: "... YY. ... YY. | Y", maintainer: none, operator: none, person: none},
	authz.PublicQuery: {
		department: "Y.. Y.. Y.. Y.. | Y", agency: "Y.. Y.. Y.. Y.. | Y", maintainer: "Y.. Y.. Y.. Y.. | Y",
		operator: "Y.. Y.. Y.. Y.. | Y", person: "Y.. Y.. Y.. Y.. | Y"},
	authz.PublishCatalog: {
		department: none, agency: none, maintainer: all, operator: none, person: none},
	authz.ApproveCatalog: {
		department: none, agency: none, maintainer: none, operator: all, person: none},
	authz.ApproveSubscription: {
		department: none, agency: none, maintainer: none, operator: all, person: none},
	authz.ListSubscriptions: {
		department: none, agency: all, maintainer: none, operator: all, person: none},
	authz.ManageOwnKeys: {
		department: all, agency: all, maintainer: all, operator: all, person: none},
	authz.RevokeAnyKey: {
		department: none, agency: none, maintainer: none, operator: all, person: none},
	authz.ReadAudit: {
		department: none, agency: none, maintainer: none, operator: all, person: none},
	authz.GrantAuthorisation: {
		department: none, agency: none, maintainer: none, operator: none, person: "..Y ..Y ..Y ..Y | Y"},
	authz.Inquire: {
		department: none, agency: "..Y ..Y ..Y ..Y | Y", maintainer: none, operator: none, person: none},
}

func (r row) of(kind principal.Kind) string {
	switch kind {
	case principal.Department:
		return r.department
	case principal.Agency:
		return r.agency
	case principal.Maintainer:
		return r.maintainer
	case principal.Operator:
		return r.operator
	case authz.Person:
		return r.person
	}
	panic("no column for kind " + kind)
}

// answers renders what authz.Decide says in the notation of matrix.
func answers(kind principal.Kind, action authz.Action) string {
	mark := func(d authz.Decision) string {
		switch d {
		case authz.Allow:
			return "Y"
		case authz.WithApproval:
			return "A"
		}
		return "."
	}
	var b strings.Builder
	for i, c := range classes {
		if i > 0 {
			b.WriteByte(' ')
		}
		for _, d := range disclosures {
			b.WriteString(mark(authz.Decide(kind, action, &catalog.RecordType{Code: "t", Class: c, Disclosure: d})))
		}
	}
	b.WriteString(" | " + mark(authz.Decide(kind, action, nil)))
	return b.String()
}

func TestMatrix(t *testing.T) {
	t.Parallel()
	if len(matrix) != len(authz.Actions) {
		t.Errorf("the test writes out %d actions, the package has %d", len(matrix), len(authz.Actions))
	}
	for _, action := range authz.Actions {
		want, ok := matrix[action]
		if !ok {
			t.Errorf("%s: not written out in the test", action)
			continue
		}
		for _, kind := range authz.Kinds {
			if got, want := answers(kind, action), want.of(kind); got != want {
				t.Errorf("%s × %s = %q, want %q", kind, action, got, want)
			}
		}
	}
}

func TestAllowedIsDecideNotDeny(t *testing.T) {
	t.Parallel()
	inquiry := &catalog.RecordType{Class: catalog.Negative, Disclosure: catalog.AuthorisedInquiry}
	if !authz.Allowed(principal.Agency, authz.Subscribe, inquiry) {
		t.Error("Allowed denies what needs approval; it should allow it")
	}
	if authz.Allowed(principal.Agency, authz.Submit, inquiry) {
		t.Error("Allowed allows what Decide denies")
	}
}

func TestUnknownIsDenied(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		kind   principal.Kind
		action authz.Action
	}{
		{"", authz.PublicQuery},
		{"administrator", authz.ReadAudit},
		{principal.Operator, "delete_everything"},
	} {
		if d := authz.Decide(c.kind, c.action, nil); d != authz.Deny {
			t.Errorf("Decide(%q, %q) = %d, want Deny", c.kind, c.action, d)
		}
	}
}

func Example() {
	blackList := &catalog.RecordType{Code: "serious_dishonesty", Class: catalog.SeriousDishonesty, Disclosure: catalog.GovernmentShared}
	fmt.Println(authz.Allowed(authz.Person, authz.PublicQuery, blackList))
	fmt.Println(authz.Allowed(principal.Agency, authz.QueryLists, blackList))
	// Output:
	// false
	// true
}
