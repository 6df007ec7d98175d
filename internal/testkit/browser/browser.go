package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/credex/credex/ident"
)

// Environment variables that say where the browser and axe-core are.
const (
	// EnvChromium names the Chromium executable to run.
	EnvChromium = "CREDEX_CHROMIUM"
	// EnvAxe names the file holding axe.min.js.
	EnvAxe = "CREDEX_AXE_JS"
)

// DefaultChromium is the executable of Debian's chromium package, run when
// CREDEX_CHROMIUM is unset.
const DefaultChromium = "/usr/bin/chromium"

// actionTimeout bounds one step of a page: a navigation, a form submission,
// a screenshot, an accessibility check.
const actionTimeout = 30 * time.Second

// Browser is one headless Chromium process, started for one test and
// stopped when that test ends. Its pages may be used from parallel
// subtests, each page from one goroutine at a time.
type Browser struct {
	ctx context.Context // the browser's root chromedp context
}

// Start starts headless Chromium for t and stops it when t ends. It fails
// the test when the executable is missing or does not start.
func Start(t testing.TB) *Browser {
	t.Helper()
	exe := Executable()
	if info, err := os.Stat(exe); err != nil || info.IsDir() {
		t.Fatalf("browser: no Chromium at %s: install Debian's chromium package (apt-get install chromium), or name the executable in %s", exe, EnvChromium)
	}

	out := &tailBuffer{max: 8 << 10}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("window-size", fmt.Sprintf("%d,%d", DesktopWidth, desktopHeight)),
		chromedp.CombinedOutput(out),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	logs := &testLogf{t: t}
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logs.printf), chromedp.WithLogf(logs.printf))
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		defer ccancel()
		_ = chromedp.Cancel(cctx)
		cancel()
		cancelAlloc()
		logs.close()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("browser: start %s: %v\n%s", exe, err, out.String())
	}
	return &Browser{ctx: ctx}
}

// Executable returns the Chromium executable that [Start] runs.
func Executable() string {
	if exe := os.Getenv(EnvChromium); exe != "" {
		return exe
	}
	return DefaultChromium
}

// NewPage opens a tab in a browser context of its own: its cookies, storage
// and cache are shared with no other page, as if another person's browser
// opened it. The page closes when t ends, or earlier with [Page.Close].
// Steps on the page fail t.
func (b *Browser) NewPage(t testing.TB) *Page {
	t.Helper()
	p := &Page{t: t}
	p.ctx, p.cancel = chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(p.listen))
	if err := chromedp.Do(p.ctx); err != nil { // creates the tab
		p.cancel()
		t.Fatalf("browser: open a page: %v", err)
	}
	t.Cleanup(p.cancel)
	return p
}

// Page is one tab. Its methods fail the test on any error of the browser;
// they wait for what they start (a navigation, a screenshot) to finish. A
// page is used from one goroutine at a time.
type Page struct {
	t      testing.TB
	ctx    context.Context
	cancel context.CancelFunc

	mu           sync.Mutex
	problems     []string // what the browser reported since the last navigation
	lastDocument string   // the URL of the last document received
}

// Close closes the tab and its browser context.
func (p *Page) Close() { p.cancel() }

// Open navigates to url, waits until the page has loaded and returns the
// HTTP status of its document.
func (p *Page) Open(url string) int {
	p.t.Helper()
	p.clearProblems()
	resp, err := run(p, chromedp.NavigateResponse(url))
	if err != nil {
		p.t.Fatalf("browser: open %s: %v", url, err)
	}
	return int(resp.Status)
}

// Fill sets the value of the input, textarea or select with this id, as a
// person typing or choosing would, so that its input and change events
// fire. A checkbox or radio button is checked when value is not empty.
func (p *Page) Fill(id, value string) {
	p.t.Helper()
	p.eval(fmt.Sprintf(`(() => {
		const el = %s, value = %s;
		if (el.type === "checkbox" || el.type === "radio") {
			el.checked = value !== "";
		} else {
			el.value = value;
		}
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
	})()`, byID(id), jsString(value)), nil)
}

// Upload chooses files, by their paths on this machine, in the file input
// with this id.
func (p *Page) Upload(id string, files ...string) {
	p.t.Helper()
	p.mustExist(id)
	if _, err := run(p, chromedp.SetUploadFiles(chromedp.ID(id), files)); err != nil {
		p.t.Fatalf("browser: upload into #%s: %v", id, err)
	}
}

// Click clicks the element with this id without waiting for a navigation;
// use [Page.Submit] for a click that loads another page.
func (p *Page) Click(id string) {
	p.t.Helper()
	p.eval(byID(id)+".click()", nil)
}

// Submit submits a form and waits for the page it leads to, returning that
// page's HTTP status. The id names either a submit button, which is
// clicked, or the form itself, which is submitted as by its default button
// (so the browser's own checks of required fields apply; a form they stop
// does not navigate, and Submit fails after a timeout).
func (p *Page) Submit(id string) int {
	p.t.Helper()
	return p.navigate("submit", id, fmt.Sprintf(`(() => {
		const el = %s;
		if (el instanceof HTMLFormElement) el.requestSubmit(); else el.click();
	})()`, byID(id)))
}

