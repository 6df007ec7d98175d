package devoidc_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/internal/testkit/oidctest"
)

// TestTokenEndpoint: the token endpoint signs a token a hub trusting the
// issuer by discovery verifies, and refuses a person who is not one.
func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	iss := oidctest.Issuer(t)
	id := ident.NewCitizenID(rand.New(rand.NewPCG(1, 1)))

	post := func(body string) (int, map[string]any) {
		t.Helper()
		res, err := http.Post(iss.URL()+"/token", "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	status, out := post(`{"name":"王测试","id_number":"` + id + `"}`)
	if status != http.StatusOK || out["token_type"] != "Bearer" {
		t.Fatalf("POST /token = %d %v", status, out)
	}
	v, err := idtoken.NewVerifier(iss.Config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(t.Context(), out["id_token"].(string))
	if err != nil || p.IDNumber != id || p.Name != "王测试" {
		t.Fatalf("Verify = %+v, %v", p, err)
	}
	for _, body := range []string{`{"name":"王测试","id_number":"` + id[:17] + `"}`, `{"id_number":"` + id + `"}`, `{"name":"王测试","extra":1}`} {
		if status, out := post(body); status != http.StatusBadRequest {
			t.Errorf("POST /token %s = %d %v, want 400", body, status, out)
		}
	}
}
