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
// name), which must have answered status. A public page also must show
// no full citizen ID number anywhere in its markup.
func (v *viewer) check(p *headless.Page, name string, status, want int, public bool) {
	v.t.Helper()
	if status != want {
		v.t.Errorf("%s: status %d, want %d:\n%s", name, status, want, ident.MaskText(p.BodyText()))
	}
	if problems := p.Problems(); len(problems) > 0 {
		v.t.Errorf("%s: the browser reports:\n\t%s", name, strings.Join(problems, "\n\t"))
	}
	p.CheckAccessible(name)
	if public {
		noFullIDNumber(v.t, name, p)
	}
	if v.dir != "" {
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
// readers do.
func TestPagesInABrowser(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	chrome := headless.Start(t)
	v := newViewer(t)

	visitor := chrome.NewPage(t)
	v.check(visitor, "portal-home", visitor.Open(b.url+"/"), http.StatusOK, true)
	for _, area := range []struct{ name, path string }{
		{"desk-home", "/desk/"}, {"catalog-home", "/catalog/"}, {"ops-home", "/ops/"},
	} {
		v.check(visitor, area.name, visitor.Open(b.url+area.path), http.StatusOK, true)
	}
}
