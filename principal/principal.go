package principal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
)

// Kind is the role of a principal.
type Kind string

// The kinds of principal.
const (
	Department Kind = "department"
	Agency     Kind = "agency"
	Maintainer Kind = "maintainer"
	Operator   Kind = "operator"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	return k == Department || k == Agency || k == Maintainer || k == Operator
}

// Principal is an authenticated caller.
type Principal struct {
	Kind Kind
	Name string
	// Code is a department's unified social credit code; empty for others.
	Code string
	// Types are the record type codes a department may publish.
	Types []string
	// Scope is an agency's kind of body (a catalogue sharing scope such as
	// government or financial_institution); it decides what the agency may
	// receive. Empty for others.
	Scope string
	// LegalBases are the legal bases under which an agency may inquire
	// into persons' records without their authorisation; none for others.
	LegalBases []LegalBasis
	// KeyID names the API key the principal authenticated with; empty
	// when it authenticated with a client certificate.
	KeyID string
}

// LegalBasis is a legal basis of an agency's: a law or decision, by its
// code, under which the agency may inquire into persons' records of Types
// without their authorisation. A basis is the agency's own: another agency
// citing its code is refused.
type LegalBasis struct {
	Code  string   `yaml:"code" json:"code"`
	Types []string `yaml:"types" json:"types"`
}

// LegalBasis returns p's legal basis of this code, if p has one.
func (p *Principal) LegalBasis(code string) (LegalBasis, bool) {
	for _, b := range p.LegalBases {
		if b.Code == code {
			return b, true
		}
	}
	return LegalBasis{}, false
}

// MayPublish reports whether p is a department assigned recordType.
func (p *Principal) MayPublish(recordType string) bool {
	return p.Kind == Department && slices.Contains(p.Types, recordType)
}

// HashKey is how API keys are stored and looked up: hex SHA-256. API keys
// are long random strings, so a fast hash is as safe as a slow one.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// CertHash is how client certificates are stored and looked up: hex SHA-256
// of the certificate's DER, as `openssl x509 -outform der | sha256sum` prints.
func CertHash(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

type ctxKey struct{}

// With returns a context carrying p.
func With(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal carried by ctx, or nil.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}
