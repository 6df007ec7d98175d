package hub_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/devoidc"
)

// issuers are identity providers on loopback servers, started once for the
// test binary: trusted is the one every test hub trusts, other one it does
// not.
var issuers = sync.OnceValue(func() (i struct{ trusted, other *devoidc.Issuer }) {
	start := func() *devoidc.Issuer {
		srv := httptest.NewUnstartedServer(nil)
		iss, err := devoidc.New("http://"+srv.Listener.Addr().String()+devoidc.Path, nil)
		if err != nil {
			panic(err)
		}
		srv.Config.Handler = iss.Handler()
		srv.Start()
		return iss
	}
	i.trusted, i.other = start(), start()
	return i
})

// idToken is an ID token of the trusted provider for the person with this
// name and ID number.
func (b *bundle) idToken(name, idNumber string) string {
	b.t.Helper()
	tok, err := issuers().trusted.Token(name, idNumber)
	if err != nil {
		b.t.Fatal(err)
	}
	return tok
}

// signed signs the trusted provider's claims for the person, changed by
// edit, with signer.
func (b *bundle) signed(signer *devoidc.Issuer, name, idNumber string, edit func(map[string]any)) string {
	b.t.Helper()
	claims := issuers().trusted.Claims(name, idNumber)
	edit(claims)
	tok, err := signer.Sign(claims)
	if err != nil {
		b.t.Fatal(err)
	}
	return tok
}

// forgeries are ID tokens for the person that the hub must refuse, and the
// code each is refused with.
func (b *bundle) forgeries(name, idNumber string) map[string]struct{ token, code string } {
	b.t.Helper()
	trusted, other := issuers().trusted, issuers().other
	claims := trusted.Claims(name, idNumber)
	payload, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	der, err := x509.MarshalPKIXPublicKey(trusted.PublicKey())
	if err != nil {
		b.t.Fatal(err)
	}
	hmacSigned := func(key []byte) string {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			b.t.Fatal(err)
		}
		tok, err := jwt.Signed(signer).Claims(claims).Serialize()
		if err != nil {
			b.t.Fatal(err)
		}
		return tok
	}
	return map[string]struct{ token, code string }{
		"a token of another issuer":  {b.signed(other, name, idNumber, func(c map[string]any) { c["iss"] = other.URL() }), "invalid_person_token"},
		"another issuer's signature": {b.signed(other, name, idNumber, func(map[string]any) {}), "invalid_person_token"},
		"an expired token": {b.signed(trusted, name, idNumber, func(c map[string]any) {
			c["iat"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		}), "person_token_expired"},
		"a token for another audience": {b.signed(trusted, name, idNumber, func(c map[string]any) { c["aud"] = "another-client" }), "invalid_person_token"},
		// Written by hand: no library signs with alg none.
		"alg none": {enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + ".", "invalid_person_token"},
		"HS256 keyed with the provider's public key": {hmacSigned(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), "invalid_person_token"},
		"HS256 keyed with the public key's DER":      {hmacSigned(der), "invalid_person_token"},
	}
}

