package devoidc

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/internal/apierr"
)

// ClientID is the audience of the tokens an Issuer signs: the client id a
// hub that trusts it is configured with.
const ClientID = "credex-dev"

// Path is where credex dev serves its issuer, on the hub's own address.
const Path = "/dev/oidc"

// Lifetime is how long a token is valid.
const Lifetime = time.Hour

// Issuer signs ID tokens. It is safe for concurrent use.
type Issuer struct {
	url    string
	key    *rsa.PrivateKey
	keyID  string
	signer jose.Signer
	// subjects keys the provider's identifiers of persons.
	subjects []byte
	now      func() time.Time
	// codes are the authorization codes not yet exchanged.
	codes codes
}

// New returns an issuer of the URL issuerURL (the iss of its tokens, where
// it is served), with a new signing key, on the clock now (nil: time.Now).
func New(issuerURL string, now func() time.Time) (*Issuer, error) {
	u, err := url.Parse(issuerURL)
	if err != nil || u.Host == "" || strings.HasSuffix(issuerURL, "/") {
		return nil, fmt.Errorf("issuer url %q: want an absolute URL without a trailing slash", issuerURL)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	id := make([]byte, 8)
	rand.Read(id)
	i := &Issuer{url: issuerURL, key: key, keyID: hex.EncodeToString(id), subjects: make([]byte, 32), now: now}
	rand.Read(i.subjects)
	if i.now == nil {
		i.now = time.Now
	}
	i.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: i.keyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("signer: %w", err)
	}
	return i, nil
}

// URL is the issuer's URL.
func (i *Issuer) URL() string { return i.url }

// Config is how a hub trusts the issuer: by discovery at its URL.
func (i *Issuer) Config() idtoken.Config {
	return idtoken.Config{Issuer: i.url, ClientID: ClientID}
}

// PublicKey is the key the issuer's signatures verify with.
func (i *Issuer) PublicKey() *rsa.PublicKey { return &i.key.PublicKey }

// Claims are the claims of a token for the person with this name and ID
// number, valid for Lifetime from now. Tests change them to make tokens a
// hub must refuse.
func (i *Issuer) Claims(name, idNumber string) map[string]any {
	now := i.now()
	sub := hmac.New(sha256.New, i.subjects)
	sub.Write([]byte(idNumber))
	return map[string]any{
		"iss": i.url, "aud": ClientID, "sub": "dev-" + hex.EncodeToString(sub.Sum(nil)[:12]),
		"iat": now.Unix(), "exp": now.Add(Lifetime).Unix(),
		idtoken.DefaultNameClaim: name, idtoken.DefaultIDNumberClaim: idNumber,
	}
}

// Sign signs claims as they are.
func (i *Issuer) Sign(claims map[string]any) (string, error) {
	return jwt.Signed(i.signer).Claims(claims).Serialize()
}

// Token returns a token for the person with this name and ID number. It
// refuses a missing name and an ID number that is not one.
func (i *Issuer) Token(name, idNumber string) (string, error) {
	name = strings.TrimSpace(name)
	idNumber, _, err := ident.NormalizeCitizenID(idNumber)
	switch {
	case name == "":
		return "", errors.New("name: missing")
	case err != nil:
		return "", fmt.Errorf("id number: %w", err)
	}
	return i.Sign(i.Claims(name, idNumber))
}

// Handler serves, under the path of the issuer's URL, the discovery
// document (GET /.well-known/openid-configuration), the key set (GET
// /jwks), the token endpoint (POST /token, {"name", "id_number"} →
// {"id_token", "token_type", "expires_in"}, or form-encoded the
// authorization code grant with PKCE) and the authorization endpoint (GET
// /authorize, a form that names the synthetic person to sign in; POST
// /authorize sends them back to the client with a code).
func (i *Issuer) Handler() http.Handler {
	u, _ := url.Parse(i.url)
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+u.Path+"/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		apierr.JSON(w, http.StatusOK, map[string]any{
			"issuer": i.url, "jwks_uri": i.url + "/jwks", "token_endpoint": i.url + "/token",
			"authorization_endpoint":   i.url + "/authorize",
			"response_types_supported": []string{"code", "id_token"}, "subject_types_supported": []string{"public"},
			"grant_types_supported":                 []string{"authorization_code"},
			"code_challenge_methods_supported":      []string{"S256"},
			"token_endpoint_auth_methods_supported": []string{"none", "client_secret_basic", "client_secret_post"},
			"id_token_signing_alg_values_supported": []string{string(jose.RS256)},
			"claims_supported":                      []string{"sub", idtoken.DefaultNameClaim, idtoken.DefaultIDNumberClaim},
		})
	})
	mux.HandleFunc("GET "+u.Path+"/jwks", func(w http.ResponseWriter, r *http.Request) {
		apierr.JSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: &i.key.PublicKey, KeyID: i.keyID, Algorithm: string(jose.RS256), Use: "sig"},
		}})
	})
	mux.HandleFunc("POST "+u.Path+"/token", i.token)
	mux.HandleFunc("GET "+u.Path+"/authorize", i.authorize)
	mux.HandleFunc("POST "+u.Path+"/authorize", i.authorize)
	return mux
}

// token serves POST /token: a token for the synthetic person the body
// names, or, form-encoded with grant_type=authorization_code, the exchange
// of a code of the sign-in form (exchange).
func (i *Issuer) token(w http.ResponseWriter, r *http.Request) {
	if isForm(r) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if r.PostFormValue("grant_type") != "authorization_code" {
			apierr.JSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type",
				"error_description": "grant_type must be authorization_code"})
			return
		}
		i.exchange(w, r)
		return
	}
	var req struct {
		Name     string `json:"name"`
		IDNumber string `json:"id_number"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", `the body must be {"name": ..., "id_number": ...}`))
		return
	}
	token, err := i.Token(req.Name, req.IDNumber)
	if err != nil {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_person", err.Error()))
		return
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"id_token": token, "token_type": "Bearer", "expires_in": int(Lifetime.Seconds())})
}
