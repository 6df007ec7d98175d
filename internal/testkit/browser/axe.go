package browser

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/chromedp/chromedp"

	"github.com/credex/credex/ident"
)

// Violation is one rule of axe-core that a page breaks, with the elements
// that break it.
type Violation struct {
	Rule    string `json:"id"`      // axe-core's rule id, such as "color-contrast"
	Impact  string `json:"impact"`  // "serious" or "critical"
	Help    string `json:"help"`    // what the rule asks, in a sentence
	HelpURL string `json:"helpUrl"` // where axe-core explains the rule
	Nodes   []Node `json:"nodes"`
}

// Node is an element that breaks a rule.
type Node struct {
	Target  []string `json:"target"`         // CSS selectors that find it
	HTML    string   `json:"html"`           // the start of its markup
	Summary string   `json:"failureSummary"` // what to fix
}

// String describes the violation for the engineer who fixes the page: the
// rule, each element and what to fix. Full citizen ID numbers in the
// page's markup are masked.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s <%s>", v.Rule, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n\t%s: %s", strings.Join(n.Target, ", "), n.HTML)
		for line := range strings.SplitSeq(n.Summary, "\n") {
			fmt.Fprintf(&b, "\n\t\t%s", line)
		}
	}
	return ident.MaskText(b.String())
}

// axeRun runs every rule of axe-core in the document and keeps the
// violations of serious or critical impact.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
	.filter(v => v.impact === "serious" || v.impact === "critical")
	.map(v => ({
		id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({
			target: n.target.map(t => Array.isArray(t) ? t.join(" >>> ") : String(t)),
			html: n.html, failureSummary: n.failureSummary || "",
		})),
	})))`

// axeScript reads axe-core once per test binary.
var axeScript = sync.OnceValues(func() (string, error) {
	path := os.Getenv(EnvAxe)
	if path == "" {
		return "", fmt.Errorf("%s is not set; run the tests with deploy/local/test.sh, or set it to what deploy/local/axe.sh prints", EnvAxe)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w (deploy/local/axe.sh installs axe-core)", EnvAxe, err)
	}
	return string(b), nil
})

// Axe runs axe-core in the page as it is now and returns the violations of
// serious or critical impact. axe-core is injected through the DevTools
// protocol, so the page's Content Security Policy does not stop it.
func (p *Page) Axe() []Violation {
	p.t.Helper()
	src, err := axeScript()
	if err != nil {
		p.t.Fatalf("browser: axe-core: %v", err)
	}
	var loaded bool
	p.eval(`typeof axe === "object"`, &loaded)
	if !loaded {
		if _, err := run(p, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			p.t.Fatalf("browser: inject axe-core into %s: %v", p.where(), err)
		}
	}
	var vs []Violation
	p.eval(axeRun, &vs)
	return vs
}

// CheckAccessible fails the test, without stopping it, for each serious or
// critical violation that axe-core finds in the page, naming the page (as
// what) and describing the violation.
func (p *Page) CheckAccessible(what string) {
	p.t.Helper()
	for _, v := range p.Axe() {
		p.t.Errorf("%s (%s): accessibility: %s", what, p.where(), v)
	}
}
