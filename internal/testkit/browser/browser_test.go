package browser_test

import (
	"bytes"
	"fmt"
	"html/template"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/credex/credex/internal/testkit/browser"
)

// csp is as strict as the hub's pages: no inline script, nothing from
// elsewhere.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"

var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}}</title></head>{{end}}

{{define "form"}}{{template "head" "异议申请"}}<body><main>
<h1>异议申请 Objection</h1>
<form id="objection" method="post" action="/echo" enctype="multipart/form-data">
<label for="name">姓名 Name</label> <input id="name" name="name" required>
<label for="grounds">Grounds</label>
<select id="grounds" name="grounds"><option value="">—</option><option value="wrong_person">Not me</option><option value="wrong_data">Wrong data</option></select>
<label for="statement">Statement</label> <textarea id="statement" name="statement"></textarea>
<label for="agree">I agree</label> <input type="checkbox" id="agree" name="agree" value="yes">
<label for="evidence">Evidence</label> <input type="file" id="evidence" name="evidence">
<button id="send" type="submit">提交 Submit</button>
</form>
<form id="refused" method="post" action="/refuse"><button id="refuse" type="submit">Post without a token</button></form>
<p><a id="to-long" href="/long">All records</a></p>
</main></body></html>{{end}}

{{define "echo"}}{{template "head" "Received"}}<body><main><h1>Received</h1>
<p id="got-name">{{.name}}</p><p id="got-grounds">{{.grounds}}</p><pre id="got-statement">{{.statement}}</pre>
<p id="got-agree">{{.agree}}</p><p id="got-file">{{.file}}</p><p id="hidden" hidden>not shown</p>
</main></body></html>{{end}}

{{define "bad"}}{{template "head" "Before"}}<body>
<script>document.title = "inline script ran";</script>
<img src="/photo.png"><input id="unlabelled">
</body></html>{{end}}

