package idtoken

import (
	"context"
	"errors"
	"strings"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/record"
)

// Person is a person as their identity provider vouches for them.
type Person struct {
	// IDNumber is the person's citizen ID number, valid, as
	// ident.NormalizeCitizenID writes it.
	IDNumber string
	// Name is the person's name.
	Name string
	// Issuer and Subject are the provider and the provider's identifier
	// of the person.
	Issuer, Subject string
	// Nonce is the token's nonce claim, empty when it has none: a sign-in
	// checks it is the one it sent (Login).
	Nonce string `json:",omitempty"`
}

type ctxKey struct{}

// With returns ctx carrying p, the person a request acts for.
func With(ctx context.Context, p *Person) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the person ctx carries, or nil.
func From(ctx context.Context) *Person {
	p, _ := ctx.Value(ctxKey{}).(*Person)
	return p
}

// Errors of Subject.
var (
	// ErrNoPerson: the request bears no verified ID token.
	ErrNoPerson = errors.New("no person proved who they are")
	// ErrNotThePerson: the request names someone other than the person
	// its ID token proves.
	ErrNotThePerson = errors.New("the request names someone other than the person of the ID token")
)

// Subject is the one check of what a request says about the person it acts
// for. It returns the keyed hash of the ID number (record.SubjectKey under
// key) of the person ctx carries (With), by which the hub finds their
// records, once it has checked that name and idNumber, those the request
// gives, are that person's: each may be empty, and else must be theirs
// (the name trimmed, the ID number read by ident.NormalizeCitizenID, as
// the API reads ID numbers).
// It returns ErrNoPerson when ctx carries no person and ErrNotThePerson
// when the request names someone else; it does not say which part
// differed.
func Subject(ctx context.Context, key []byte, name, idNumber string) (string, error) {
	p := From(ctx)
	if p == nil {
		return "", ErrNoPerson
	}
	if name = strings.TrimSpace(name); name != "" && name != p.Name {
		return "", ErrNotThePerson
	}
	if idNumber != "" {
		if n, _, err := ident.NormalizeCitizenID(idNumber); err != nil || n != p.IDNumber {
			return "", ErrNotThePerson
		}
	}
	return record.SubjectKey(key, p.IDNumber), nil
}
