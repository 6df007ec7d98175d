package web

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/casework"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/catalog/registry"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// routePortal registers the public portal's pages.
func (s *server) routePortal(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /lookup", s.lookupForm)
	mux.HandleFunc("POST /lookup", s.lookup)
	mux.HandleFunc("GET /lists", s.listsForm)
	mux.HandleFunc("POST /lists", s.lists)
	mux.HandleFunc("GET /types", s.types)
	s.routePerson(mux)
}

// home serves GET /: what the site is, the look-up form, where to go.
func (s *server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home.html", nil)
}

// personForm is a form that names a person by name and ID number, as it
// was filled in, with the problems of each field (message keys). The ID
// number is never shown back.
type personForm struct {
	Name                  string
	NameError, IDNumError string
}

// readPersonForm reads the name and ID number of r's form: the name
// trimmed, the ID number read by ident.NormalizeCitizenID. ok is false
// when a field has a problem, which form says.
func readPersonForm(r *http.Request) (form personForm, idNumber string, ok bool) {
	form.Name = strings.TrimSpace(r.PostFormValue("name"))
	switch {
	case form.Name == "":
		form.NameError = "form.name.missing"
	case utf8.RuneCountInString(form.Name) > casework.MaxName:
		form.NameError = "form.name.long"
	}
	idNumber, _, err := ident.NormalizeCitizenID(r.PostFormValue("id_number"))
	if err != nil {
		form.IDNumError = "form.id.invalid"
	}
	return form, idNumber, form.NameError == "" && form.IDNumError == ""
}

// lookupPage is the data of lookup.html.
type lookupPage struct {
	Form personForm
	// Searched says the form was sent and answered: Records are all there
	// is.
	Searched bool
	Records  []recordView
}

// lookupForm serves GET /lookup.
func (s *server) lookupForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "lookup.html", lookupPage{})
}

// lookup serves POST /lookup: what is publicly displayed about the person
// with this name and ID number, by the API's rules (POST /v1/public/query):
// the same look-up limits, the same records, masked, and the same entry in
// the audit log. A name that does not go with the number finds nothing.
func (s *server) lookup(w http.ResponseWriter, r *http.Request) {
	form, idNumber, ok := readPersonForm(r)
	if !ok {
		s.render(w, r, http.StatusBadRequest, "lookup.html", lookupPage{Form: form})
		return
	}
	if !s.throttle(w, r, idNumber) {
		return
	}
	recs, err := s.publicRecords(r.Context(), form.Name, idNumber)
	if err != nil {
		s.unavailable(w, r, "public look-up", err)
		return
	}
	lang := langOf(r)
	page := lookupPage{Form: form, Searched: true, Records: make([]recordView, len(recs))}
	for i, rec := range recs {
		page.Records[i] = s.newRecordView(lang, rec.ID, rec.Type, rec.Department, rec.SubjectName, rec.SubjectMasked,
			rec.Disputed, rec.Data, rec.UpdatedAt)
		page.Records[i].window(rec.DisplayFrom, rec.RepairFrom, rec.DisplayUntil)
	}
	s.render(w, r, http.StatusOK, "lookup.html", page)
}

// publicRecords are the records the public may see about the person with
// name and idNumber, as POST /v1/public/query finds them, with the look-up
// in the audit log before they are shown.
func (s *server) publicRecords(ctx context.Context, name, idNumber string) ([]store.PublicRecord, error) {
	subject := record.SubjectKey(s.SubjectKey, idNumber)
	recs, err := s.Store.PublicRecords(ctx, subject, name, registry.PublicSpans(s.Catalog.Types(), s.Catalog.Spans), s.now())
	if err != nil {
		return nil, err
	}
	result := audit.OK
	if len(recs) == 0 {
		result = audit.NotFound
		match, err := s.Store.MatchSubject(ctx, subject, name)
		if err != nil {
			return nil, err
		}
		if match == store.SubjectMisnamed {
			result = audit.IdentityFailed
		}
	}
	if err := s.Audit.Record(ctx, audit.Entry{Action: audit.PublicQuery, Subject: subject, Result: result}); err != nil {
		return nil, err
	}
	return recs, nil
}

// throttle counts a look-up of the person with idNumber against the look-up
// limits the API counts too. When they are spent it answers 429 with a page
// that says how long to wait, and returns false.
func (s *server) throttle(w http.ResponseWriter, r *http.Request, idNumber string) bool {
	if s.Lookups == nil {
		return true
	}
	ok, wait := s.Lookups.Take(clientAddr(r), idNumber)
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
		s.fail(w, r, http.StatusTooManyRequests, "error.too_many", humanDuration(langOf(r), wait))
	}
	return ok
}

