package authorisation

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxValidity is the longest time a person may authorise an inquiry for.
const MaxValidity = 90 * 24 * time.Hour

// maxTokenLen bounds what Parse reads: a grant of every catalogue type fits
// well within it.
const maxTokenLen = 4 << 10

// Grant is what a person authorised: that Agency may inquire, for Purpose,
// into their records of Types, from Issued until Expires.
type Grant struct {
	// ID is random, so that two grants of the same scope differ and an
	// audit entry can name the grant an inquiry used.
	ID string `json:"id"`
	// Subject is the keyed hash of the person's ID number (record.SubjectKey).
	Subject string   `json:"sub"`
	Agency  string   `json:"agency"`
	Purpose string   `json:"purpose"`
	Types   []string `json:"types"`
	Issued  int64    `json:"iat"` // Unix seconds
	Expires int64    `json:"exp"` // Unix seconds
}

// Errors of Parse and Check. Callers branch on them with errors.Is.
var (
	// ErrMalformed: the token is not two base64url parts, or its payload
	// is not a well-formed grant.
	ErrMalformed = errors.New("malformed authorisation")
	// ErrSignature: the hub did not sign this token with its current key.
	ErrSignature = errors.New("authorisation signature does not verify")
	// ErrExpired: the grant is not valid at the time of the inquiry.
	ErrExpired = errors.New("authorisation expired")
	// ErrMismatch: the grant is for another agency, person or types.
	ErrMismatch = errors.New("authorisation does not cover this inquiry")
)

var b64 = base64.RawURLEncoding

// NewID returns a random grant id.
func NewID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "auz_" + hex.EncodeToString(b)
}

// ValidID reports whether id has the form NewID gives.
func ValidID(id string) bool {
	hexPart, ok := strings.CutPrefix(id, "auz_")
	if !ok || len(hexPart) != 32 {
		return false
	}
	_, err := hex.DecodeString(hexPart)
	return err == nil && hexPart == strings.ToLower(hexPart)
}

// Sign encodes g and signs it with key. It does not check g; issue grants
// that Validate accepts.
func Sign(key []byte, g Grant) (string, error) {
	payload, err := json.Marshal(g)
	if err != nil {
		return "", fmt.Errorf("encode authorisation: %w", err)
	}
	enc := b64.EncodeToString(payload)
	return enc + "." + b64.EncodeToString(mac(key, enc)), nil
}

func mac(key []byte, encoded string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(encoded))
	return m.Sum(nil)
}

// Parse verifies token's signature under key and returns its grant. It
// wraps ErrMalformed or ErrSignature; it does not look at the time.
func Parse(key []byte, token string) (Grant, error) {
	var g Grant
	if len(token) > maxTokenLen {
		return g, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, maxTokenLen)
	}
	enc, sig, ok := strings.Cut(token, ".")
	if !ok || enc == "" || strings.Contains(sig, ".") {
		return g, fmt.Errorf("%w: not payload.signature", ErrMalformed)
	}
	rawSig, err := b64.Strict().DecodeString(sig)
	if err != nil {
		return g, fmt.Errorf("%w: signature is not base64url", ErrMalformed)
	}
	if !hmac.Equal(rawSig, mac(key, enc)) {
		return g, ErrSignature
	}
	payload, err := b64.Strict().DecodeString(enc)
	if err != nil {
		return g, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil || dec.More() {
		return Grant{}, fmt.Errorf("%w: payload is not a grant", ErrMalformed)
	}
	if err := g.Validate(); err != nil {
		return Grant{}, err
	}
	return g, nil
}

// Validate reports a grant that lacks a field, names no type or a type
// twice, or whose validity is empty or longer than MaxValidity. It wraps
// ErrMalformed.
func (g Grant) Validate() error {
	switch {
	case g.ID == "" || g.Subject == "" || g.Agency == "" || g.Purpose == "":
		return fmt.Errorf("%w: id, sub, agency and purpose are required", ErrMalformed)
	case len(g.Types) == 0:
		return fmt.Errorf("%w: no types", ErrMalformed)
	case g.Expires <= g.Issued || g.Expires-g.Issued > int64(MaxValidity/time.Second):
		return fmt.Errorf("%w: validity must be more than nothing and at most 90 days", ErrMalformed)
	}
	seen := map[string]bool{}
	for _, t := range g.Types {
		if t == "" || seen[t] {
			return fmt.Errorf("%w: empty or repeated type", ErrMalformed)
		}
		seen[t] = true
	}
	return nil
}

// Inquiry is what an agency asks for under a grant.
type Inquiry struct {
	Agency  string
	Subject string // keyed hash of the ID number
	Purpose string
	Types   []string
	At      time.Time
}

// Expired reports whether g has expired at t.
func (g Grant) Expired(t time.Time) bool { return t.Unix() >= g.Expires }

// Check reports whether g covers q: valid at q.At (ErrExpired), for the
// same agency, person and purpose and for every type q names (ErrMismatch).
func (g Grant) Check(q Inquiry) error {
	switch {
	case q.At.Unix() < g.Issued || g.Expired(q.At):
		return ErrExpired
	case !hmac.Equal([]byte(g.Subject), []byte(q.Subject)):
		return fmt.Errorf("%w: another person", ErrMismatch)
	case g.Agency != q.Agency:
		return fmt.Errorf("%w: another agency", ErrMismatch)
	case g.Purpose != q.Purpose:
		return fmt.Errorf("%w: another purpose", ErrMismatch)
	}
	for _, t := range q.Types {
		if !slices.Contains(g.Types, t) {
			return fmt.Errorf("%w: type %s not authorised", ErrMismatch, t)
		}
	}
	return nil
}
