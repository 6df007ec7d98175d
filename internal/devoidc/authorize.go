package devoidc

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/apierr"
)

// codeLifetime is how long an authorization code can be exchanged.
const codeLifetime = time.Minute

// grant is what an authorization code stands for until it is exchanged,
// once.
type grant struct {
	name, idNumber                    string
	clientID, redirectURI, nonce, pkc string
	expires                           time.Time
}

// codes are the authorization codes not yet exchanged.
type codes struct {
	mu     sync.Mutex
	grants map[string]grant
}

// put keeps g under a new code and returns it, dropping expired codes.
func (c *codes) put(g grant, now time.Time) string {
	b := make([]byte, 24)
	rand.Read(b)
	code := base64.RawURLEncoding.EncodeToString(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.grants == nil {
		c.grants = map[string]grant{}
	}
	for k, old := range c.grants {
		if now.After(old.expires) {
			delete(c.grants, k)
		}
	}
	c.grants[code] = g
	return code
}

// take removes the grant of code and returns it, if it is there and not
// expired.
func (c *codes) take(code string, now time.Time) (grant, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.grants[code]
	delete(c.grants, code)
	return g, ok && !now.After(g.expires)
}

// authRequest is an authorization request of the code flow, as its query
// (GET) or the sign-in form (POST) carries it.
type authRequest struct {
	ClientID, RedirectURI, State, Nonce, Challenge string
}

// readAuthRequest reads and checks the request's parameters: the code flow
// with PKCE S256, for the hub's client id, back to an absolute http(s)
// URL. It returns a sentence saying what is wrong, or "".
func readAuthRequest(v url.Values) (authRequest, string) {
	a := authRequest{ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), State: v.Get("state"),
		Nonce: v.Get("nonce"), Challenge: v.Get("code_challenge")}
	u, err := url.Parse(a.RedirectURI)
	switch {
	case v.Get("response_type") != "code":
		return a, "response_type must be code"
	case a.ClientID != ClientID:
		return a, "client_id must be " + ClientID
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return a, "redirect_uri must be an absolute http or https URL"
	case a.Challenge == "" || v.Get("code_challenge_method") != "S256":
		return a, "PKCE is required: code_challenge with code_challenge_method S256"
	case a.State == "":
		return a, "state is required"
	}
	return a, ""
}

// authorizePage is the sign-in form of the test provider.
var authorizePage = template.Must(template.New("authorize").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>credex dev test identity provider</title></head>
<body>
<main>
<h1>credex dev: test identity provider</h1>
<p><strong>This is not a real identity provider.</strong> It signs in any synthetic person you name, for development and tests only. Never enter a real person's name or ID number.</p>
{{if .Problem}}<p id="dev-oidc-problem" role="alert">{{.Problem}}</p>{{end}}
<form id="dev-oidc-form" method="post">
<input type="hidden" name="response_type" value="code">
<input type="hidden" name="code_challenge_method" value="S256">
<input type="hidden" name="client_id" value="{{.Request.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.Request.RedirectURI}}">
<input type="hidden" name="state" value="{{.Request.State}}">
<input type="hidden" name="nonce" value="{{.Request.Nonce}}">
<input type="hidden" name="code_challenge" value="{{.Request.Challenge}}">
<p><label for="dev-oidc-name">Name of the synthetic person</label><br>
<input id="dev-oidc-name" name="name" type="text" required value="{{.Name}}"></p>
<p><label for="dev-oidc-id">ID number of the synthetic person</label><br>
<input id="dev-oidc-id" name="id_number" type="text" required autocomplete="off"></p>
<p><button type="submit">Sign in as this synthetic person</button></p>
</form>
</main>
</body>
</html>
`))

// authorize serves GET /authorize, the form that names the synthetic
// person, and POST /authorize, which signs them in and sends them back to
// the client's redirect URI with a code and the state.
func (i *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; form-action 'self' http: https:; frame-ancestors 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "the request cannot be read", http.StatusBadRequest)
		return
	}
	params := r.Form
	req, problem := readAuthRequest(params)
	if problem != "" {
		// Nothing is sent back to a redirect URI that was not checked.
		http.Error(w, "invalid authorization request: "+problem, http.StatusBadRequest)
		return
	}
	data := struct {
		Request       authRequest
		Name, Problem string
	}{Request: req}
	if r.Method == http.MethodPost {
		data.Name = strings.TrimSpace(r.PostFormValue("name"))
		idNumber := r.PostFormValue("id_number")
		if _, err := i.Token(data.Name, idNumber); err != nil {
			data.Problem = "Cannot sign in: " + err.Error()
		} else {
			idNumber, _, _ = ident.NormalizeCitizenID(idNumber)
			code := i.codes.put(grant{name: data.Name, idNumber: idNumber, clientID: req.ClientID,
				redirectURI: req.RedirectURI, nonce: req.Nonce, pkc: req.Challenge, expires: i.now().Add(codeLifetime)}, i.now())
			back, _ := url.Parse(req.RedirectURI)
			q := back.Query()
			q.Set("code", code)
			q.Set("state", req.State)
			back.RawQuery = q.Encode()
			http.Redirect(w, r, back.String(), http.StatusSeeOther)
			return
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if data.Problem != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	authorizePage.Execute(w, data)
}

// exchange serves POST /token with grant_type=authorization_code: the ID
// token of the person a code stands for, to the client that asked for it,
// with the verifier of its challenge. Errors are those of RFC 6749 §5.2.
func (i *Issuer) exchange(w http.ResponseWriter, r *http.Request) {
	oauthError := func(code, description string) {
		apierr.JSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": description})
	}
	clientID := r.PostFormValue("client_id")
	if id, _, ok := r.BasicAuth(); ok {
		clientID, _ = url.QueryUnescape(id)
	}
	g, ok := i.codes.take(r.PostFormValue("code"), i.now())
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	switch {
	case !ok:
		oauthError("invalid_grant", "the code is unknown, used or expired")
		return
	case clientID != g.clientID:
		oauthError("invalid_client", "the code was issued to another client")
		return
	case r.PostFormValue("redirect_uri") != g.redirectURI:
		oauthError("invalid_grant", "redirect_uri is not the one of the authorization request")
		return
	case subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(g.pkc)) != 1:
		oauthError("invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	claims := i.Claims(g.name, g.idNumber)
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	token, err := i.Sign(claims)
	if err != nil {
		apierr.JSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	access := make([]byte, 24)
	rand.Read(access)
	w.Header().Set("Cache-Control", "no-store")
	apierr.JSON(w, http.StatusOK, map[string]any{"id_token": token, "access_token": base64.RawURLEncoding.EncodeToString(access),
		"token_type": "Bearer", "expires_in": int(Lifetime.Seconds())})
}

// isForm reports whether r's body is form-encoded.
func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}