// unavailable answers with the page that the service cannot answer now,
// having logged why.
func (s *server) unavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.Logger.Error(what, "err", err)
	s.fail(w, r, http.StatusServiceUnavailable, "error.unavailable")
}

// listsPage is the data of lists.html.
type listsPage struct {
	Form       personForm
	Searched   bool
	Red, Black []recordView
	// RedTypes and BlackTypes name the public types of each list.
	RedTypes, BlackTypes []string
}

// listsForm serves GET /lists: what the red and black lists are, and which
// types put a person on them.
func (s *server) listsForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "lists.html", s.listsPage(r))
}

func (s *server) listsPage(r *http.Request) listsPage {
	var page listsPage
	for _, t := range s.publicTypes() {
		switch t.Class {
		case catalog.Positive:
			page.RedTypes = append(page.RedTypes, typeName(langOf(r), t))
		case catalog.SeriousDishonesty:
			page.BlackTypes = append(page.BlackTypes, typeName(langOf(r), t))
		}
	}
	return page
}

// lists serves POST /lists: the public red and black list records about
// the person with this name and ID number: the public look-up of lookup,
// its records of positive ("red list") and serious dishonesty ("black
// list") types. The lists of other types are for agencies, through the API.
func (s *server) lists(w http.ResponseWriter, r *http.Request) {
	page := s.listsPage(r)
	form, idNumber, ok := readPersonForm(r)
	page.Form = form
	if !ok {
		s.render(w, r, http.StatusBadRequest, "lists.html", page)
		return
	}
	if !s.throttle(w, r, idNumber) {
		return
	}
	recs, err := s.publicRecords(r.Context(), form.Name, idNumber)
	if err != nil {
		s.unavailable(w, r, "public lists", err)
		return
	}
	page.Searched = true
	for _, rec := range recs {
		v := s.newRecordView(langOf(r), rec.ID, rec.Type, rec.Department, rec.SubjectName, rec.SubjectMasked,
			rec.Disputed, rec.Data, rec.UpdatedAt)
		v.window(rec.DisplayFrom, rec.RepairFrom, rec.DisplayUntil)
		switch catalog.Class(v.Class) {
		case catalog.Positive:
			page.Red = append(page.Red, v)
		case catalog.SeriousDishonesty:
			page.Black = append(page.Black, v)
		}
	}
	s.render(w, r, http.StatusOK, "lists.html", page)
}

// publicTypes are the catalogue's types whose records the public sees,
// by code.
func (s *server) publicTypes() []*catalog.RecordType {
	public := map[string]bool{}
	for _, span := range registry.PublicSpans(s.Catalog.Types(), s.Catalog.Spans) {
		public[span.Type] = true
	}
	var types []*catalog.RecordType
	for _, t := range s.Catalog.Types() {
		if public[t.Code] {
			types = append(types, t)
		}
	}
	slices.SortFunc(types, func(a, b *catalog.RecordType) int { return strings.Compare(a.Code, b.Code) })
	return types
}

// typeEntry is one public type as /types lists it.
type typeEntry struct {
	Code, Name, Class string
	// MinMonths and MaxMonths bound the display periods, in months, of
	// the records of the type that are displayed; both 0 when the type
	// sets none.
	MinMonths, MaxMonths int
}

// types serves GET /types: the public types of the catalogue in plain
// language, each linking to its catalogue page.
func (s *server) types(w http.ResponseWriter, r *http.Request) {
	var entries []typeEntry
	for _, t := range s.publicTypes() {
		e := typeEntry{Code: t.Code, Name: typeName(langOf(r), t), Class: string(t.Class), MinMonths: math.MaxInt}
		for _, p := range t.Display.Periods {
			if p.MaxMonths > 0 {
				e.MinMonths, e.MaxMonths = min(e.MinMonths, p.MinMonths), max(e.MaxMonths, p.MaxMonths)
			}
		}
		if e.MaxMonths == 0 {
			e.MinMonths = 0
		}
		entries = append(entries, e)
	}
	s.render(w, r, http.StatusOK, "types.html", entries)
}

// humanDuration is d, rounded up to whole minutes or hours, in lang.
func humanDuration(lang string, d time.Duration) string {
	minutes := int(math.Ceil(d.Minutes()))
	if minutes < 60 {
		return translate(lang, "duration.minutes", max(1, minutes))
	}
	return translate(lang, "duration.hours", int(math.Ceil(d.Hours())))
}
