package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// People verifies the ID tokens of the identity provider the hub trusts
// (idtoken.Verifier).
type People interface {
	Verify(ctx context.Context, token string) (*idtoken.Person, error)
}

// SignIn signs people in at the identity provider with the authorization
// code flow (idtoken.Login).
type SignIn interface {
	AuthURL(ctx context.Context, state, nonce, verifier string) (string, error)
	Exchange(ctx context.Context, code, verifier string) (string, error)
}

var (
	_ People = (*idtoken.Verifier)(nil)
	_ SignIn = (*idtoken.Login)(nil)
)

// routePerson registers signing in and out and the pages of a signed-in
// person.
func (s *server) routePerson(mux *http.ServeMux) {
	mux.HandleFunc("GET /signin", s.signIn)
	mux.HandleFunc("GET /signin/callback", s.signInCallback)
	mux.HandleFunc("POST /signout", s.signOut)
	mux.HandleFunc("GET /me", s.asPerson(s.me))
	mux.HandleFunc("POST /me/authorisations/{id}/withdrawal", s.asPerson(s.withdrawAuthorisation))
	s.routeCases(mux)
}

// signIn serves GET /signin: it remembers a new state, nonce and PKCE
// verifier in the session and sends the person to the identity provider.
// ?next= names the local page to return to; default /me.
func (s *server) signIn(w http.ResponseWriter, r *http.Request) {
	if s.Login == nil || s.People == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "signin.unconfigured")
		return
	}
	login := &pendingLogin{State: randomToken(), Nonce: randomToken(), Verifier: randomToken(), Return: localPath(r.URL.Query().Get("next"))}
	to, err := s.Login.AuthURL(r.Context(), login.State, login.Nonce, login.Verifier)
	if err != nil {
		s.Logger.Error("sign in", "err", err)
		s.fail(w, r, http.StatusServiceUnavailable, "signin.unavailable")
		return
	}
	sess := sessionOf(r)
	sess.Login = login
	s.saveSession(w, r, sess)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// localPath is p if it is a path of this site, else /me: a sign-in never
// sends anyone elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/me"
	}
	return p
}

// signInCallback serves GET /signin/callback, where the identity provider
// sends the person back: the state must be the session's, the code is
// exchanged for an ID token, which must verify and carry the session's
// nonce. The person is then signed in, in a new session.
func (s *server) signInCallback(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	q := r.URL.Query()
	login := sess.Login
	if login == nil || s.Login == nil || s.People == nil ||
		subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(login.State)) != 1 {
		s.fail(w, r, http.StatusBadRequest, "signin.expired")
		return
	}
	sess.Login = nil // a state is used once
	s.saveSession(w, r, sess)
	if q.Get("error") != "" || q.Get("code") == "" {
		s.fail(w, r, http.StatusUnauthorized, "signin.refused")
		return
	}
	raw, err := s.Login.Exchange(r.Context(), q.Get("code"), login.Verifier)
	var p *idtoken.Person
	if err == nil {
		p, err = s.People.Verify(r.Context(), raw)
	}
	switch {
	case errors.Is(err, idtoken.ErrUnavailable):
		s.Logger.Error("sign in", "err", err)
		s.fail(w, r, http.StatusServiceUnavailable, "signin.unavailable")
		return
	case err != nil:
		s.Logger.Info("sign in refused", "err", err)
		s.fail(w, r, http.StatusUnauthorized, "signin.refused")
		return
	case subtle.ConstantTimeCompare([]byte(p.Nonce), []byte(login.Nonce)) != 1:
		s.Logger.Info("sign in refused: the ID token's nonce is not the session's")
		s.fail(w, r, http.StatusUnauthorized, "signin.refused")
		return
	}
	p.Nonce = ""
	fresh := s.renewSession(w, r)
	fresh.Person = p
	s.saveSession(w, r, fresh)
	http.Redirect(w, r, login.Return, http.StatusSeeOther)
}

