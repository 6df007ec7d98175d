package idtoken

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// ErrNoSignIn: the Config has no RedirectURL, so people cannot sign in to
// the pages.
var ErrNoSignIn = errors.New("sign-in not configured: no redirect URL")

// Login signs a person in with the OpenID Connect authorization code flow,
// with state, nonce and PKCE (S256): AuthURL sends them to the provider,
// Exchange trades the code the provider sends back for their ID token,
// which a Verifier then checks. The provider's endpoints are found by
// discovery at the issuer on first use; a failed discovery is tried again
// after retryDiscovery. A Login is safe for concurrent use.
type Login struct {
	cfg    Config
	now    func() time.Time
	client *http.Client

	mu       sync.Mutex
	oauth    *oauth2.Config
	failedAt time.Time
	failure  error
}

// NewLogin returns the sign-in of the provider cfg describes, or
// ErrNoSignIn when cfg has no RedirectURL. It makes no request yet.
func NewLogin(cfg Config, now func() time.Time) (*Login, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.RedirectURL == "" {
		return nil, ErrNoSignIn
	}
	if now == nil {
		now = time.Now
	}
	return &Login{cfg: cfg, now: now, client: &http.Client{Timeout: fetchTimeout}}, nil
}

// AuthURL is the provider's authorization endpoint asking it to sign the
// person in and send them back with a code, state and nonce as given, and
// the S256 challenge of verifier (oauth2.GenerateVerifier). It returns an
// error wrapping ErrUnavailable when discovery fails.
func (l *Login) AuthURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	c, err := l.config(ctx)
	if err != nil {
		return "", err
	}
	return c.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Exchange trades code, sent back by the provider, and the verifier of the
// challenge AuthURL sent for the person's raw ID token, unverified. It
// returns an error wrapping ErrUnavailable when the provider cannot be
// reached and ErrInvalid when it refuses the code or sends no ID token.
func (l *Login) Exchange(ctx context.Context, code, verifier string) (string, error) {
	c, err := l.config(ctx)
	if err != nil {
		return "", err
	}
	tok, err := c.Exchange(oidc.ClientContext(ctx, l.client), code, oauth2.VerifierOption(verifier))
	if retrieve, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		return "", fmt.Errorf("%w: the token endpoint refused the code: %s", ErrInvalid, retrieve.ErrorCode)
	}
	if err != nil {
		return "", fmt.Errorf("%w: token endpoint: %v", ErrUnavailable, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", fmt.Errorf("%w: the token endpoint sent no id_token", ErrInvalid)
	}
	return raw, nil
}

// config returns the OAuth 2 client of the provider, discovering its
// endpoints on first use.
func (l *Login) config(ctx context.Context) (*oauth2.Config, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.oauth != nil {
		return l.oauth, nil
	}
	if l.failure != nil && l.now().Sub(l.failedAt) < retryDiscovery {
		return nil, l.failure
	}
	discover, cancel := context.WithTimeout(oidc.ClientContext(context.WithoutCancel(ctx), l.client), fetchTimeout)
	defer cancel()
	provider, err := oidc.NewProvider(discover, l.cfg.Issuer)
	if err == nil && provider.Endpoint().AuthURL == "" {
		err = errors.New("the discovery document names no authorization_endpoint")
	}
	if err != nil {
		l.failedAt, l.failure = l.now(), fmt.Errorf("%w: discovery at %s: %v", ErrUnavailable, l.cfg.Issuer, err)
		return nil, l.failure
	}
	l.failure = nil
	l.oauth = &oauth2.Config{ClientID: l.cfg.ClientID, ClientSecret: l.cfg.ClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: l.cfg.RedirectURL, Scopes: []string{oidc.ScopeOpenID}}
	return l.oauth, nil
}
