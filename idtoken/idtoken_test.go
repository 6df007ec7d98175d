package idtoken_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/internal/devoidc"
	"github.com/credex/credex/internal/testkit/oidctest"
	"github.com/credex/credex/record"
)

// bundle is an issuer served on loopback, another one the hub does not
// trust, and a verifier trusting the first, on a clock the test moves.
type bundle struct {
	issuer, other *devoidc.Issuer
	verifier      *idtoken.Verifier
	clock         *clock
	name, id      string
}

type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func setup(t *testing.T) *bundle {
	t.Helper()
	b := &bundle{issuer: oidctest.Issuer(t), other: oidctest.Issuer(t), clock: &clock{}, name: "王测试",
		id: ident.NewCitizenID(rand.New(rand.NewPCG(rand.Uint64(), 1)))}
	var err error
	if b.verifier, err = idtoken.NewVerifier(b.issuer.Config(), b.clock.now); err != nil {
		t.Fatal(err)
	}
	return b
}

// token signs the claims of b's person, changed by edit, with signer
// (nil: b's issuer).
func (b *bundle) token(t *testing.T, signer *devoidc.Issuer, edit func(map[string]any)) string {
	t.Helper()
	if signer == nil {
		signer = b.issuer
	}
	claims := b.issuer.Claims(b.name, b.id)
	if edit != nil {
		edit(claims)
	}
	tok, err := signer.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifyNamesThePerson(t *testing.T) {
	t.Parallel()
	b := setup(t)
	lower := strings.ToLower(b.id)
	p, err := b.verifier.Verify(t.Context(), b.token(t, nil, func(c map[string]any) { c["id_number"] = " " + lower }))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if p.IDNumber != b.id || p.Name != b.name || p.Issuer != b.issuer.URL() || p.Subject == "" {
		t.Errorf("Verify = %+v, want %s %s of %s", p, b.name, b.id, b.issuer.URL())
	}
}

// TestVerifyRefusesForgeries: every token but one the trusted issuer signed
// for the hub, valid now, naming a person, is refused.
func TestVerifyRefusesForgeries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hour := time.Hour
	for name, c := range map[string]struct {
		token string
		want  error
	}{
		"another issuer's signature":           {b.token(t, b.other, nil), idtoken.ErrInvalid},
		"another issuer, as itself":            {b.token(t, b.other, func(c map[string]any) { c["iss"] = b.other.URL() }), idtoken.ErrInvalid},
		"another issuer's name":                {b.token(t, nil, func(c map[string]any) { c["iss"] = b.other.URL() }), idtoken.ErrInvalid},
		"expired":                              {b.token(t, nil, func(c map[string]any) { c["exp"] = time.Now().Add(-2 * time.Minute).Unix() }), idtoken.ErrExpired},
		"another audience":                     {b.token(t, nil, func(c map[string]any) { c["aud"] = "another-client" }), idtoken.ErrInvalid},
		"no audience":                          {b.token(t, nil, func(c map[string]any) { delete(c, "aud") }), idtoken.ErrInvalid},
		"issued in the future":                 {b.token(t, nil, func(c map[string]any) { c["iat"] = time.Now().Add(hour).Unix() }), idtoken.ErrInvalid},
		"no ID number":                         {b.token(t, nil, func(c map[string]any) { delete(c, "id_number") }), idtoken.ErrInvalid},
		"an invalid ID number":                 {b.token(t, nil, func(c map[string]any) { c["id_number"] = b.id[:17] + flip(b.id[17]) }), idtoken.ErrInvalid},
		"an ID number not a string":            {b.token(t, nil, func(c map[string]any) { c["id_number"] = 5 }), idtoken.ErrInvalid},
		"no name":                              {b.token(t, nil, func(c map[string]any) { c["name"] = " " }), idtoken.ErrInvalid},
		"alg none":                             {unsigned(t, b.issuer.Claims(b.name, b.id)), idtoken.ErrInvalid},
		"HS256 keyed with the public key, PEM": {hmacSigned(t, b.issuer, pemOf(t, b.issuer)), idtoken.ErrInvalid},
		"HS256 keyed with the public key, DER": {hmacSigned(t, b.issuer, derOf(t, b.issuer)), idtoken.ErrInvalid},
		"tampered payload":                     {tamper(t, b.token(t, nil, nil)), idtoken.ErrInvalid},
		"not a token":                          {"dev-commercial-bank-key-0007", idtoken.ErrInvalid},
		"empty":                                {"", idtoken.ErrInvalid},
		"huge":                                 {strings.Repeat("a", 20<<10), idtoken.ErrInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := b.verifier.Verify(t.Context(), c.token)
			if !errors.Is(err, c.want) || p != nil {
				t.Fatalf("Verify = %+v, %v; want %v", p, err, c.want)
			}
		})
	}
}

