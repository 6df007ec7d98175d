package hub_test

import (
	"cmp"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/ident"
	headless "github.com/credex/credex/internal/testkit/browser"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/subscription"
)

// viewer checks the pages a test opens in a real browser, the way their
// readers get them: each one loads without a problem the browser reports
// (a resource its CSP blocked, a script error), has no serious or critical
// accessibility violation, and, when CREDEX_SCREENSHOTS names a
// directory, is photographed at desktop and phone widths into it.
type viewer struct {
	t    *testing.T
	dir  string // where screenshots go; "" for none
	seen map[string]bool
}

func newViewer(t *testing.T) *viewer {
	return &viewer{t: t, dir: headless.ScreenshotDir(t), seen: map[string]bool{}}
}

// on is the viewer reporting to t, a subtest.
func (v *viewer) on(t *testing.T) *viewer { return &viewer{t: t, dir: v.dir, seen: v.seen} }

// Whether a page must show no full ID number (the public's and a
// person's pages) or may show them (the desk's, to the department whose
// records they are).
const (
	idsMasked = true
	idsInFull = false
)

// check looks at the page p shows now, named name (the screenshots' file
// name; "" for none), which must have answered status want. With
// idsMasked it also must show no full citizen ID number anywhere in its
// markup.
func (v *viewer) check(p *headless.Page, name string, status, want int, masked bool) {
	v.t.Helper()
	what := cmp.Or(name, ident.MaskText(p.URL()))
	if status != want {
		v.t.Errorf("%s: status %d, want %d:\n%s", what, status, want, ident.MaskText(p.BodyText()))
	}
	if problems := p.Problems(); len(problems) > 0 {
		v.t.Errorf("%s: the browser reports:\n\t%s", what, strings.Join(problems, "\n\t"))
	}
	p.CheckAccessible(what)
	if masked {
		noFullIDNumber(v.t, what, p)
	}
	if v.dir != "" && name != "" {
		if v.seen[name] {
			v.t.Fatalf("two screenshots named %s", name)
		}
		v.seen[name] = true
		p.Screenshot(v.dir, name)
	}
}

// noFullIDNumber fails t when the page shows a valid citizen ID number in
// full, in its text or anywhere in its markup.
func noFullIDNumber(t testing.TB, name string, p *headless.Page) {
	t.Helper()
	for _, id := range fullIDNumbers(p.HTML()) {
		t.Errorf("%s shows the full ID number %s", name, ident.MaskCitizenID(id))
	}
}

// signInAs opens a page of its own for a person and signs them in through
// the trusted identity provider's sign-in form, starting from /me as a
// person would; it returns the page, showing /me.
func signInAs(t *testing.T, chrome *headless.Browser, hubURL string, p person) *headless.Page {
	t.Helper()
	page := chrome.NewPage(t)
	if got := page.Open(hubURL + "/me"); got != http.StatusOK || !page.Has("dev-oidc-form") {
		t.Fatalf("/me signed out: status %d at %s, want the identity provider's sign-in form", got, page.URL())
	}
	page.Fill("dev-oidc-name", p.name)
	page.Fill("dev-oidc-id", p.idNumber)
	if got := page.Submit("dev-oidc-form"); got != http.StatusOK || page.URL() != hubURL+"/me" || !page.Has("signout") {
		t.Fatalf("signing in: status %d at %s, want /me signed in:\n%s", got, page.URL(), ident.MaskText(page.BodyText()))
	}
	return page
}

