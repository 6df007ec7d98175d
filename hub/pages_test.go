package hub_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/credex/credex/ident"
)

// browser is a client with cookies, as a person's browser is, that does
// not follow redirects by itself.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
}

func (b *bundle) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: b.t, base: b.url, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer of the pages.
type page struct {
	status int
	header http.Header
	body   string
}

func (br *browser) do(req *http.Request) page {
	br.t.Helper()
	res, err := br.c.Do(req)
	if err != nil {
		br.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (br *browser) get(path string) page {
	br.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, br.base+path, nil)
	return br.do(req)
}

// postForm posts form to path, with the CSRF token of the page at from
// unless form has the key csrf (nil: no token at all).
func (br *browser) postForm(from, path string, form url.Values) page {
	br.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", csrfOf(br.t, br.get(from).body))
	}
	req, _ := http.NewRequest(http.MethodPost, br.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return br.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf is the CSRF token of the first form of a page.
func csrfOf(t testing.TB, body string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field on the page:\n%s", body)
	}
	return m[1]
}

func TestPagesHome(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true, noRelay: true})
	br := b.browser()

	home := br.get("/")
	if home.status != http.StatusOK || !strings.Contains(home.body, `<html lang="zh-CN">`) || !strings.Contains(home.body, `id="lookup-form"`) {
		t.Fatalf("GET / = %d, want 200 with the Chinese home page and its look-up form:\n%s", home.status, home.body)
	}
	csp := home.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if home.header.Get("X-Content-Type-Options") != "nosniff" || home.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers %v: want nosniff and no-referrer", home.header)
	}
	if strings.Contains(home.body, "<script>") || strings.Contains(home.body, "style=") || strings.Contains(home.body, "<style") {
		t.Errorf("the home page has inline script or style")
	}

	if got := br.get("/?lang=en"); got.status != http.StatusSeeOther || got.header.Get("Location") != "/" {
		t.Errorf("GET /?lang=en = %d to %q, want 303 to /", got.status, got.header.Get("Location"))
	}
	if en := br.get("/"); !strings.Contains(en.body, `<html lang="en">`) || !strings.Contains(en.body, "Look up public information") {
		t.Errorf("after ?lang=en the home page is not in English:\n%s", en.body)
	}

	for _, path := range []string{"/desk/", "/catalog/", "/ops/", "/static/site.css"} {
		if got := br.get(path); got.status != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, got.status)
		}
	}
	if css := b.browser().get("/static/site.css"); css.header.Get("Set-Cookie") != "" {
		t.Errorf("GET /static/site.css sets a cookie on an answer caches may keep: %q", css.header.Get("Set-Cookie"))
	}
	missing := br.get("/no-such-page")
	if missing.status != http.StatusNotFound || !strings.Contains(missing.body, `id="error-message"`) || !strings.Contains(missing.body, "no page here") {
		t.Errorf("GET /no-such-page = %d, want 404 with a sentence:\n%s", missing.status, missing.body)
	}
	// The API keeps its own answers.
	for path, want := range map[string]string{"/v1/no-such-endpoint": `"code":"not_found"`, "/healthz": `"status":"ok"`} {
		got := br.get(path)
		if !strings.Contains(strings.ReplaceAll(got.body, " ", ""), want) || !strings.HasPrefix(got.header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s = %d %q, want the API's JSON with %s", path, got.status, got.body, want)
		}
	}
}