// signOut serves POST /signout: a new session, of no one.
func (s *server) signOut(w http.ResponseWriter, r *http.Request) {
	s.renewSession(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// asPerson serves next to a signed-in person, with the person in the
// request's context (idtoken.With), as the services expect; anyone else is
// sent to sign in first, and back here after.
func (s *server) asPerson(next func(http.ResponseWriter, *http.Request, *idtoken.Person)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := sessionOf(r).Person
		if p == nil {
			if r.Method != http.MethodGet {
				s.fail(w, r, http.StatusUnauthorized, "signin.needed")
				return
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
			return
		}
		next(w, r.WithContext(idtoken.With(r.Context(), p)), p)
	}
}

// mePage is the data of me.html.
type mePage struct {
	Name, IDNumberMasked string
	Records              []recordView
	Cases                []caseView
	Authorisations       []authorisationView
	Access               []accessView
}

// authorisationView is a grant of the person as a page shows it.
type authorisationView struct {
	ID, Agency, Purpose, Types, GrantedAt, ExpiresAt, Status string
	// InForce: the grant may still be withdrawn.
	InForce bool
}

// authorisationsShown bounds the grants a page shows.
const authorisationsShown = 50

// accessView is one access to the person's records.
type accessView struct {
	At, Who, Action, Result, Purpose string
}

// accessShown bounds the entries of the access log a page shows.
const accessShown = 50

// me serves GET /me: the person's records, of every type, their
// objections and repair applications, and who accessed their records
// (POST /v1/public/access-log), each read in the audit log first.
func (s *server) me(w http.ResponseWriter, r *http.Request, p *idtoken.Person) {
	ctx := r.Context()
	lang := langOf(r)
	subject := record.SubjectKey(s.SubjectKey, p.IDNumber)
	var codes []string
	for _, t := range s.Catalog.Types() {
		codes = append(codes, t.Code)
	}
	recs, err := s.Store.InquiryRecords(ctx, subject, codes)
	if err != nil {
		s.unavailable(w, r, "own records", err)
		return
	}
	grants, err := s.Store.Authorisations(ctx, subject, authorisationsShown)
	if err != nil {
		s.unavailable(w, r, "own authorisations", err)
		return
	}
	entries, err := s.Store.AuditAbout(ctx, subject, 0, accessShown)
	if err != nil {
		s.unavailable(w, r, "access log", err)
		return
	}
	if err := s.Audit.Record(ctx,
		audit.Entry{Kind: audit.Person, Action: audit.RecordRead, Subject: subject, Result: found(len(recs))},
		audit.Entry{Kind: audit.Person, Action: audit.AuthorisationListed, Subject: subject, Result: found(len(grants))},
		audit.Entry{Kind: audit.Person, Action: audit.AccessLogRead, Subject: subject, Result: audit.OK}); err != nil {
		s.unavailable(w, r, "audit log", err)
		return
	}
	objections, repairs, err := s.Cases.CasesOfPerson(ctx)
	if err != nil {
		s.unavailable(w, r, "own cases", err)
		return
	}
	page := mePage{Name: p.Name, IDNumberMasked: ident.MaskCitizenID(p.IDNumber)}
	for _, rec := range recs {
		page.Records = append(page.Records, s.newRecordView(lang, rec.ID, rec.Type, rec.Department, rec.SubjectName,
			rec.SubjectMasked, rec.Disputed, rec.Data, rec.UpdatedAt))
	}
	for i := range objections {
		page.Cases = append(page.Cases, s.objectionView(&objections[i]))
	}
	for i := range repairs {
		page.Cases = append(page.Cases, s.repairView(&repairs[i]))
	}
	for _, g := range grants {
		page.Authorisations = append(page.Authorisations, s.authorisationView(lang, &g))
	}
	for _, e := range entries {
		page.Access = append(page.Access, accessView{At: timeOf(e.At),
			Who: who(lang, e.Kind, e.Principal), Action: translateOr(lang, "action."+e.Action, e.Action),
			Result: translateOr(lang, "result."+e.Result, e.Result), Purpose: ident.MaskText(e.Purpose)})
	}
	s.render(w, r, http.StatusOK, "me.html", page)
}

// authorisationView shows g in lang, the types by their names.
func (s *server) authorisationView(lang string, g *store.Authorisation) authorisationView {
	names := make([]string, len(g.Types))
	for i, code := range g.Types {
		names[i] = code
		if t, ok := s.Catalog.Type(code); ok {
			names[i] = typeName(lang, t)
		}
	}
	sep := "、"
	if lang == en {
		sep = ", "
	}
	status := g.Status(s.Now())
	return authorisationView{ID: g.ID, Agency: g.Agency, Purpose: ident.MaskText(g.Purpose), Types: strings.Join(names, sep),
		GrantedAt: timeOf(time.Unix(g.Issued, 0)), ExpiresAt: timeOf(time.Unix(g.Expires, 0)), Status: translate(lang, "authorisation."+status),
		InForce: status == "in_force"}
}

// withdrawAuthorisation serves POST /me/authorisations/{id}/withdrawal:
// the signed-in person withdraws a grant of theirs, as DELETE
// /v1/authorisations/{id} does, and sees their page again. A grant of
// anyone else is not found.
func (s *server) withdrawAuthorisation(w http.ResponseWriter, r *http.Request, p *idtoken.Person) {
	ctx := r.Context()
	subject := record.SubjectKey(s.SubjectKey, p.IDNumber)
	id := r.PathValue("id")
	theirs, err := s.Store.WithdrawAuthorisation(ctx, id, subject)
	switch {
	case err != nil:
		s.unavailable(w, r, "withdraw authorisation", err)
	case !theirs:
		s.fail(w, r, http.StatusNotFound, "error.not_found")
	default:
		if err := s.Audit.Record(ctx, audit.Entry{Kind: audit.Person, Action: audit.AuthorisationWithdrawn, Resource: id,
			Subject: subject, Result: audit.OK}); err != nil {
			s.unavailable(w, r, "audit log", err)
			return
		}
		http.Redirect(w, r, "/me#authorisations-heading", http.StatusSeeOther)
	}
}

// who names the reader of an access log entry: a principal by its name, a
// person or the public by what they are.
func who(lang, kind, principal string) string {
	switch kind {
	case audit.Person, audit.Public:
		return translate(lang, "who."+kind)
	}
	return principal
}

// translateOr is the message key in lang, or else fallback.
func translateOr(lang, key, fallback string) string {
	if _, ok := messages[lang][key]; ok {
		return translate(lang, key)
	}
	return fallback
}

// found is the result of a read that found n things.
func found(n int) string {
	if n == 0 {
		return audit.NotFound
	}
	return audit.OK
}