// TestVerifyClockSkew: a token is taken for the configured skew after it
// expires, and no longer.
func TestVerifyClockSkew(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := b.token(t, nil, nil)
	b.clock.advance(devoidc.Lifetime + 30*time.Second)
	if _, err := b.verifier.Verify(t.Context(), tok); err != nil {
		t.Fatalf("30s after expiry, within the default skew of a minute: %v", err)
	}
	b.clock.advance(time.Minute)
	if _, err := b.verifier.Verify(t.Context(), tok); !errors.Is(err, idtoken.ErrExpired) {
		t.Fatalf("90s after expiry: %v, want ErrExpired", err)
	}
}

// TestVerifyAcceptsOnlyTheConfiguredAlgorithms: a verifier that accepts
// ES256 only refuses the issuer's RS256 tokens.
func TestVerifyAcceptsOnlyTheConfiguredAlgorithms(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := b.issuer.Config()
	cfg.Algorithms = []string{"ES256"}
	v, err := idtoken.NewVerifier(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), b.token(t, nil, nil)); !errors.Is(err, idtoken.ErrInvalid) {
		t.Fatalf("an RS256 token to an ES256 verifier: %v, want ErrInvalid", err)
	}
}

// TestVerifyWithAJWKSURL: with the key set's URL configured, there is no
// discovery, and tokens still verify.
func TestVerifyWithAJWKSURL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := b.issuer.Config()
	cfg.JWKSURL = b.issuer.URL() + "/jwks"
	v, err := idtoken.NewVerifier(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), b.token(t, nil, nil)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if _, err := v.Verify(t.Context(), b.token(t, b.other, nil)); !errors.Is(err, idtoken.ErrInvalid) {
		t.Fatalf("another issuer's token: %v, want ErrInvalid", err)
	}
}