func TestPagesRefuseAPostWithoutItsCSRFToken(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true, noRelay: true})
	br := b.browser()
	br.get("/") // a session
	for name, form := range map[string]url.Values{
		"no token":      {"name": {"张三"}, "csrf": nil},
		"a wrong token": {"name": {"张三"}, "csrf": {"forged"}},
	} {
		got := br.postForm("/", "/lookup", form)
		if got.status != http.StatusForbidden || !strings.Contains(got.body, `id="error-message"`) || !strings.Contains(got.body, "刷新") {
			t.Errorf("%s: POST /lookup = %d, want 403 with a sentence:\n%s", name, got.status, got.body)
		}
	}
	// A form of another browser's session carries no valid token either.
	other := b.browser()
	got := other.postForm("/", "/lookup", url.Values{"csrf": {csrfOf(t, br.get("/").body)}})
	if got.status != http.StatusForbidden {
		t.Errorf("a token of another session: POST /lookup = %d, want 403", got.status)
	}
	// A form beyond the bound of the body is refused as too large, token
	// or not.
	big := br.postForm("/", "/lookup", url.Values{"name": {strings.Repeat("张", 100<<10)}})
	if big.status != http.StatusRequestEntityTooLarge || !strings.Contains(big.body, `id="error-message"`) {
		t.Errorf("an oversized form: POST /lookup = %d, want 413 with a sentence:\n%s", big.status, big.body)
	}
}

// fullIDNumbers are the valid citizen ID numbers written in full on a page.
func fullIDNumbers(body string) []string {
	var found []string
	for _, id := range ident.FindCitizenIDs(body) {
		if ident.CheckCitizenID(id) == nil {
			found = append(found, id)
		}
	}
	return found
}

