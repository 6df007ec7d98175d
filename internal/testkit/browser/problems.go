package browser

import (
	"fmt"
	"net/url"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"

	"github.com/credex/credex/ident"
)

// Problems returns what the browser reported about the page since it was
// last opened or submitted: errors and warnings of its console and log
// (among them what the Content Security Policy blocked, and resources that
// did not load, but for the favicon the browser asks for on its own) and
// uncaught exceptions, each as one line with full citizen ID numbers
// masked. A page that works as written has none. The status of the
// document itself is no problem here: [Page.Open] and [Page.Submit]
// return it, for the test to judge.
func (p *Page) Problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.problems...)
}

func (p *Page) clearProblems() {
	p.mu.Lock()
	p.problems = nil
	p.mu.Unlock()
}

// listen receives the tab's events on chromedp's reading goroutine.
func (p *Page) listen(ev any) {
	var line string
	switch ev := ev.(type) {
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument {
			p.mu.Lock()
			p.lastDocument = ev.Response.URL
			p.mu.Unlock()
		}
		return
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Level != log.EntryLevelError && e.Level != log.EntryLevelWarning || isFavicon(e.URL) || p.isDocument(e) {
			return
		}
		line = fmt.Sprintf("%s %s: %s", e.Source, e.Level, e.Text)
		if e.URL != "" {
			line += " (" + e.URL + ")"
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeWarning && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		line = "console " + string(ev.Type) + ":"
		for _, a := range ev.Args {
			if a.Value != nil {
				line += " " + string(a.Value)
			} else {
				line += " " + a.Description
			}
		}
	case *runtime.EventExceptionThrown:
		line = "exception: " + exceptionText(ev.ExceptionDetails)
	default:
		return
	}
	p.mu.Lock()
	p.problems = append(p.problems, ident.MaskText(line))
	p.mu.Unlock()
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return ""
	}
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}

// isFavicon reports whether a URL is a site's /favicon.ico, which the
// browser fetches whether or not a page names it.
func isFavicon(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.Path == "/favicon.ico"
}

// isDocument reports whether a log entry is the network's report of the
// last document's own status.
func (p *Page) isDocument(e *log.Entry) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return e.Source == log.EntrySourceNetwork && e.URL != "" && e.URL == p.lastDocument
}