// Follow clicks the link (or button) with this id and waits for the page
// it leads to, returning that page's HTTP status.
func (p *Page) Follow(id string) int {
	p.t.Helper()
	return p.navigate("follow", id, byID(id)+".click()")
}

// navigate runs js, which starts a navigation, and waits for its page.
func (p *Page) navigate(what, id, js string) int {
	p.t.Helper()
	p.mustExist(id)
	p.clearProblems()
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Evaluate[chromedp.Void](js))
	if err != nil {
		p.t.Fatalf("browser: %s #%s: %v", what, id, timeoutSaid(err))
	}
	return int(resp.Status)
}

// Has reports whether the page has an element with this id.
func (p *Page) Has(id string) bool {
	p.t.Helper()
	var has bool
	p.eval("document.getElementById("+jsString(id)+") !== null", &has)
	return has
}

// Text returns the rendered text of the element with this id, as a reader
// sees it (innerText: hidden elements left out), with surrounding space
// trimmed.
func (p *Page) Text(id string) string {
	p.t.Helper()
	var s string
	p.eval(byID(id)+".innerText.trim()", &s)
	return s
}

// Value returns the current value of the input, textarea or select with
// this id.
func (p *Page) Value(id string) string {
	p.t.Helper()
	var s string
	p.eval(byID(id)+".value", &s)
	return s
}

// Attr returns the attribute name of the element with this id, or "" when
// it has none.
func (p *Page) Attr(id, name string) string {
	p.t.Helper()
	var s string
	p.eval(fmt.Sprintf(`%s.getAttribute(%s) ?? ""`, byID(id), jsString(name)), &s)
	return s
}

// BodyText returns the rendered text of the whole page, as a reader sees
// it.
func (p *Page) BodyText() string {
	p.t.Helper()
	var s string
	p.eval("document.body ? document.body.innerText : ''", &s)
	return s
}

// HTML returns the page's current markup, hidden parts and attributes
// included.
func (p *Page) HTML() string {
	p.t.Helper()
	var s string
	p.eval("document.documentElement.outerHTML", &s)
	return s
}

// URL returns the address of the page shown.
func (p *Page) URL() string {
	p.t.Helper()
	var s string
	p.eval("location.href", &s)
	return s
}

// Title returns the document's title.
func (p *Page) Title() string {
	p.t.Helper()
	var s string
	p.eval("document.title", &s)
	return s
}

// Eval evaluates a JavaScript expression in the page, awaiting it when it
// is a promise, and decodes its JSON value into out (which may be nil). It
// runs with the privileges of the DevTools protocol, so the page's Content
// Security Policy does not apply to it.
func (p *Page) Eval(expr string, out any) {
	p.t.Helper()
	p.eval(expr, out)
}

func (p *Page) eval(expr string, out any) {
	p.t.Helper()
	raw, err := run(p, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("browser: in %s: %s: %v", p.where(), abbrev(expr), err)
	}
	if out == nil {
		return
	}
	if err := json.Unmarshal(raw, out); err != nil {
		p.t.Fatalf("browser: in %s: %s: decode %s: %v", p.where(), abbrev(expr), abbrev(string(raw)), err)
	}
}

// mustExist fails the test at once, naming the page, when it has no
// element with this id (a query through chromedp would wait for it).
func (p *Page) mustExist(id string) {
	p.t.Helper()
	if !p.Has(id) {
		p.t.Fatalf("browser: %s has no element #%s", p.where(), id)
	}
}

// where names the page in messages: its address, or what went wrong
// reading it.
func (p *Page) where() string {
	u, err := run(p, chromedp.Evaluate[string]("location.href"))
	if err != nil {
		return "the page"
	}
	return ident.MaskText(u)
}

// run runs one action on the page within actionTimeout.
func run[T any](p *Page, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(p.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	return v, timeoutSaid(err)
}

// timeoutSaid says how long a step waited when it ran out of time.
func timeoutSaid(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %v: %w", actionTimeout, err)
	}
	return err
}

// byID is the JavaScript expression for the element with this id; it
// throws, naming the id, when there is none.
func byID(id string) string {
	return fmt.Sprintf(`(document.getElementById(%s) ?? (() => { throw new Error("no element #" + %[1]s) })())`, jsString(id))
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func abbrev(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// testLogf passes the browser's messages to the test's log until the test
// ends; later ones are dropped, as testing forbids logging after the end.
type testLogf struct {
	mu     sync.Mutex
	t      testing.TB
	closed bool
}

func (l *testLogf) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.t.Logf("browser: "+format, args...)
	}
}

func (l *testLogf) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
}

// tailBuffer keeps the last max bytes written to it: the browser's output,
// shown when it does not start.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if len(w.b) > w.max {
		w.b = w.b[len(w.b)-w.max:]
	}
	return len(p), nil
}

func (w *tailBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.b)
}