{{define "long"}}{{template "head" "Long"}}<body><main><h1>信用记录 Records</h1>
{{range .}}<p>第 {{.}} 条记录：行政处罚决定书，已公示。Record {{.}}: a penalty decision, displayed.</p>{{end}}
</main></body></html>{{end}}
`))

// site serves the pages the kit is tested on, each with the strict CSP.
func site(t *testing.T) string {
	t.Helper()
	render := func(w http.ResponseWriter, name string, data any) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := pages.ExecuteTemplate(w, name, data); err != nil {
			t.Error(err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { render(w, "form", nil) })
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got := map[string]string{}
		for _, k := range []string{"name", "grounds", "statement", "agree"} {
			got[k] = r.FormValue(k)
		}
		if f, h, err := r.FormFile("evidence"); err == nil {
			b, _ := io.ReadAll(f)
			got["file"] = fmt.Sprintf("%s %d %s", h.Filename, len(b), b)
		}
		render(w, "echo", got)
	})
	mux.HandleFunc("POST /refuse", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		render(w, "echo", map[string]string{"name": "refused"})
	})
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) { render(w, "bad", nil) })
	mux.HandleFunc("GET /long", func(w http.ResponseWriter, r *http.Request) {
		n := make([]int, 80)
		for i := range n {
			n[i] = i + 1
		}
		render(w, "long", n)
	})
	mux.HandleFunc("GET /sign-in", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/", HttpOnly: true})
		render(w, "echo", map[string]string{"name": "signed in"})
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		name := "nobody"
		if c, err := r.Cookie("session"); err == nil {
			name = c.Value
		}
		render(w, "echo", map[string]string{"name": name})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestPage holds the kit's specifications, run on one browser, as the
// tests of the hub's pages run theirs.
func TestPage(t *testing.T) {
	url, b := site(t), browser.Start(t)
	for _, spec := range []struct {
		name string
		run  func(*testing.T, string, *browser.Browser)
	}{
		{"FormIsFilledAndSubmittedByElementID", formIsFilledAndSubmittedByElementID},
		{"SubmitAndFollowReturnTheStatusOfTheAnswer", submitAndFollowReturnTheStatusOfTheAnswer},
		{"PagesDoNotShareCookies", pagesDoNotShareCookies},
		{"AxeFindsSeriousViolationsDespiteTheCSP", axeFindsSeriousViolationsDespiteTheCSP},
		{"ScreenshotsShowTheWholePageAtDesktopAndPhoneWidths", screenshotsShowTheWholePageAtDesktopAndPhoneWidths},
	} {
		t.Run(spec.name, func(t *testing.T) {
			t.Parallel()
			spec.run(t, url, b)
		})
	}
}

func formIsFilledAndSubmittedByElementID(t *testing.T, url string, b *browser.Browser) {
	p := b.NewPage(t)

	if got := p.Open(url + "/"); got != http.StatusOK {
		t.Fatalf("Open: status %d, want 200", got)
	}
	if got := p.Text("send"); got != "提交 Submit" {
		t.Errorf("Text(send) = %q, want %q", got, "提交 Submit")
	}
	evidence := filepath.Join(t.TempDir(), "decision.txt")
	if err := os.WriteFile(evidence, []byte("paid on time"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.Fill("name", "张三")
	p.Fill("grounds", "wrong_data")
	p.Fill("statement", "The fine was paid.\nSee the receipt.")
	p.Fill("agree", "yes")
	p.Upload("evidence", evidence)
	if got := p.Value("grounds"); got != "wrong_data" {
		t.Errorf("Value(grounds) = %q after Fill, want wrong_data", got)
	}

	if got := p.Submit("send"); got != http.StatusOK {
		t.Fatalf("Submit: status %d, want 200", got)
	}
	if got, want := p.URL(), url+"/echo"; got != want {
		t.Errorf("URL after Submit = %s, want %s", got, want)
	}
	for id, want := range map[string]string{
		"got-name":      "张三",
		"got-grounds":   "wrong_data",
		"got-statement": "The fine was paid.\nSee the receipt.",
		"got-agree":     "yes",
		"got-file":      "decision.txt 12 paid on time",
	} {
		if got := strings.ReplaceAll(p.Text(id), "\r\n", "\n"); got != want {
			t.Errorf("Text(%s) = %q, want %q", id, got, want)
		}
	}
	if got := p.BodyText(); strings.Contains(got, "not shown") || !strings.Contains(got, "张三") {
		t.Errorf("BodyText shows the hidden paragraph or lacks the name:\n%s", got)
	}
	if p.Has("send") || !p.Has("got-name") {
		t.Error("Has does not follow the page that is shown")
	}
}

func submitAndFollowReturnTheStatusOfTheAnswer(t *testing.T, url string, b *browser.Browser) {
	p := b.NewPage(t)

	p.Open(url + "/")
	if got := p.Submit("refused"); got != http.StatusForbidden {
		t.Errorf("Submit(refused) = %d, want 403", got)
	}
	if got := p.Problems(); len(got) != 0 {
		t.Errorf("a page answered with 403: Problems = %q, want none (its status is the test's to judge)", got)
	}
	if got := p.Text("got-name"); got != "refused" {
		t.Errorf("page after Submit says %q, want refused", got)
	}
	p.Open(url + "/")
	if got := p.Follow("to-long"); got != http.StatusOK || p.URL() != url+"/long" {
		t.Errorf("Follow(to-long) = %d to %s, want 200 at /long", got, p.URL())
	}
	if got := p.Open(url + "/missing"); got != http.StatusNotFound {
		t.Errorf("Open(/missing) = %d, want 404", got)
	}
}

func pagesDoNotShareCookies(t *testing.T, url string, b *browser.Browser) {
	signedIn, other := b.NewPage(t), b.NewPage(t)

	signedIn.Open(url + "/sign-in")
	other.Open(url + "/whoami")
	if got := other.Text("got-name"); got != "nobody" {
		t.Errorf("another page is %q, want nobody: it shares the first page's cookie", got)
	}
	signedIn.Open(url + "/whoami")
	if got := signedIn.Text("got-name"); got != "s1" {
		t.Errorf("the signed-in page is %q, want s1", got)
	}
}

func axeFindsSeriousViolationsDespiteTheCSP(t *testing.T, url string, b *browser.Browser) {
	p := b.NewPage(t)

	p.Open(url + "/")
	if vs := p.Axe(); len(vs) != 0 {
		t.Errorf("the accessible form has violations:\n%v", vs)
	}
	if got := p.Problems(); len(got) != 0 {
		t.Errorf("the form, axe-core run in it: Problems = %q, want none", got)
	}

	p.Open(url + "/bad")
	if got := p.Title(); got != "Before" {
		t.Fatalf("title %q: the page's CSP did not stop its inline script, so this test proves nothing about injecting under a CSP", got)
	}
	problems := strings.Join(p.Problems(), "\n")
	for _, want := range []string{"Content Security Policy", "404"} {
		if !strings.Contains(problems, want) {
			t.Errorf("the blocked inline script and the missing image: Problems lack %q:\n%s", want, problems)
		}
	}
	vs := p.Axe()
	var rules []string
	for _, v := range vs {
		rules = append(rules, v.Rule)
		if v.Impact != "serious" && v.Impact != "critical" {
			t.Errorf("%s has impact %q; only serious and critical ones are kept", v.Rule, v.Impact)
		}
		if len(v.Nodes) == 0 || len(v.Nodes[0].Target) == 0 || v.Nodes[0].HTML == "" {
			t.Errorf("%s names no element: %+v", v.Rule, v.Nodes)
		}
	}
	for _, want := range []string{"image-alt", "label"} {
		if !slices.Contains(rules, want) {
			t.Errorf("violations %v lack %s", rules, want)
		}
	}
	for _, v := range vs {
		if v.Rule == "label" && !strings.Contains(v.String(), "#unlabelled") {
			t.Errorf("the label violation does not name its element:\n%s", v)
		}
	}
}

func screenshotsShowTheWholePageAtDesktopAndPhoneWidths(t *testing.T, url string, b *browser.Browser) {
	p := b.NewPage(t)
	dir := filepath.Join(t.TempDir(), "shots")

	p.Open(url + "/long")
	paths := p.Screenshot(dir, "records")
	want := []string{filepath.Join(dir, "records-desktop.png"), filepath.Join(dir, "records-phone.png")}
	if !slices.Equal(paths, want) {
		t.Fatalf("Screenshot wrote %v, want %v", paths, want)
	}
	var heights []int
	for i, width := range []int{browser.DesktopWidth, browser.PhoneWidth} {
		b, err := os.ReadFile(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", paths[i], err)
		}
		size := img.Bounds().Size()
		if size.X != width {
			t.Errorf("%s is %dpx wide, want %d", paths[i], size.X, width)
		}
		heights = append(heights, size.Y)
	}
	// 80 paragraphs run past one screen on either; on a phone they wrap
	// into more lines, so its page is the taller one.
	if heights[0] <= 800 || heights[1] <= heights[0] {
		t.Errorf("heights desktop %dpx, phone %dpx: want the whole page, over 800px, and taller on the phone", heights[0], heights[1])
	}
	var width int
	p.Eval("window.innerWidth", &width)
	if width != browser.DesktopWidth {
		t.Errorf("after the screenshots the window is %dpx wide, want %d again", width, browser.DesktopWidth)
	}
}

func TestScreenshotDirIsRelativeToTheModuleRoot(t *testing.T) {
	t.Setenv(browser.EnvScreenshots, "")
	if got := browser.ScreenshotDir(t); got != "" {
		t.Errorf("unset: ScreenshotDir = %q, want empty", got)
	}
	t.Setenv(browser.EnvScreenshots, "docs/screenshots")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(wd))) // internal/testkit/browser
	if got, want := browser.ScreenshotDir(t), filepath.Join(root, "docs/screenshots"); got != want {
		t.Errorf("ScreenshotDir = %q, want %q", got, want)
	}
}

// fatalRecorder is a test that records its fatal failure instead of
// failing.
type fatalRecorder struct {
	testing.TB
	msg string
}

type stopped struct{}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(stopped{})
}

func TestStartFailsWithoutChromium(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-chromium")
	t.Setenv(browser.EnvChromium, missing)
	r := &fatalRecorder{TB: t}
	func() {
		defer func() {
			if p := recover(); p != nil && p != (stopped{}) {
				panic(p)
			}
		}()
		browser.Start(r)
	}()
	if !strings.Contains(r.msg, missing) || !strings.Contains(r.msg, "apt-get install chromium") || !strings.Contains(r.msg, browser.EnvChromium) {
		t.Errorf("Start without Chromium failed with %q; want a message naming the path, the package and %s", r.msg, browser.EnvChromium)
	}
}
