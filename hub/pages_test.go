package hub_test

import (
	"io"
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
