package devoidc_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/internal/testkit/oidctest"
)

// TestAuthorizationCodeFlow: the sign-in form sends the person back with a
// code, which the client that asked for it exchanges once, with the
// verifier of its challenge, for an ID token carrying the nonce.
func TestAuthorizationCodeFlow(t *testing.T) {
	iss := oidctest.Issuer(t)
	verifier := "a-verifier-of-at-least-forty-three-characters-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	params := url.Values{"response_type": {"code"}, "client_id": {"credex-dev"}, "redirect_uri": {"http://127.0.0.1:1/signin/callback"},
		"state": {"the-state"}, "nonce": {"the-nonce"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	res, err := http.Get(iss.URL() + "/authorize?" + params.Encode())
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /authorize = %v %v, want the form", res, err)
	}
	res.Body.Close()
	noPKCE := url.Values{}
	for k, v := range params {
		noPKCE[k] = v
	}
	noPKCE.Del("code_challenge")
	if res, _ := http.Get(iss.URL() + "/authorize?" + noPKCE.Encode()); res.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /authorize without PKCE = %d, want 400", res.StatusCode)
	}

	idNumber := ident.NewCitizenID(rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))
	signIn := url.Values{"name": {"张三"}, "id_number": {idNumber}}
	for k, v := range params {
		signIn[k] = v
	}
	res, err = noRedirect.PostForm(iss.URL()+"/authorize", signIn)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, _ := url.Parse(res.Header.Get("Location"))
	code := back.Query().Get("code")
	if res.StatusCode != http.StatusSeeOther || back.Query().Get("state") != "the-state" || code == "" {
		t.Fatalf("POST /authorize = %d to %q, want 303 back with the state and a code", res.StatusCode, back)
	}

	exchange := func(verifier string) (int, map[string]any) {
		res, err := http.PostForm(iss.URL()+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {params.Get("redirect_uri")}, "client_id": {"credex-dev"}, "code_verifier": {verifier}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	if status, out := exchange(strings.ToUpper(verifier)); status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Errorf("exchange with another verifier = %d %v, want 400 invalid_grant", status, out)
	}
	// The refused attempt used the code up.
	if status, _ := exchange(verifier); status != http.StatusBadRequest {
		t.Errorf("exchange of a code already tried = %d, want 400", status)
	}

	res, _ = noRedirect.PostForm(iss.URL()+"/authorize", signIn)
	back, _ = url.Parse(res.Header.Get("Location"))
	code = back.Query().Get("code")
	status, out := exchange(verifier)
	if status != http.StatusOK {
		t.Fatalf("exchange = %d %v, want 200", status, out)
	}
	v, err := idtoken.NewVerifier(iss.Config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(t.Context(), out["id_token"].(string))
	if err != nil || p.Name != "张三" || p.IDNumber != idNumber || p.Nonce != "the-nonce" {
		t.Errorf("the exchanged token names %+v (%v), want 张三 with the nonce", p, err)
	}
	if status, _ := exchange(verifier); status != http.StatusBadRequest {
		t.Errorf("a second exchange of one code = %d, want 400", status)
	}
}
