package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/credex/credex/principal"
	"github.com/credex/credex/store"
)

// KeyCheck checks the API key a department or an operator signs in with,
// as the API authenticates requests (api.KeyCheck): it returns the key's
// principal; or, when the client address failed too often, how long to
// wait; or store.ErrNotFound or store.ErrKeyExpired, counted as a failure.
type KeyCheck interface {
	Check(r *http.Request, key string) (*principal.Principal, time.Duration, error)
}

// staffArea is a part of the pages for principals who sign in with their
// API key: the desk for departments, the overview for operators.
type staffArea struct {
	// Path is where the area starts: /desk/ or /ops/.
	Path string
	// Kind is the kind of principal the area serves.
	Kind principal.Kind
	// FormID is the id of its sign-in form; Title the message key of its
	// name.
	FormID, Title string
}

var (
	deskArea = staffArea{Path: "/desk/", Kind: principal.Department, FormID: "desk-signin", Title: "desk.title"}
	opsArea  = staffArea{Path: "/ops/", Kind: principal.Operator, FormID: "ops-signin", Title: "ops.title"}
)

// signInPage is the data of desk_signin.html.
type signInPage struct {
	Area staffArea
	// Error is the sentence that says why the last attempt failed.
	Error string
}

// maxKey bounds the key a sign-in form takes, in bytes.
const maxKey = 512

// staff returns the principal signed in to area, with r's context carrying
// it (principal.With), or nil when no one of area's kind is. A session
// whose key was revoked or expired since, or whose principal no longer
// exists, is signed out.
func (s *server) staff(r *http.Request, area staffArea) (*principal.Principal, *http.Request, error) {
	key := sessionOf(r).StaffKey
	if key == "" {
		return nil, r, nil
	}
	p, err := s.Store.PrincipalByKeyID(r.Context(), key)
	switch {
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrKeyExpired):
		return nil, r, nil
	case err != nil:
		return nil, r, err
	case p.Kind != area.Kind:
		return nil, r, nil
	}
	return p, r.WithContext(principal.With(r.Context(), p)), nil
}

// signedIn serves next to the principal signed in to area, with r's
// context carrying it; anyone else gets area's sign-in form with status and,
// when not empty, the message key of why.
func (s *server) signedIn(area staffArea, status int, key string, next func(http.ResponseWriter, *http.Request, *principal.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, r, err := s.staff(r, area)
		switch {
		case err != nil:
			s.Logger.Error("staff session", "area", area.Path, "err", err)
			s.fail(w, r, http.StatusServiceUnavailable, "error.unavailable")
		case p == nil:
			s.signInForm(w, r, area, status, key)
		default:
			next(w, r, p)
		}
	}
}

// signInForm renders area's sign-in form with status and, when not empty,
// the message key of what went wrong.
func (s *server) signInForm(w http.ResponseWriter, r *http.Request, area staffArea, status int, key string, args ...any) {
	data := signInPage{Area: area}
	if key != "" {
		data.Error = translate(langOf(r), key, args...)
	}
	s.render(w, r, status, "desk_signin.html", data)
}

// staffSignIn serves POST /desk/signin and /ops/signin: the key is checked as
// the API checks it, within its limit of failures; a key of another kind
// of principal is refused. The new session remembers the principal's
// name, never the key.
func (s *server) staffSignIn(area staffArea) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimSpace(r.PostFormValue("key"))
		if key == "" || len(key) > maxKey {
			s.signInForm(w, r, area, http.StatusBadRequest, "signin.key_missing")
			return
		}
		p, wait, err := s.Keys.Check(r, key)
		switch {
		case wait > 0:
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
			s.signInForm(w, r, area, http.StatusTooManyRequests, "signin.too_many", waitText(langOf(r), wait))
			return
		case errors.Is(err, store.ErrKeyExpired):
			s.signInForm(w, r, area, http.StatusUnauthorized, "signin.key_expired")
			return
		case errors.Is(err, store.ErrNotFound):
			s.signInForm(w, r, area, http.StatusUnauthorized, "signin.key_invalid")
			return
		case err != nil:
			s.Logger.Error("sign in", "err", err)
			s.fail(w, r, http.StatusServiceUnavailable, "error.unavailable")
			return
		case p.Kind != area.Kind:
			s.signInForm(w, r, area, http.StatusForbidden, "signin.wrong_kind."+string(area.Kind))
			return
		}
		sess := s.renewSession(w, r)
		sess.StaffKey = p.KeyID
		s.saveSession(w, r, sess)
		s.Logger.Info("signed in", "principal", p.Name, "kind", p.Kind, "area", area.Path)
		http.Redirect(w, r, area.Path, http.StatusSeeOther)
	}
}

// staffSignOut serves POST /desk/signout and /ops/signout: a new session, of
// no one.
func (s *server) staffSignOut(area staffArea) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renewSession(w, r)
		http.Redirect(w, r, area.Path, http.StatusSeeOther)
	}
}

// waitText says how long wait is, in whole seconds or minutes, in lang.
func waitText(lang string, wait time.Duration) string {
	if wait < time.Minute {
		return translate(lang, "wait.seconds", max(1, int(math.Ceil(wait.Seconds()))))
	}
	return translate(lang, "wait.minutes", int(math.Ceil(wait.Minutes())))
}
