package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/authz"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// What objections and credit repair applications, the cases a person opens
// about a record, have in common.

// now is the time on the API's clock: Deps.Now, or the real one.
func (a *server) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

// desk moves objections and repair applications on the API's clock and
// calendar.
func (a *server) desk() *lifecycle.Desk {
	return lifecycle.New(lifecycle.ClockFunc(a.now), a.Calendar, lifecycle.EvidenceLimits{})
}

// trackingTokenHash is how a case's tracking token is kept: hex SHA-256.
func trackingTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// invalidFields is a 400 answer listing every problem of a request, each
// with its pointer; Pointer is that of the first.
type invalidFields struct {
	Code    string                `json:"code"`
	Message string                `json:"message"`
	Pointer string                `json:"pointer"`
	Errors  lifecycle.FieldErrors `json:"errors"`
}

func (e *invalidFields) Error() string { return e.Code + ": " + e.Errors.Error() }

// problems answers e with every problem of errs, which must not be empty.
func problems(e *apierr.Error, errs lifecycle.FieldErrors) *invalidFields {
	return &invalidFields{Code: e.Code, Message: e.Message, Pointer: errs[0].Pointer, Errors: errs}
}

// isSubject reports whether name and idNumber are those of the subject of a
// record (its keyed hash and name), in time that does not depend on which of
// them differs.
func (a *server) isSubject(subjectKey, subjectName, name, idNumber string) bool {
	key := record.SubjectKey(a.SubjectKey, idNumber)
	sameKey := subtle.ConstantTimeCompare([]byte(key), []byte(subjectKey))
	sameName := subtle.ConstantTimeCompare([]byte(name), []byte(subjectName))
	return sameKey&sameName == 1
}

// readCase says whether the credential may read a case, and records the
// read in the audit log: the person who opened it, by its tracking token,
// or the record's department or an operator, by their keys, if the matrix
// lets them take action. Anyone else gets notFound, as for an id that does
// not exist, so that ids and tokens cannot be probed. When it returns
// false it has answered.
func (a *server) readCase(w http.ResponseWriter, r *http.Request, cred, tokenHash, department string,
	action authz.Action, read audit.Entry, notFound *apierr.Error) bool {
	if subtle.ConstantTimeCompare([]byte(trackingTokenHash(cred)), []byte(tokenHash)) == 1 {
		read.Kind = audit.Person
		return a.logAccess(w, r, read)
	}
	p, err := a.Store.PrincipalByKey(r.Context(), cred)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		a.Logger.Error("authenticate", "err", err)
		apierr.Write(w, errDown)
		return false
	case authz.Allowed(p.Kind, action, nil) && (p.Kind == principal.Operator || p.Code == department):
		read.Principal, read.Kind = p.Name, string(p.Kind)
		return a.logAccess(w, r, read)
	}
	apierr.Write(w, notFound)
	return false
}

// checkPerson tidies the name and ID number by which a person identifies
// themselves (spaces trimmed, the check character upper case) and refuses
// a missing name or an ID number that is not one.
func checkPerson(name, idNumber *string) *apierr.Error {
	*name, *idNumber = strings.TrimSpace(*name), strings.ToUpper(strings.TrimSpace(*idNumber))
	switch {
	case *name == "":
		return apierr.New(http.StatusBadRequest, "missing_name", "name is required: the name on the ID card").At("/name")
	case ident.CheckCitizenID(*idNumber) != nil:
		return apierr.New(http.StatusBadRequest, "invalid_id_number",
			"id_number must be an 18-character citizen ID number with a valid check character").At("/id_number")
	}
	return nil
}

// overdueAt reads a case list's ?overdue= parameter: with true, the time
// by which listed cases must be overdue (now); otherwise the zero time.
func (a *server) overdueAt(r *http.Request) (time.Time, *apierr.Error) {
	switch r.URL.Query().Get("overdue") {
	case "", "false":
		return time.Time{}, nil
	case "true":
		return a.now(), nil
	}
	return time.Time{}, apierr.New(http.StatusBadRequest, "invalid_parameter", "overdue must be true or false").At("/overdue")
}