// TestPagesInABrowser walks the hub's pages in headless Chromium as their
// readers do: the public looks a person up, the person signs in and
// objects to a record of theirs with evidence, the department decides,
// and everyone sees the outcome.
func TestPagesInABrowser(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	sub := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"})
	recordID, who := b.recordAbout("WEB-E2E")
	chrome := headless.Start(t)
	v := newViewer(t)

	visitor := chrome.NewPage(t)
	v.check(visitor, "portal-home", visitor.Open(b.url+"/"), http.StatusOK, idsMasked)
	lookUp := func(name string) {
		t.Helper()
		visitor.Open(b.url + "/")
		visitor.Fill("lookup-name", who.name)
		visitor.Fill("lookup-id", who.idNumber)
		v.check(visitor, name, visitor.Submit("lookup-form"), http.StatusOK, idsMasked)
		if !visitor.Has("record-" + recordID) {
			t.Fatalf("the look-up of the record's subject does not show the record:\n%s", ident.MaskText(visitor.BodyText()))
		}
	}
	lookUp("portal-lookup")
	v.check(visitor, "", visitor.Open(b.url+"/lists"), http.StatusOK, idsMasked)
	v.check(visitor, "", visitor.Open(b.url+"/types"), http.StatusOK, idsMasked)

	t.Run("the portal in English", func(t *testing.T) {
		p := chrome.NewPage(t)
		p.Open(b.url + "/")
		if got := p.Follow("lang-switch"); got != http.StatusOK {
			t.Fatalf("the language switch: status %d at %s", got, p.URL())
		}
		var lang string
		p.Eval("document.documentElement.lang", &lang)
		if lang != "en" || !strings.Contains(p.BodyText(), "Look up") {
			t.Errorf("after the language switch the page is in %q:\n%s", lang, p.BodyText())
		}
		v.on(t).check(p, "", http.StatusOK, http.StatusOK, idsMasked)
	})

	t.Run("a form without its CSRF token is refused", func(t *testing.T) {
		p := chrome.NewPage(t)
		p.Open(b.url + "/")
		p.Fill("lookup-name", who.name)
		p.Fill("lookup-id", who.idNumber)
		p.Eval(`document.querySelector("#lookup-form input[name=csrf]").remove()`, nil)
		if got := p.Submit("lookup-form"); got != http.StatusForbidden || !p.Has("error-message") || p.Has("lookup-results") {
			t.Errorf("the look-up without its token: status %d, page:\n%s\nwant 403 with an error message and no results", got, ident.MaskText(p.BodyText()))
		}
		v.on(t).check(p, "", http.StatusForbidden, http.StatusForbidden, idsMasked)
	})

	// The person, who authorised a bank's inquiry, signs in, withdraws the
	// authorisation and objects to the record, with evidence.
	var grant struct{ ID string }
	if status := b.call(http.MethodPost, "/v1/authorisations", b.idToken(who.name, who.idNumber), map[string]any{"agency": "commercial-bank",
		"purpose": "住房按揭贷款审批", "types": []string{"tax_credit"}, "valid_days": 30}, &grant); status != http.StatusCreated {
		t.Fatalf("the person's grant answered %d, want 201", status)
	}
	me := signInAs(t, chrome, b.url, who)
	v.check(me, "person-records", http.StatusOK, http.StatusOK, idsMasked)
	if !me.Has("record-" + recordID) {
		t.Fatalf("/me does not show the person's record %s", recordID)
	}
	v.check(me, "", me.Submit("withdraw-"+grant.ID), http.StatusOK, idsMasked)
	if me.Has("withdraw-"+grant.ID) || !strings.Contains(me.Text("my-authorisations"), "已撤回") {
		t.Errorf("after the withdrawal /me shows:\n%s\nwant the authorisation withdrawn", ident.MaskText(me.Text("my-authorisations")))
	}
	v.check(me, "person-objection-form", me.Follow("object-"+recordID), http.StatusOK, idsMasked)
	evidence := filepath.Join(t.TempDir(), "decision.pdf")
	if err := os.WriteFile(evidence, syntheticPDF, 0o644); err != nil {
		t.Fatal(err)
	}
	me.Fill("objection-grounds", "error")
	me.Fill("objection-statement", "罚款金额与处罚决定书不符。")
	me.Upload("objection-evidence", evidence)
	v.check(me, "", me.Submit("objection-form"), http.StatusCreated, idsMasked)
	caseID, token := me.Text("case-id"), me.Text("tracking-token")
	if caseID == "" || token == "" {
		t.Fatalf("the filed objection shows case %q and tracking token %q, want both", caseID, token)
	}
	if status, o := b.track(token, caseID); status != http.StatusOK || o.Status != "accepted" || len(o.Evidence) != 1 || o.Evidence[0].Name != "decision.pdf" {
		t.Fatalf("the API reads the objection filed in the browser as %d %+v, want accepted with decision.pdf", status, o)
	}
	b.waitDisputed(recordID, 2, true)
	casePath := "/me/cases/" + caseID
	v.check(me, "", me.Open(b.url+casePath), http.StatusOK, idsMasked)

	t.Run("another person cannot open the case", func(t *testing.T) {
		other := signInAs(t, chrome, b.url, person{"李另一", ident.NewCitizenID(b.rand)})
		if got := other.Open(b.url + casePath); got != http.StatusNotFound || other.Has("case-status") {
			t.Errorf("another person opening %s: status %d, want 404 without the case", casePath, got)
		}
		v.on(t).check(other, "", http.StatusNotFound, http.StatusNotFound, idsMasked)
	})

	// The department's officer signs in at the desk, finds the objection
	// and decides it: the record is corrected.
	officer := chrome.NewPage(t)
	staffSignIn(t, officer, b.url+"/desk/", "desk-signin", marketKey)
	v.check(officer, "desk-list", http.StatusOK, http.StatusOK, idsInFull)
	if !officer.Has("case-" + caseID) {
		t.Fatalf("the desk does not list the objection %s:\n%s", caseID, ident.MaskText(officer.BodyText()))
	}
	v.check(officer, "desk-case", officer.Open(b.url+"/desk/objections/"+caseID), http.StatusOK, idsInFull)
	var data map[string]any
	if err := json.Unmarshal([]byte(officer.Value("decision-data")), &data); err != nil {
		t.Fatalf("the decision form's data field does not hold the record's JSON: %v", err)
	}
	data["amount_yuan"] = 2000
	corrected, _ := json.MarshalIndent(data, "", "  ")
	reason := "处罚决定书载明罚款二千元，录入有误，予以更正。"
	officer.Fill("outcome-corrected", "on")
	officer.Fill("decision-reason", reason)
	officer.Fill("decision-data", string(corrected))
	if got := officer.Submit("decision-form"); got != http.StatusOK || !officer.Has("decision-recorded") {
		t.Fatalf("the decision: status %d, want 200 saying it is recorded:\n%s", got, ident.MaskText(officer.BodyText()))
	}
	v.check(officer, "", http.StatusOK, http.StatusOK, idsInFull)
	b.waitDisputed(recordID, 3, false)

	// Everyone sees the outcome: the person on their case page, anyone
	// with the number and token, and the public in a look-up.
	me.Open(b.url + casePath)
	if got := me.Text("case-outcome"); !strings.Contains(me.BodyText(), reason) || got == "" {
		t.Errorf("the person's case page after the decision shows outcome %q, want one with the reason:\n%s", got, ident.MaskText(me.BodyText()))
	}
	v.check(me, "person-case", http.StatusOK, http.StatusOK, idsMasked)
	visitor.Open(b.url + "/track")
	visitor.Fill("track-case", caseID)
	visitor.Fill("track-token", token)
	v.check(visitor, "", visitor.Submit("track-form"), http.StatusOK, idsMasked)
	if visitor.Text("case-outcome") == "" {
		t.Errorf("the tracking page shows no outcome:\n%s", ident.MaskText(visitor.BodyText()))
	}
	lookUp("")
	if got := visitor.Text("record-" + recordID); !strings.Contains(got, "2000") {
		t.Errorf("the public look-up after the correction shows:\n%s\nwant the corrected amount 2000", ident.MaskText(got))
	}

	// The agency's pull subscription received the correction.
	wait.For(t, 20*time.Second, "the correction among the agency's events", func() bool {
		for _, raw := range b.events(agencyKey, sub.ID, "0", 1).Events {
			var e subscription.Event
			if json.Unmarshal(raw, &e) == nil && e.RecordID == recordID && e.Type == "record.corrected" && e.Version == 3 {
				return true
			}
		}
		return false
	})

	// The catalogue, with a second version of a type to compare.
	v2 := b.penaltyType(func(doc, schema, _ map[string]any) {
		doc["version"] = 2
		schema["properties"].(map[string]any)["case_no"] = map[string]any{"type": "string", "description": "The department's case number."}
	})
	if status, answer := b.publishType(maintainerKey, "administrative_penalty", v2); status != http.StatusCreated {
		t.Fatalf("publish version 2: %d %v", status, answer)
	}
	v.check(visitor, "catalog-list", visitor.Open(b.url+"/catalog/"), http.StatusOK, idsMasked)
	v.check(visitor, "catalog-type", visitor.Open(b.url+"/catalog/administrative_penalty"), http.StatusOK, idsMasked)
	visitor.Fill("diff-from", "1")
	visitor.Fill("diff-to", "2")
	v.check(visitor, "catalog-diff", visitor.Submit("diff-form"), http.StatusOK, idsMasked)
	if !strings.Contains(visitor.BodyText(), "case_no") {
		t.Errorf("the diff of versions 1 and 2 does not show the added field case_no:\n%s", visitor.BodyText())
	}

	// The operator's overview.
	operator := chrome.NewPage(t)
	staffSignIn(t, operator, b.url+"/ops/", "ops-signin", opKey)
	v.check(operator, "ops-overview", http.StatusOK, http.StatusOK, idsMasked)
}

// staffSignIn signs page in to a staff area (the desk or the operator
// overview, at areaURL) with key, through the area's sign-in form.
func staffSignIn(t *testing.T, page *headless.Page, areaURL, form, key string) {
	t.Helper()
	if got := page.Open(areaURL); got != http.StatusOK || !page.Has(form) {
		t.Fatalf("%s signed out: status %d, want its sign-in form #%s", areaURL, got, form)
	}
	page.Fill("signin-key", key)
	if got := page.Submit(form); got != http.StatusOK || page.URL() != areaURL || page.Has(form) {
		t.Fatalf("signing in to %s: status %d at %s, want the area signed in:\n%s", areaURL, got, page.URL(), ident.MaskText(page.BodyText()))
	}
}