// TestVerifyWithTheProviderDown: no discovery document, no verification,
// and the error says the provider is unavailable, not that the token is bad.
func TestVerifyWithTheProviderDown(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(nil)
	url := srv.URL + devoidc.Path
	srv.Close()
	v, err := idtoken.NewVerifier(idtoken.Config{Issuer: url, ClientID: devoidc.ClientID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), "a.b.c"); !errors.Is(err, idtoken.ErrUnavailable) {
		t.Fatalf("Verify = %v, want ErrUnavailable", err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	ok := idtoken.Config{Issuer: "https://id.example.gov.cn", ClientID: "credex"}
	for name, c := range map[string]struct {
		edit func(*idtoken.Config)
		want string // in the error; empty: valid
	}{
		"valid":             {func(*idtoken.Config) {}, ""},
		"http on loopback":  {func(c *idtoken.Config) { c.Issuer = "http://127.0.0.1:8080/dev/oidc" }, ""},
		"every algorithm":   {func(c *idtoken.Config) { c.Algorithms = idtoken.Algorithms }, ""},
		"no issuer":         {func(c *idtoken.Config) { c.Issuer = "" }, "issuer: not set"},
		"http elsewhere":    {func(c *idtoken.Config) { c.Issuer = "http://id.example.gov.cn" }, "not https"},
		"relative":          {func(c *idtoken.Config) { c.Issuer = "id.example.gov.cn" }, "not an absolute URL"},
		"with a query":      {func(c *idtoken.Config) { c.Issuer += "?tenant=1" }, "query"},
		"JWKS over http":    {func(c *idtoken.Config) { c.JWKSURL = "http://id.example.gov.cn/jwks" }, "JWKS URL"},
		"no client id":      {func(c *idtoken.Config) { c.ClientID = " " }, "client id"},
		"alg none":          {func(c *idtoken.Config) { c.Algorithms = []string{"none"} }, `"none"`},
		"HS256":             {func(c *idtoken.Config) { c.Algorithms = []string{"RS256", "HS256"} }, `"HS256"`},
		"negative skew":     {func(c *idtoken.Config) { c.ClockSkew = -time.Second }, "clock skew"},
		"skew of an hour":   {func(c *idtoken.Config) { c.ClockSkew = time.Hour }, "clock skew"},
		"claim with spaces": {func(c *idtoken.Config) { c.IDNumberClaim = " id_number" }, "ID number claim"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := ok
			c.edit(&cfg)
			err := cfg.Validate()
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Fatalf("Validate = %v, want %q", err, c.want)
			}
		})
	}
}

// TestSubject: the one check of what a request says about the person it
// acts for.
func TestSubject(t *testing.T) {
	t.Parallel()
	key := []byte("test-subject-key-0123456789")
	r := rand.New(rand.NewPCG(11643, 1))
	p := &idtoken.Person{IDNumber: ident.NewCitizenID(r), Name: "王测试"}
	ctx := idtoken.With(context.Background(), p)
	other := ident.NewCitizenID(r)
	for name, c := range map[string]struct {
		ctx            context.Context
		name, idNumber string
		want           error
	}{
		"nothing named":         {ctx, "", "", nil},
		"the person":            {ctx, p.Name, p.IDNumber, nil},
		"spaces, lower case":    {ctx, " " + p.Name, strings.ToLower(p.IDNumber) + " ", nil},
		"the number only":       {ctx, "", p.IDNumber, nil},
		"another name":          {ctx, "张冒名", p.IDNumber, idtoken.ErrNotThePerson},
		"another number":        {ctx, p.Name, other, idtoken.ErrNotThePerson},
		"another number alone":  {ctx, "", other, idtoken.ErrNotThePerson},
		"no person, name given": {context.Background(), p.Name, p.IDNumber, idtoken.ErrNoPerson},
	} {
		subject, err := idtoken.Subject(c.ctx, key, c.name, c.idNumber)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: Subject = %v, want %v", name, err, c.want)
		}
		if err == nil && subject != record.SubjectKey(key, p.IDNumber) {
			t.Errorf("%s: Subject = %s, not the keyed hash of the person's number", name, subject)
		}
	}
}

// unsigned is a token of claims with alg none and no signature, written out
// by hand since no library makes one.
func unsigned(t *testing.T, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + "."
}

// hmacSigned is a token of iss's claims signed HS256 with key: the public
// key, which anyone may fetch, as the HMAC secret.
func hmacSigned(t *testing.T, iss *devoidc.Issuer, key []byte) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(iss.Claims("王测试", ident.NewCitizenID(rand.New(rand.NewPCG(1, 2))))).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func derOf(t *testing.T, iss *devoidc.Issuer) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(iss.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func pemOf(t *testing.T, iss *devoidc.Issuer) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: derOf(t, iss)})
}

// tamper changes a token's payload and keeps its signature.
func tamper(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	json.Unmarshal(payload, &claims)
	claims["id_number"] = ident.NewCitizenID(rand.New(rand.NewPCG(3, 4)))
	payload, _ = json.Marshal(claims)
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

func flip(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}
