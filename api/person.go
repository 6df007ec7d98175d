package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// People verifies the ID tokens by which persons prove who they are
// (idtoken.Verifier).
type People interface {
	// Verify returns the person a token names, or an error wrapping
	// idtoken.ErrInvalid, idtoken.ErrExpired or idtoken.ErrUnavailable.
	Verify(ctx context.Context, token string) (*idtoken.Person, error)
}

var _ People = (*idtoken.Verifier)(nil)

// personRealm is the realm of the challenge to send a person's ID token.
const personRealm = `Bearer realm="credex person"`

var (
	errNoPersonToken = apierr.New(http.StatusUnauthorized, "person_token_required",
		"this endpoint acts for a person: send your ID token from the identity provider as Authorization: Bearer <token>")
	errBadPersonToken = apierr.New(http.StatusUnauthorized, "invalid_person_token",
		"the ID token is not one the hub's identity provider signed for the hub, or does not name a person by a valid ID number and a name; sign in again")
	errExpiredPersonToken = apierr.New(http.StatusUnauthorized, "person_token_expired",
		"the ID token has expired; sign in again at the identity provider")
	errNotAPerson = apierr.New(http.StatusForbidden, "not_a_person",
		"this endpoint acts for a person, who proves who they are with an ID token; an API key does not act for a person")
	errNoIdentityProvider = apierr.New(http.StatusServiceUnavailable, "identity_provider_not_configured",
		"the hub trusts no identity provider yet, so no person can prove who they are; its operator configures one")
	errIdentityProviderDown = apierr.New(http.StatusServiceUnavailable, "identity_provider_unavailable",
		"the hub cannot reach its identity provider to verify ID tokens; try again later")
	errPersonMismatch = apierr.New(http.StatusForbidden, "person_mismatch",
		"name and id_number, when given, must be those of the person your ID token names; leave them out to act for yourself")
)

// asPerson serves next, within the limit of the client's address, for the
// person whose ID token the request bears as its bearer credential
// (idtoken.With): the one way a request acts for a person. Without a
// token, or with one the identity provider did not sign for the hub, it
// answers 401; with a principal's API key, 403 not_a_person; without an
// identity provider configured, 503.
func (a *server) asPerson(next http.HandlerFunc) http.Handler {
	return a.limitByIP(func(w http.ResponseWriter, r *http.Request) {
		if a.People == nil {
			apierr.Write(w, errNoIdentityProvider)
			return
		}
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			// A body larger than anyone unproven may send is refused as
			// such, unread.
			if declaredTooLarge(w, r, keylessBody) {
				return
			}
			w.Header().Set("WWW-Authenticate", personRealm)
			apierr.Write(w, errNoPersonToken)
			return
		}
		p, err := a.People.Verify(r.Context(), token)
		switch {
		case errors.Is(err, idtoken.ErrUnavailable):
			a.Logger.ErrorContext(r.Context(), "verify ID token", "err", err)
			apierr.Write(w, errIdentityProviderDown)
			return
		case errors.Is(err, idtoken.ErrExpired):
			w.Header().Set("WWW-Authenticate", personRealm+`, error="invalid_token"`)
			apierr.Write(w, errExpiredPersonToken)
			return
		case err != nil && a.isKey(r.Context(), token):
			apierr.Write(w, errNotAPerson)
			return
		case err != nil:
			a.Logger.InfoContext(r.Context(), "ID token refused", "err", err)
			w.Header().Set("WWW-Authenticate", personRealm+`, error="invalid_token"`)
			apierr.Write(w, errBadPersonToken)
			return
		}
		next(w, r.WithContext(idtoken.With(r.Context(), p)))
	})
}

// isKey reports whether token, which is no ID token, is a principal's API
// key (current or expired). An ID token has dots; a key has none.
func (a *server) isKey(ctx context.Context, token string) bool {
	if strings.Contains(token, ".") {
		return false
	}
	_, err := a.Store.PrincipalByKey(ctx, token)
	return err == nil || errors.Is(err, store.ErrKeyExpired)
}

// personSubject returns the keyed hash of the ID number of the person r
// acts for, once idtoken.Subject has checked the name and ID number the
// request gives. When the request names someone else it answers
// person_mismatch and returns false, after recording, if the hub holds
// records about the person named, a failed proof about them in the audit
// log, where they see it in their own access log; action is what was
// tried.
func (a *server) personSubject(w http.ResponseWriter, r *http.Request, action, name, idNumber string) (string, bool) {
	subject, err := idtoken.Subject(r.Context(), a.SubjectKey, name, idNumber)
	if err == nil {
		return subject, true
	}
	number, _, err := ident.NormalizeCitizenID(idNumber)
	if err != nil { // no records are about a number that is not one
		apierr.Write(w, errPersonMismatch)
		return "", false
	}
	named := record.SubjectKey(a.SubjectKey, number)
	match, err := a.Subjects.MatchSubject(r.Context(), named, strings.TrimSpace(name))
	switch {
	case err != nil:
		a.Logger.ErrorContext(r.Context(), action, "err", err)
		apierr.Write(w, errDown)
	case match != store.SubjectUnknown:
		// The entry holds no ID number and tells nobody but the person
		// named, in their access log, that someone tried.
		if !a.logAccess(w, r, audit.Entry{Kind: audit.Person, Action: action, Subject: named, Result: audit.IdentityFailed}) {
			return "", false
		}
		fallthrough
	default:
		apierr.Write(w, errPersonMismatch)
	}
	return "", false
}