// TestAgencyCannotMintAnAuthorisation is the attack: an agency that knows
// a person's name and ID number grants itself an authorisation, and
// inquires with it. Its key is no person's token, name and ID number are
// no proof, and the inquiry without the person's grant is refused.
func TestAgencyCannotMintAnAuthorisation(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	p := b.publishAbout(taxKey, "tax_credit", "TAX-MINT-1", b.about("tax_credit", ident.NewCitizenID(b.rand), ""))
	grant := map[string]any{"name": p.name, "id_number": p.idNumber, "agency": "commercial-bank",
		"purpose": "住房按揭贷款审批", "types": []string{"tax_credit"}, "valid_days": 30}

	var e apiError
	if got := b.call(http.MethodPost, "/v1/authorisations", bankKey, grant, &e); got != http.StatusForbidden || e.Code != "not_a_person" {
		t.Errorf("the bank granting itself an authorisation with its key = %d %+v, want 403 not_a_person", got, e)
	}
	e = apiError{}
	if got := b.call(http.MethodPost, "/v1/authorisations", "", grant, &e); got != http.StatusUnauthorized || e.Code != "person_token_required" {
		t.Errorf("a grant by name and ID number alone = %d %+v, want 401 person_token_required", got, e)
	}
	e = apiError{}
	if got := b.call(http.MethodPost, "/v1/authorisations", b.idToken("钱冒名", ident.NewCitizenID(b.rand)), grant, &e); got != http.StatusForbidden || e.Code != "person_mismatch" {
		t.Errorf("a grant naming the person with someone else's token = %d %+v, want 403 person_mismatch", got, e)
	}
	if n := b.count(`SELECT count(*) FROM audit_log WHERE action = 'authorisation.granted' AND result = 'ok'`); n != 0 {
		t.Fatalf("%d authorisations granted, want none", n)
	}
	var out inquiryAnswer
	if got := b.call(http.MethodPost, "/v1/inquiries", bankKey, map[string]any{"id_number": p.idNumber, "purpose": "住房按揭贷款审批"}, &out); got != http.StatusForbidden || out.Code != "authorisation_required" || len(out.Records) != 0 {
		t.Errorf("the bank's inquiry without a grant = %d %+v, want 403 authorisation_required", got, out)
	}
}

// TestForgedPersonTokensAreRefused is the attack on each endpoint that acts
// for a person: tokens of another issuer, expired, for another audience,
// unsigned, or signed HS256 with the provider's public key are refused, and
// so is name and ID number without a token; a token for another person
// files nothing about this one and reads nothing of theirs.
func TestForgedPersonTokensAreRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	id, p := b.recordAbout("PERSON-FORGED")
	due := b.penaltyAbout(p.idNumber, "PERSON-FORGED-DUE", 6)
	endpoints := map[string]map[string]any{
		"/v1/objections":        objection(id, p),
		"/v1/repairs":           due.application(),
		"/v1/authorisations":    {"agency": "commercial-bank", "purpose": "贷款审批", "types": []string{"tax_credit"}, "valid_days": 30},
		"/v1/public/access-log": {},
	}
	for path, body := range endpoints {
		for name, f := range b.forgeries(p.name, p.idNumber) {
			var e apiError
			if got := b.call(http.MethodPost, path, f.token, body, &e); got != http.StatusUnauthorized || e.Code != f.code {
				t.Errorf("%s with %s = %d %+v, want 401 %s", path, name, got, e, f.code)
			}
		}
		named := map[string]any{"name": p.name, "id_number": p.idNumber}
		for k, v := range body {
			named[k] = v
		}
		var e apiError
		if got := b.call(http.MethodPost, path, "", named, &e); got != http.StatusUnauthorized || e.Code != "person_token_required" {
			t.Errorf("%s with name and ID number and no token = %d %+v, want 401 person_token_required", path, got, e)
		}
	}
	if n := b.count(`SELECT count(*) FROM audit_log WHERE result = 'ok' AND action IN ('objection.filed', 'repair.filed', 'authorisation.granted', 'access_log.read')`); n != 0 {
		t.Fatalf("%d person actions succeeded with forged tokens, want none", n)
	}

	other := b.idToken("孙他人", ident.NewCitizenID(b.rand))
	var e apiError
	if got := b.call(http.MethodPost, "/v1/objections", other, objection(id, p), &e); got != http.StatusNotFound || e.Code != "not_the_subject" {
		t.Errorf("an objection to the person's record with another's token = %d %+v, want 404 not_the_subject", got, e)
	}
	anonymous := objection(id, p)
	delete(anonymous, "name")
	delete(anonymous, "id_number")
	if got := b.call(http.MethodPost, "/v1/objections", other, anonymous, &e); got != http.StatusNotFound || e.Code != "not_the_subject" {
		t.Errorf("an objection to the person's record with another's token, naming no one = %d %+v, want 404 not_the_subject", got, e)
	}
	if got := b.call(http.MethodPost, "/v1/repairs", other, due.application(), &e); got != http.StatusNotFound || e.Code != "not_the_subject" {
		t.Errorf("a repair application with another's token = %d %+v, want 404 not_the_subject", got, e)
	}
	var log struct {
		Entries []accessView `json:"entries"`
	}
	if got := b.call(http.MethodPost, "/v1/public/access-log", other, map[string]any{}, &log); got != http.StatusOK || strings.Contains(mustString(log), id) {
		t.Errorf("another person's access log = %d %+v, want theirs, without the person's record", got, log)
	}
	if got := b.call(http.MethodPost, "/v1/public/access-log", other, map[string]any{"name": p.name, "id_number": p.idNumber}, &e); got != http.StatusForbidden || e.Code != "person_mismatch" {
		t.Errorf("the person's access log with another's token = %d %+v, want 403 person_mismatch", got, e)
	}
	if n := b.countObjections(); n != 0 {
		t.Fatalf("%d objections stored, want none", n)
	}

	// The person with their own token, naming no one, acts for themselves.
	if got := b.call(http.MethodPost, "/v1/objections", b.idToken(p.name, p.idNumber), anonymous, nil); got != http.StatusCreated {
		t.Errorf("the person's objection with their token = %d, want 201", got)
	}
	if got := b.call(http.MethodPost, "/v1/public/access-log", b.idToken(p.name, p.idNumber), nil, &log); got != http.StatusOK ||
		!strings.Contains(mustString(log), "identity_failed") {
		t.Errorf("the person's access log = %d %+v, want the failed attempts by others", got, log)
	}
}

