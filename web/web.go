package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/casework"
	"github.com/credex/credex/catalog/registry"
	"github.com/credex/credex/internal/requestid"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/store"
	"github.com/credex/credex/workday"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are what the pages are served from: the same services the API
// calls.
type Deps struct {
	// Store is the public credit database.
	Store *store.Store
	// Catalog is the record type catalogue as published.
	Catalog *registry.Registry
	// Cases files, reads and decides objections and repair applications.
	Cases *casework.Service
	// Audit records every read and change of personal data, before a page
	// discloses it.
	Audit *audit.Recorder
	// Lookups count the look-ups of persons by name and ID number against
	// the limits the API counts them against too (api.Lookups); nil does
	// not limit.
	Lookups Lookups
	// People verifies the ID tokens of the identity provider the hub
	// trusts; Login signs people in there (the authorization code flow).
	// Without both, /signin answers that no one can sign in.
	People People
	Login  SignIn
	// SubjectKey keys the hash of ID numbers (record.SubjectKey); the
	// session key is derived from it (newSealer).
	SubjectKey []byte
	// Calendar counts the working days of deadlines; default
	// workday.Default().
	Calendar *workday.Calendar
	// Keys checks the API keys departments and operators sign in with, as
	// the API does, within the same limit of failures (api.KeyCheck).
	Keys KeyCheck
	// Gatherer holds the hub's metrics, as /metrics serves them.
	Gatherer prometheus.Gatherer
	// Now is the pages' clock; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Lookups are the buckets of the look-ups of persons: Take counts one of
// the person with idNumber from the client address host, and answers false
// and how long to wait when one bucket is empty.
type Lookups interface {
	Take(host, idNumber string) (bool, time.Duration)
}

// New returns the handler of the hub's pages: the public portal at /, the
// department desk under /desk/, catalogue pages under /catalog/, the
// operator overview under /ops/ and their files under /static/. Every page
// is sent with the headers of secure (a strict Content-Security-Policy
// among them); every POST must carry the session's CSRF token (csrf).
func New(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Calendar == nil {
		d.Calendar = workday.Default()
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &server{Deps: d, sealer: newSealer(d.SubjectKey), pages: parsePages()}
	mux := http.NewServeMux()
	s.routePortal(mux)
	s.routeDesk(mux)
	s.routeCatalog(mux)
	s.routeOps(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.unrouted(mux, w, r) })
	// Files are served without a session: a cacheable answer sets no
	// cookie.
	root := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	root.Handle("GET /static/", http.StripPrefix("/static/", staticFiles(http.FileServerFS(static))))
	root.Handle("/", languages(s.sessions(s.csrf(textPaths(s, noteRoute(mux))))))
	return secure(root)
}

// Bounds of the body of a form: anonymousBody for anyone, signedInBody for
// a signed-in person, whose largest form is an objection or a repair
// application with its files (lifecycle.MaxFilingBytes), plus its fields.
const (
	anonymousBody = 256 << 10
	signedInBody  = lifecycle.MaxFilingBytes + anonymousBody
)

// server serves the pages.
type server struct {
	Deps
	sealer *sealer
	// pages are the templates, by file name, each with the base layout.
	pages map[string]*template.Template
}

func (s *server) now() time.Time { return s.Now() }

// parsePages parses each page of templates/ with the base layout
// (base.html) it fills in and the parts pages share (_*.html).
func parsePages() map[string]*template.Template {
	base := template.Must(template.New("base.html").ParseFS(templateFS, "templates/base.html", "templates/_*.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		if path.Base(name) == "base.html" || strings.HasPrefix(path.Base(name), "_") {
			continue
		}
		pages[path.Base(name)] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, name))
	}
	return pages
}

// page is what every template sees: the page's own data in Data, and what
// the layout needs.
type page struct {
	// Lang is the language of the page, zh or en.
	Lang string
	// Path is the page's path, for the language switch.
	Path string
	// Session is the visitor's session: the signed-in person, if any.
	Session *Session
	// Data is the page's own.
	Data any
}

// T translates a message key of messages into the page's language.
func (p page) T(key string, args ...any) string { return translate(p.Lang, key, args...) }

// CSRF is the hidden field every POST form carries.
func (p page) CSRF() template.HTML { return csrfInput(p.Session) }

// With is the page with other data, for a shared template
// ({{template "record" $.With .}}).
func (p page) With(data any) page {
	p.Data = data
	return p
}

// personFields is the dot of the shared template personfields.
type personFields struct {
	Page   page
	Prefix string
	Form   personForm
}

// PersonFields is the dot of personfields: the name and ID number fields,
// with ids prefixed by prefix, filled in from form (a personForm, or nil).
func (p page) PersonFields(prefix string, form any) personFields {
	f, _ := form.(personForm)
	return personFields{Page: p, Prefix: prefix, Form: f}
}

// OtherLang is the language the switch offers.
func (p page) OtherLang() string {
	if p.Lang == en {
		return zh
	}
	return en
}

// render writes the page name (a file of templates/) with data, in the
// visitor's language, with status. A template that fails writes the error
// page instead of half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := s.pages[name]
	if !ok {
		panic("web: no page " + name)
	}
	var buf bytes.Buffer
	p := page{Lang: langOf(r), Path: r.URL.Path, Session: sessionOf(r), Data: data}
	if err := t.ExecuteTemplate(&buf, "base.html", p); err != nil {
		s.Logger.Error("render page", "page", name, "err", err)
		if name != "error.html" {
			s.fail(w, r, http.StatusInternalServerError, "error.unavailable")
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage is the data of error.html.
type errorPage struct {
	// Message is the sentence that says what happened and what to do.
	Message string
}

// fail answers with the error page: status, and the message key, with
// args, as a sentence in the visitor's language.
func (s *server) fail(w http.ResponseWriter, r *http.Request, status int, key string, args ...any) {
	s.render(w, r, status, "error.html", errorPage{Message: translate(langOf(r), key, args...)})
}

// unrouted answers a request no route took: 405 when the path has routes
// for other methods, else 404.
func (s *server) unrouted(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/" {
			s.fail(w, r, http.StatusMethodNotAllowed, "error.method")
			return
		}
	}
	s.fail(w, r, http.StatusNotFound, "error.not_found")
}

// textPaths answers 404 to a path that is not text (invalid UTF-8, or
// U+0000): no page is named so.
func textPaths(s *server, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !utf8.ValidString(r.URL.Path) || strings.ContainsRune(r.URL.Path, 0) {
			s.fail(w, r, http.StatusNotFound, "error.not_found")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy lets a page load only the hub's own styles,
// scripts and images, post forms only to the hub, and be framed by no one.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secure sets the security headers of every page. Pages are not cached:
// they may show personal data.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// staticFiles lets the files under /static/ be cached for an hour.
func staticFiles(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// noteRoute tells the request log which page served a request: the
// handlers before the sessions see a copy of the request without its
// pattern.
func noteRoute(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		requestid.NoteRoute(r.Context(), r.Pattern)
	})
}