func TestPagesPublicLookup(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	a := b.penaltyAbout(ident.NewCitizenID(b.rand), "PAGE-LOOKUP-1", 2)
	br := b.browser()

	got := br.postForm("/lookup", "/lookup", url.Values{"name": {a.name}, "id_number": {a.idNumber}})
	if got.status != http.StatusOK || !strings.Contains(got.body, `id="record-`+a.recordID+`"`) {
		t.Fatalf("POST /lookup for the penalty's subject = %d, want 200 with record %s:\n%s", got.status, a.recordID, got.body)
	}
	if !strings.Contains(got.body, ident.MaskCitizenID(a.idNumber)) {
		t.Errorf("the look-up does not show the masked ID number %s", ident.MaskCitizenID(a.idNumber))
	}
	if ids := fullIDNumbers(got.body); len(ids) > 0 {
		t.Errorf("the look-up shows %d full ID numbers", len(ids))
	}
	if n := b.count(`SELECT count(*) FROM audit_log WHERE action = 'public.query' AND result = 'ok'`); n != 1 {
		t.Errorf("audit log has %d public queries that found records, want 1", n)
	}

	other := br.postForm("/lookup", "/lookup", url.Values{"name": {"另一个人"}, "id_number": {a.idNumber}})
	if other.status != http.StatusOK || strings.Contains(other.body, a.recordID) || !strings.Contains(other.body, `id="lookup-none"`) {
		t.Errorf("a look-up with a name that does not go with the number = %d, want 200 and nothing found:\n%s", other.status, other.body)
	}
	bad := br.postForm("/lookup", "/lookup", url.Values{"name": {a.name}, "id_number": {a.idNumber[:17] + flip(a.idNumber[17])}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, `id="lookup-id-error"`) || len(fullIDNumbers(bad.body)) > 0 {
		t.Errorf("a look-up with a wrong check character = %d, want 400 saying so, without the number:\n%s", bad.status, bad.body)
	}
}

// signIn signs the browser in as the synthetic person p through the
// trusted identity provider's authorization endpoint, the code flow a
// person's browser goes through, and returns the page it lands on.
func (br *browser) signIn(p person) page {
	br.t.Helper()
	start := br.get("/signin")
	authorize, err := url.Parse(start.header.Get("Location"))
	if start.status != http.StatusSeeOther || err != nil || !strings.HasSuffix(authorize.Path, "/authorize") {
		br.t.Fatalf("GET /signin = %d to %q, want 303 to the provider's authorization endpoint", start.status, start.header.Get("Location"))
	}
	q := authorize.Query()
	for _, param := range []string{"state", "nonce", "code_challenge"} {
		if q.Get(param) == "" {
			br.t.Fatalf("the authorization request has no %s: %s", param, authorize)
		}
	}
	if q.Get("code_challenge_method") != "S256" {
		br.t.Fatalf("the authorization request does not use PKCE S256: %s", authorize)
	}
	if form := br.getURL(authorize.String()); form.status != http.StatusOK || !strings.Contains(form.body, `id="dev-oidc-form"`) {
		br.t.Fatalf("the provider's sign-in form = %d:\n%s", form.status, form.body)
	}
	q.Set("name", p.name)
	q.Set("id_number", p.idNumber)
	req, _ := http.NewRequest(http.MethodPost, authorize.Scheme+"://"+authorize.Host+authorize.Path, strings.NewReader(q.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	back := br.do(req)
	callback, err := url.Parse(back.header.Get("Location"))
	if back.status != http.StatusSeeOther || err != nil || callback.Path != "/signin/callback" {
		br.t.Fatalf("the provider answered %d to %q, want 303 back to /signin/callback:\n%s", back.status, back.header.Get("Location"), back.body)
	}
	landed := br.getURL(callback.String())
	if landed.status != http.StatusSeeOther || landed.header.Get("Location") != "/me" {
		br.t.Fatalf("GET /signin/callback = %d to %q, want 303 to /me:\n%s", landed.status, landed.header.Get("Location"), landed.body)
	}
	return br.get("/me")
}

func (br *browser) getURL(u string) page {
	br.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return br.do(req)
}

// postFiles posts a multipart form to path with the CSRF token of the page
// at from: fields, and files by field name.
func (br *browser) postFiles(from, path string, fields map[string]string, files map[string][]upload) page {
	br.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrfOf(br.t, br.get(from).body))
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for field, list := range files {
		for _, f := range list {
			w, _ := mw.CreateFormFile(field, f.name)
			w.Write(f.content)
		}
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, br.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return br.do(req)
}

type upload struct {
	name    string
	content []byte
}

var trackingToken = regexp.MustCompile(`id="tracking-token">([^<]+)<`)
var caseID = regexp.MustCompile(`id="case-id" class="token">([^<]+)<`)

func TestPagesPersonSignsInAndSeesTheirRecords(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	a := b.penaltyAbout(ident.NewCitizenID(b.rand), "PAGE-ME-1", 2)
	// Someone looks the person up: the person sees it in their access log.
	b.browser().postForm("/lookup", "/lookup", url.Values{"name": {a.name}, "id_number": {a.idNumber}})

	br := b.browser()
	if got := br.get("/me"); got.status != http.StatusSeeOther || !strings.HasPrefix(got.header.Get("Location"), "/signin") {
		t.Fatalf("GET /me signed out = %d to %q, want 303 to /signin", got.status, got.header.Get("Location"))
	}
	me := br.signIn(person{a.name, a.idNumber})
	if me.status != http.StatusOK || !strings.Contains(me.body, `id="record-`+a.recordID+`"`) || !strings.Contains(me.body, `id="signout"`) {
		t.Fatalf("GET /me signed in = %d, want 200 with record %s and a sign-out form:\n%s", me.status, a.recordID, me.body)
	}
	if !strings.Contains(me.body, `id="access-log"`) || !strings.Contains(me.body, "社会公众") || !strings.Contains(me.body, "公示查询") {
		t.Errorf("the access log on /me does not show the public look-up:\n%s", me.body)
	}
	if ids := fullIDNumbers(me.body); len(ids) > 0 {
		t.Errorf("/me shows %d full ID numbers", len(ids))
	}
	if n := b.count(`SELECT count(*) FROM audit_log WHERE kind = 'person' AND action = 'access_log.read'`); n != 1 {
		t.Errorf("audit log has %d reads of the access log by the person, want 1", n)
	}

	if out := br.postForm("/me", "/signout", url.Values{}); out.status != http.StatusSeeOther {
		t.Errorf("POST /signout = %d, want 303", out.status)
	}
	if got := br.get("/me"); got.status != http.StatusSeeOther {
		t.Errorf("GET /me after signing out = %d, want 303 to sign in", got.status)
	}
}

func TestPagesSignInRefusesAForgedState(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true, noRelay: true})
	br := b.browser()
	br.get("/signin")
	got := br.get("/signin/callback?state=forged&code=forged")
	if got.status != http.StatusBadRequest || !strings.Contains(got.body, `id="error-message"`) {
		t.Errorf("a callback with a state not the session's = %d, want 400 with a sentence:\n%s", got.status, got.body)
	}
	if me := br.get("/me"); me.status != http.StatusSeeOther {
		t.Errorf("after a forged callback GET /me = %d, want 303: not signed in", me.status)
	}
}

func TestPagesObjectionFiledAndFollowed(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	a := b.penaltyAbout(ident.NewCitizenID(b.rand), "PAGE-OBJ-1", 2)
	br := b.browser()
	br.signIn(person{a.name, a.idNumber})
	formPath := "/me/records/" + a.recordID + "/objection"

	form := br.get(formPath)
	if form.status != http.StatusOK || !strings.Contains(form.body, `id="file-limits"`) || !strings.Contains(form.body, "10 MB") {
		t.Fatalf("GET %s = %d, want 200 with the file limits before upload:\n%s", formPath, form.status, form.body)
	}
	// A file that is not what its name says is refused, and nothing filed.
	bad := br.postFiles(formPath, formPath, map[string]string{"grounds": "error", "statement": "金额有误。"},
		map[string][]upload{"evidence": {{"proof.pdf", []byte("MZ this is not a PDF")}}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, `id="form-problems"`) || b.countObjections() != 0 {
		t.Fatalf("an objection with a file that is no PDF = %d, %d objections, want 400 listing the problem and none filed:\n%s",
			bad.status, b.countObjections(), bad.body)
	}

	filed := br.postFiles(formPath, formPath, map[string]string{"grounds": "error", "statement": "罚款金额与处罚决定书不符。"},
		map[string][]upload{"evidence": {{"decision.pdf", syntheticPDF}}})
	token, id := trackingToken.FindStringSubmatch(filed.body), caseID.FindStringSubmatch(filed.body)
	if filed.status != http.StatusCreated || token == nil || id == nil {
		t.Fatalf("POST %s = %d, want 201 with the tracking token and the case number:\n%s", formPath, filed.status, filed.body)
	}
	if !strings.Contains(filed.body, "个工作日") {
		t.Errorf("the receipt does not give the deadline in working days:\n%s", filed.body)
	}
	// The objection is the service's: the API reads it with its token.
	if status, o := b.track(token[1], id[1]); status != http.StatusOK || o.Status != "accepted" || len(o.Evidence) != 1 {
		t.Errorf("GET /v1/objections/%s with the page's token = %d %+v, want 200, accepted, with one file", id[1], status, o)
	}
	b.waitDisputed(a.recordID, 2, true)

	// Followed by number and token, by anyone who holds them.
	anyone := b.browser()
	followed := anyone.postForm("/track", "/track", url.Values{"case_id": {id[1]}, "token": {token[1]}})
	if followed.status != http.StatusOK || !strings.Contains(followed.body, `id="case-status"`) {
		t.Errorf("POST /track with the number and token = %d, want 200 with the status:\n%s", followed.status, followed.body)
	}
	wrong := anyone.postForm("/track", "/track", url.Values{"case_id": {id[1]}, "token": {tamper(token[1])}})
	if wrong.status != http.StatusNotFound || !strings.Contains(wrong.body, `id="track-none"`) || strings.Contains(wrong.body, `id="case-status"`) {
		t.Errorf("POST /track with a wrong token = %d, want 404 without the case:\n%s", wrong.status, wrong.body)
	}
	if mine := br.get("/me/cases/" + id[1]); mine.status != http.StatusOK || !strings.Contains(mine.body, `id="case-status"`) {
		t.Errorf("GET /me/cases/%s by the person = %d, want 200:\n%s", id[1], mine.status, mine.body)
	}

	// Another person can neither read the case nor object to the record.
	other := b.browser()
	other.signIn(person{"李另一", ident.NewCitizenID(b.rand)})
	if got := other.get("/me/cases/" + id[1]); got.status != http.StatusNotFound || strings.Contains(got.body, `id="case-status"`) {
		t.Errorf("another person's GET /me/cases/%s = %d, want 404 without the case", id[1], got.status)
	}
	if got := other.postFiles(formPath, formPath, map[string]string{"grounds": "error", "statement": "不是我的记录。"}, nil); got.status != http.StatusNotFound {
		t.Errorf("another person objecting to the record = %d, want 404", got.status)
	}
	if n := b.countObjections(); n != 1 {
		t.Errorf("%d objections stored, want 1", n)
	}
	if n := b.count(`SELECT count(*) FROM audit_log WHERE action = 'objection.read' AND result = 'identity_failed'`); n != 1 {
		t.Errorf("audit log has %d failed reads of the case by another person, want 1", n)
	}
}

func TestPagesRepairApplication(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	idNumber := ident.NewCitizenID(b.rand)
	old := b.penaltyAbout(idNumber, "PAGE-RPR-OLD", 6)
	recent := b.penaltyAbout(idNumber, "PAGE-RPR-NEW", 1)
	br := b.browser()
	me := br.signIn(person{old.name, old.idNumber})
	if !strings.Contains(me.body, `id="repair-`+old.recordID+`"`) {
		t.Fatalf("/me offers no repair of the penalty:\n%s", me.body)
	}
	pdf := map[string][]upload{"proof": {{"receipt.pdf", syntheticPDF}}, "commitment": {{"commitment.pdf", syntheticPDF}}}
	statement := map[string]string{"statement": "罚款已全额缴纳，违法行为已整改。"}

	early := "/me/records/" + recent.recordID + "/repair"
	if got := br.postFiles(early, early, statement, pdf); got.status != http.StatusConflict || !strings.Contains(got.body, `id="error-message"`) {
		t.Errorf("repair of a penalty within its minimum display period = %d, want 409 saying from when:\n%s", got.status, got.body)
	}
	missing := "/me/records/" + old.recordID + "/repair"
	if got := br.postFiles(missing, missing, statement, nil); got.status != http.StatusBadRequest || !strings.Contains(got.body, `id="form-problems"`) {
		t.Errorf("an application without its files = %d, want 400 listing what is missing:\n%s", got.status, got.body)
	}
	got := br.postFiles(missing, missing, statement, pdf)
	token, id := trackingToken.FindStringSubmatch(got.body), caseID.FindStringSubmatch(got.body)
	if got.status != http.StatusCreated || token == nil || id == nil || !strings.HasPrefix(id[1], "rpr_") {
		t.Fatalf("the application = %d, want 201 with its number and tracking token:\n%s", got.status, got.body)
	}
	if n := b.count(`SELECT count(*) FROM repairs WHERE record_id = $1 AND status = 'submitted'`, old.recordID); n != 1 {
		t.Errorf("%d submitted applications for the record, want 1", n)
	}
	if followed := b.browser().postForm("/track", "/track", url.Values{"case_id": {id[1]}, "token": {token[1]}}); followed.status != http.StatusOK {
		t.Errorf("POST /track of the application = %d, want 200", followed.status)
	}
}

func TestPagesPublicLists(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	idNumber := ident.NewCitizenID(b.rand)
	penalty := b.penaltyAbout(idNumber, "PAGE-LIST-1", 2)
	commendation := b.about("honour_commendation", idNumber, "")
	commendation["subject"].(map[string]any)["name"] = penalty.name
	honour := b.publishAbout(civilKey, "honour_commendation", "PAGE-LIST-2", commendation)
	got := b.browser().postForm("/lists", "/lists", url.Values{"name": {penalty.name}, "id_number": {idNumber}})
	if got.status != http.StatusOK || !strings.Contains(got.body, `id="record-`+honour.recordID+`"`) {
		t.Fatalf("POST /lists = %d, want 200 with the commendation on the red list:\n%s", got.status, got.body)
	}
	if strings.Contains(got.body, penalty.recordID) {
		t.Errorf("the lists show the penalty, which is on neither list")
	}
	if ids := fullIDNumbers(got.body); len(ids) > 0 {
		t.Errorf("the lists show %d full ID numbers", len(ids))
	}
	if types := b.browser().get("/types"); types.status != http.StatusOK || !strings.Contains(types.body, `href="/catalog/administrative_penalty"`) ||
		strings.Contains(types.body, "/catalog/tax_credit") {
		t.Errorf("GET /types = %d, want the public types, linked, and not tax_credit:\n%s", types.status, types.body)
	}
}

func TestPagesPersonWithdrawsAnAuthorisation(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	me, other := person{"钱授权", ident.NewCitizenID(b.rand)}, person{"孙旁人", ident.NewCitizenID(b.rand)}
	grant := func(p person) string {
		var out struct{ ID string }
		body := map[string]any{"agency": "commercial-bank", "purpose": "住房按揭贷款审批", "types": []string{"tax_credit"}, "valid_days": 30}
		if status := b.call(http.MethodPost, "/v1/authorisations", b.idToken(p.name, p.idNumber), body, &out); status != http.StatusCreated {
			t.Fatalf("grant answered %d, want 201", status)
		}
		return out.ID
	}
	mine, theirs := grant(me), grant(other)
	statusOf := func(p person, id string) string {
		var out struct{ Authorisations []struct{ ID, Status string } }
		b.call(http.MethodGet, "/v1/authorisations", b.idToken(p.name, p.idNumber), nil, &out)
		for _, a := range out.Authorisations {
			if a.ID == id {
				return a.Status
			}
		}
		return "not listed"
	}

	br := b.browser()
	page := br.signIn(me)
	if !strings.Contains(page.body, `id="my-authorisations"`) || !strings.Contains(page.body, `id="withdraw-`+mine+`"`) ||
		!strings.Contains(page.body, `">commercial-bank</td>`) || !strings.Contains(page.body, `">纳税信用记录</td>`) {
		t.Fatalf("/me does not offer to withdraw the grant to commercial-bank:\n%s", page.body)
	}
	if strings.Contains(page.body, theirs) {
		t.Fatalf("/me shows another person's grant %s", theirs)
	}
	if got := br.postForm("/me", "/me/authorisations/"+theirs+"/withdrawal", url.Values{}); got.status != http.StatusNotFound {
		t.Fatalf("withdrawing another person's grant = %d, want 404", got.status)
	}
	if s := statusOf(other, theirs); s != "in_force" {
		t.Fatalf("the other person's grant is %s after a withdrawal by someone else, want in_force", s)
	}
	got := br.postForm("/me", "/me/authorisations/"+mine+"/withdrawal", url.Values{})
	if got.status != http.StatusSeeOther || !strings.HasPrefix(got.header.Get("Location"), "/me") {
		t.Fatalf("the withdrawal = %d to %q, want 303 back to /me", got.status, got.header.Get("Location"))
	}
	if s := statusOf(me, mine); s != "withdrawn" {
		t.Fatalf("the grant is %s after its withdrawal on the page, want withdrawn", s)
	}
	page = br.get("/me")
	if strings.Contains(page.body, `id="withdraw-`+mine+`"`) || !strings.Contains(page.body, "已撤回") || !strings.Contains(page.body, "撤回查询授权") {
		t.Fatalf("/me after the withdrawal does not show it withdrawn, in the list and the access log:\n%s", page.body)
	}
	if ids := fullIDNumbers(page.body); len(ids) > 0 {
		t.Errorf("/me shows %d full ID numbers", len(ids))
	}
}