// TestLegalBasisIsTheAgencys is the attack: a bank inquires under the legal
// basis of court enforcement, which only the court has. It is refused; the
// court is not, for the types its basis covers.
func TestLegalBasisIsTheAgencys(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	p := b.publishAbout(taxKey, "tax_credit", "TAX-BASIS-1", b.about("tax_credit", ident.NewCitizenID(b.rand), ""))
	ask := func(key string, edit func(map[string]any)) (int, inquiryAnswer) {
		q := map[string]any{"id_number": p.idNumber, "purpose": "强制执行财产调查", "legal_basis": testLegalBasis}
		if edit != nil {
			edit(q)
		}
		var out inquiryAnswer
		return b.call(http.MethodPost, "/v1/inquiries", key, q, &out), out
	}
	for name, key := range map[string]string{"the bank": bankKey, "the bank regulator": agencyKey} {
		if status, out := ask(key, nil); status != http.StatusForbidden || out.Code != "legal_basis_unknown" || len(out.Records) != 0 {
			t.Errorf("%s under the court's basis = %d %+v, want 403 legal_basis_unknown", name, status, out)
		}
	}
	if n := b.count(`SELECT count(*) FROM audit_log WHERE action = 'inquiry.read' AND result = 'refused' AND principal = 'commercial-bank'`); n != 1 {
		t.Errorf("%d refused inquiries of the bank in the audit log, want 1", n)
	}
	if status, out := ask(courtKey, func(q map[string]any) { q["types"] = []string{"student_credit"} }); status != http.StatusForbidden || out.Code != "legal_basis_mismatch" {
		t.Errorf("the court under its basis for a type it does not cover = %d %+v, want 403 legal_basis_mismatch", status, out)
	}
	if status, out := ask(courtKey, nil); status != http.StatusOK || len(out.Records) != 1 || out.Records[0].RecordID != p.recordID {
		t.Errorf("the court under its basis = %d %+v, want the record %s", status, out, p.recordID)
	}
}

func mustString(v any) string { return string(mustJSON(v)) }
