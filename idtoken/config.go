package idtoken

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultAlgorithm     = "RS256"
	DefaultIDNumberClaim = "id_number"
	DefaultNameClaim     = "name"
	DefaultClockSkew     = time.Minute
	// MaxClockSkew bounds Config.ClockSkew: more would keep expired tokens
	// alive.
	MaxClockSkew = 5 * time.Minute
)

// Algorithms are the signature algorithms a Config may accept: asymmetric
// ones only. With a symmetric algorithm (HS256...) or none, anyone holding
// the provider's public key, or nobody at all, could sign a token.
var Algorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Config says which identity provider the hub trusts and how its tokens
// name a person. The zero value trusts none (Configured is false).
type Config struct {
	// Issuer is the provider's issuer identifier, exactly as the iss claim
	// of its tokens gives it: an https URL, or http on a loopback address
	// (development and tests).
	Issuer string
	// JWKSURL is where the provider publishes the keys it signs with.
	// Empty: found by OpenID Connect discovery, at the Issuer's
	// /.well-known/openid-configuration, on the first token to verify.
	JWKSURL string
	// ClientID is the hub's client id at the provider: a token must name
	// it in its audience. Required.
	ClientID string
	// Algorithms are the signature algorithms accepted, of Algorithms;
	// default DefaultAlgorithm alone.
	Algorithms []string
	// IDNumberClaim names the claim that carries the person's verified
	// citizen ID number; default DefaultIDNumberClaim.
	IDNumberClaim string
	// NameClaim names the claim that carries the person's name; default
	// DefaultNameClaim.
	NameClaim string
	// ClientSecret authenticates the hub at the provider's token endpoint
	// when people sign in to the pages (Login); empty for a provider that
	// takes the hub as a public client, which PKCE protects.
	ClientSecret string
	// RedirectURL is where the provider sends a person back to the pages
	// after signing in: the hub's /signin/callback, as registered at the
	// provider (https, or http on a loopback address). Empty: people
	// cannot sign in to the pages; the API still takes their tokens.
	RedirectURL string
	// ClockSkew is how far the hub's clock may be off the provider's: a
	// token is taken until ClockSkew after it expires, and from ClockSkew
	// before it was issued. Zero is DefaultClockSkew; at most MaxClockSkew.
	ClockSkew time.Duration
}

// Configured reports whether any field of c is set: whether c means to
// name an identity provider (which Validate then checks).
func (c Config) Configured() bool {
	return c.Issuer != "" || c.JWKSURL != "" || c.ClientID != "" || len(c.Algorithms) > 0 ||
		c.IDNumberClaim != "" || c.NameClaim != "" || c.ClockSkew != 0 || c.ClientSecret != "" || c.RedirectURL != ""
}

// withDefaults returns c with its defaults filled in.
func (c Config) withDefaults() Config {
	if len(c.Algorithms) == 0 {
		c.Algorithms = []string{DefaultAlgorithm}
	}
	c.IDNumberClaim = cmp.Or(c.IDNumberClaim, DefaultIDNumberClaim)
	c.NameClaim = cmp.Or(c.NameClaim, DefaultNameClaim)
	c.ClockSkew = cmp.Or(c.ClockSkew, DefaultClockSkew)
	return c
}

// Validate names the first missing or bad field of c.
func (c Config) Validate() error {
	if err := checkURL(c.Issuer); err != nil {
		return fmt.Errorf("identity provider issuer: %w", err)
	}
	if c.JWKSURL != "" {
		if err := checkURL(c.JWKSURL); err != nil {
			return fmt.Errorf("identity provider JWKS URL: %w", err)
		}
	}
	if c.RedirectURL != "" {
		if err := checkURL(c.RedirectURL); err != nil {
			return fmt.Errorf("identity provider redirect URL: %w", err)
		}
	}
	switch {
	case strings.TrimSpace(c.ClientID) == "":
		return errors.New("identity provider client id: not set; tokens must name the hub's client id as their audience")
	case c.ClockSkew < 0 || c.ClockSkew > MaxClockSkew:
		return fmt.Errorf("identity provider clock skew: %s is not from 0 to %s", c.ClockSkew, MaxClockSkew)
	}
	for _, alg := range c.Algorithms {
		if err := CheckAlgorithm(alg); err != nil {
			return fmt.Errorf("identity provider algorithms: %w", err)
		}
	}
	for name, claim := range map[string]string{"ID number claim": c.IDNumberClaim, "name claim": c.NameClaim} {
		if strings.TrimSpace(claim) != claim {
			return fmt.Errorf("identity provider %s: %q has spaces around it", name, claim)
		}
	}
	return nil
}

// CheckAlgorithm reports an algorithm a Config may not accept.
func CheckAlgorithm(alg string) error {
	if !slices.Contains(Algorithms, alg) {
		return fmt.Errorf("%q is not one of %s (asymmetric signatures only)", alg, strings.Join(Algorithms, ", "))
	}
	return nil
}

// checkURL refuses what cannot be a provider's URL: anything but https,
// or http on a loopback address.
func checkURL(s string) error {
	if s == "" {
		return errors.New("not set")
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return fmt.Errorf("%q is not an absolute URL", s)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q has a query or fragment", s)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && loopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%q is not https (http only on a loopback address, for development)", s)
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
