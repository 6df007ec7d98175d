package principal

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Seed is a file of principals, such as deploy/dev/seed.yaml.
type Seed struct {
	Principals []SeedEntry `yaml:"principals"`
}

// SeedEntry is one principal of a seed file. It names either the key itself
// (for development) or only its SHA-256 (for production), a client
// certificate, or both a key and a certificate.
type SeedEntry struct {
	Kind      Kind   `yaml:"kind"`
	Name      string `yaml:"name"`
	Key       string `yaml:"key,omitempty"`
	KeySHA256 string `yaml:"key_sha256,omitempty"`
	// CertSHA256 is the SHA-256 of the DER of the client certificate the
	// principal may authenticate with over mutual TLS (CertHash), as
	// lowercase hex.
	CertSHA256 string   `yaml:"cert_sha256,omitempty"`
	Code       string   `yaml:"code,omitempty"`
	Types      []string `yaml:"types,omitempty"`
	// Scope is an agency's kind of body; default government.
	Scope string `yaml:"scope,omitempty"`
	// LegalBases are an agency's legal bases for inquiries without the
	// person's authorisation, each with the record types it covers.
	LegalBases []LegalBasis `yaml:"legal_bases,omitempty"`
	// InquiriesPerDay is an agency's quota of inquiries a day, counted on
	// the hub's calendar across all its instances; 0: none.
	InquiriesPerDay int `yaml:"inquiries_per_day,omitempty"`
}

// DefaultAgencyScope is the scope of an agency whose entry names none.
const DefaultAgencyScope = "government"

// agencyScopes are the scopes an agency may have (the catalogue's sharing
// scopes but public, which is everyone).
var agencyScopes = []string{"government", "judiciary", "financial_institution", "credit_service_agency"}

// AgencyScope is the entry's scope if it is an agency, else empty.
func (e SeedEntry) AgencyScope() string {
	if e.Kind != Agency {
		return ""
	}
	if e.Scope == "" {
		return DefaultAgencyScope
	}
	return e.Scope
}

// Principal returns the principal the entry describes.
func (e SeedEntry) Principal() Principal {
	return Principal{Kind: e.Kind, Name: e.Name, Code: e.Code, Types: e.Types, Scope: e.AgencyScope(), LegalBases: e.LegalBases}
}

// KeyHash returns the stored form of the entry's key, or empty when the
// entry names only a certificate.
func (e SeedEntry) KeyHash() string {
	switch {
	case e.KeySHA256 != "":
		return e.KeySHA256
	case e.Key != "":
		return HashKey(e.Key)
	}
	return ""
}

// ParseSeed reads and checks a seed file's content. Unknown keys are errors.
// checkCode validates department codes (unified social credit codes);
// knownType says whether a record type exists in the catalogue.
func ParseSeed(raw []byte, checkCode func(string) error, knownType func(string) bool) (*Seed, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var s Seed
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if err := s.validate(checkCode, knownType); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Seed) validate(checkCode func(string) error, knownType func(string) bool) error {
	if len(s.Principals) == 0 {
		return errors.New("principals: none listed")
	}
	names, certs := map[string]bool{}, map[string]bool{}
	for i, e := range s.Principals {
		at := fmt.Sprintf("principals[%d]", i)
		switch {
		case e.Name == "":
			return fmt.Errorf("%s.name: missing", at)
		case names[e.Name]:
			return fmt.Errorf("%s.name: %q listed twice", at, e.Name)
		case !e.Kind.Valid():
			return fmt.Errorf("%s.kind: %q is not one of department, agency, maintainer, operator", at, e.Kind)
		case e.Key != "" && e.KeySHA256 != "":
			return fmt.Errorf("%s: give one of key and key_sha256, not both", at)
		case e.Key == "" && e.KeySHA256 == "" && e.CertSHA256 == "":
			return fmt.Errorf("%s: give key, key_sha256 or cert_sha256", at)
		case e.Key != "" && len(e.Key) < 16:
			return fmt.Errorf("%s.key: shorter than 16 characters", at)
		case e.KeySHA256 != "" && !isHexSHA256(e.KeySHA256):
			return fmt.Errorf("%s.key_sha256: not 64 lowercase hexadecimal digits, as sha256sum prints", at)
		case e.CertSHA256 != "" && !isHexSHA256(e.CertSHA256):
			return fmt.Errorf("%s.cert_sha256: not 64 lowercase hexadecimal digits, as sha256sum of the certificate's DER prints", at)
		case certs[e.CertSHA256]:
			return fmt.Errorf("%s.cert_sha256: the certificate is listed twice", at)
		}
		names[e.Name] = true
		if e.CertSHA256 != "" {
			certs[e.CertSHA256] = true
		}
		switch {
		case e.Scope != "" && e.Kind != Agency:
			return fmt.Errorf("%s.scope: scope is for agencies only", at)
		case e.Scope != "" && !slices.Contains(agencyScopes, e.Scope):
			return fmt.Errorf("%s.scope: %q is not one of %s", at, e.Scope, strings.Join(agencyScopes, ", "))
		case e.InquiriesPerDay != 0 && e.Kind != Agency:
			return fmt.Errorf("%s.inquiries_per_day: a quota of inquiries is for agencies only", at)
		case e.InquiriesPerDay < 0:
			return fmt.Errorf("%s.inquiries_per_day: %d is negative; leave it out for no quota", at, e.InquiriesPerDay)
		}
		if err := checkLegalBases(at, e, knownType); err != nil {
			return err
		}
		if e.Kind != Department {
			if e.Code != "" || len(e.Types) > 0 {
				return fmt.Errorf("%s: code and types are for departments only", at)
			}
			continue
		}
		if err := checkCode(e.Code); err != nil {
			return fmt.Errorf("%s.code: %w", at, err)
		}
		for j, t := range e.Types {
			if !knownType(t) {
				return fmt.Errorf("%s.types[%d]: %q is not a record type of the catalogue", at, j, t)
			}
		}
	}
	return nil
}

// checkLegalBases refuses legal bases of anyone but an agency, and a basis
// without a code, given twice, or without known record types.
func checkLegalBases(at string, e SeedEntry, knownType func(string) bool) error {
	if len(e.LegalBases) > 0 && e.Kind != Agency {
		return fmt.Errorf("%s.legal_bases: legal bases are for agencies only", at)
	}
	codes := map[string]bool{}
	for i, b := range e.LegalBases {
		at := fmt.Sprintf("%s.legal_bases[%d]", at, i)
		switch {
		case strings.TrimSpace(b.Code) == "" || strings.TrimSpace(b.Code) != b.Code:
			return fmt.Errorf("%s.code: missing, or with spaces around it", at)
		case codes[b.Code]:
			return fmt.Errorf("%s.code: %q listed twice", at, b.Code)
		case len(b.Types) == 0:
			return fmt.Errorf("%s.types: none listed; name the record types the basis lets the agency inquire into", at)
		}
		codes[b.Code] = true
		for j, t := range b.Types {
			if !knownType(t) || slices.Index(b.Types, t) < j {
				return fmt.Errorf("%s.types[%d]: %q is not a record type of the catalogue, or is listed twice", at, j, t)
			}
		}
	}
	return nil
}

// isHexSHA256 reports whether s is a SHA-256 in the form HashKey gives, so
// that a stored hash can match a key at all.
func isHexSHA256(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}
