package idtoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/credex/credex/ident"
)

// Errors of Verify. Callers branch on them with errors.Is.
var (
	// ErrInvalid: the token is not one the provider signed for the hub,
	// with an accepted algorithm, naming a person by a valid citizen ID
	// number and a name.
	ErrInvalid = errors.New("invalid ID token")
	// ErrExpired: the token was valid once, and is no longer.
	ErrExpired = errors.New("ID token expired")
	// ErrUnavailable: the provider's discovery document cannot be read, so
	// no token can be verified for now.
	ErrUnavailable = errors.New("identity provider unavailable")
)

// maxTokenLen bounds what Verify parses.
const maxTokenLen = 16 << 10

// retryDiscovery is how long a failed discovery is remembered before it is
// tried again.
const retryDiscovery = 10 * time.Second

// fetchTimeout bounds one request to the provider.
const fetchTimeout = 10 * time.Second

// Verifier verifies the ID tokens of one identity provider. It fetches the
// provider's discovery document (when no JWKS URL is configured) on the
// first token, and its keys whenever a token names a key it has not seen;
// a Verifier is safe for concurrent use and meant to live as long as the
// hub.
type Verifier struct {
	cfg    Config
	now    func() time.Time
	client *http.Client

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	// failedAt and failure are the last failed discovery, while it is
	// remembered.
	failedAt time.Time
	failure  error
}

// NewVerifier returns a Verifier of the tokens cfg describes, on the clock
// now (nil: time.Now). It fails when cfg does not validate. It makes no
// request yet.
func NewVerifier(cfg Config, now func() time.Time) (*Verifier, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Verifier{cfg: cfg, now: now, client: &http.Client{Timeout: fetchTimeout}}, nil
}

// Verify checks raw, an ID token, and returns the person it names. It
// returns an error wrapping ErrInvalid, ErrExpired or ErrUnavailable.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Person, error) {
	if len(raw) > maxTokenLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalid, maxTokenLen)
	}
	iv, err := v.idTokenVerifier(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := iv.Verify(oidc.ClientContext(ctx, v.client), raw)
	if expired, ok := errors.AsType[*oidc.TokenExpiredError](err); ok {
		return nil, fmt.Errorf("%w at %s", ErrExpired, expired.Expiry.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if tok.IssuedAt.After(v.now().Add(v.cfg.ClockSkew)) {
		return nil, fmt.Errorf("%w: issued in the future", ErrInvalid)
	}
	var claims map[string]json.RawMessage
	if err := tok.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	idNumber, okID := stringClaim(claims, v.cfg.IDNumberClaim)
	name, okName := stringClaim(claims, v.cfg.NameClaim)
	idNumber, _, idErr := ident.NormalizeCitizenID(idNumber)
	switch {
	case !okID || idErr != nil:
		return nil, fmt.Errorf("%w: claim %s is not a citizen ID number", ErrInvalid, v.cfg.IDNumberClaim)
	case !okName || name == "":
		return nil, fmt.Errorf("%w: claim %s is not a name", ErrInvalid, v.cfg.NameClaim)
	}
	return &Person{IDNumber: idNumber, Name: name, Issuer: tok.Issuer, Subject: tok.Subject, Nonce: tok.Nonce}, nil
}

// stringClaim returns the claim name of claims as a string, trimmed.
func stringClaim(claims map[string]json.RawMessage, name string) (string, bool) {
	var s string
	if err := json.Unmarshal(claims[name], &s); err != nil {
		return "", false
	}
	return strings.TrimSpace(s), true
}

// idTokenVerifier returns the verifier of the provider's tokens, making it
// on first use: with the configured JWKS URL, or by discovery. A failed
// discovery is tried again after retryDiscovery; until then it fails at
// once with ErrUnavailable.
func (v *Verifier) idTokenVerifier(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.verifier != nil {
		return v.verifier, nil
	}
	if v.failure != nil && v.now().Sub(v.failedAt) < retryDiscovery {
		return nil, v.failure
	}
	cfg := &oidc.Config{
		ClientID:             v.cfg.ClientID,
		SupportedSigningAlgs: v.cfg.Algorithms,
		// Expiry is checked on a clock the skew behind the hub's, so
		// that a token is taken until the skew after it expires.
		Now: func() time.Time { return v.now().Add(-v.cfg.ClockSkew) },
	}
	// The keys are fetched with the client, never with the context of the
	// request that first needs them.
	background := oidc.ClientContext(context.Background(), v.client)
	if v.cfg.JWKSURL != "" {
		v.verifier = oidc.NewVerifier(v.cfg.Issuer, oidc.NewRemoteKeySet(background, v.cfg.JWKSURL), cfg)
		return v.verifier, nil
	}
	discover, cancel := context.WithTimeout(oidc.ClientContext(context.WithoutCancel(ctx), v.client), fetchTimeout)
	defer cancel()
	provider, err := oidc.NewProvider(discover, v.cfg.Issuer)
	if err != nil {
		v.failedAt, v.failure = v.now(), fmt.Errorf("%w: discovery at %s: %v", ErrUnavailable, v.cfg.Issuer, err)
		return nil, v.failure
	}
	v.failure = nil
	v.verifier = provider.VerifierContext(background, cfg)
	return v.verifier, nil
}
