package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/credex/credex/casework"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/lifecycle"
)

// What objections and credit repair applications, the cases a person opens
// about a record, have in common: the handlers of both decode a request,
// call one method of the casework service and encode its answer.

// Answers of both kinds to the service's errors.
var (
	errNotCaseSubject = apierr.New(http.StatusNotFound, "not_the_subject",
		"no record with this id is about the person of your ID token, named as the body names them; check the record id, and the name and id_number if you give them")
	errRecordRevoked = apierr.New(http.StatusConflict, "record_revoked",
		"the record is revoked; an objection to it can only be decided as revoked")
	errNotRepairable = apierr.New(http.StatusConflict, "not_repairable",
		"only negative and serious dishonesty records with a display period can be repaired")
	errDisplayEnded = apierr.New(http.StatusConflict, "display_ended",
		"the record is no longer publicly displayed, so there is nothing to repair")
	errUnknownOutcome = apierr.New(http.StatusBadRequest, "invalid_outcome", `outcome must be "approved" or "refused"`).At("/outcome")
	errNoFile         = apierr.New(http.StatusNotFound, "file_not_found",
		"the application has no file at this list and position")
	errBadDecision = apierr.New(http.StatusBadRequest, "invalid_decision", "the decision cannot be made as it is; errors lists every problem")
	errInvalidData = apierr.New(http.StatusUnprocessableEntity, "invalid_data",
		"the corrected data is not valid under its record type (GET /v1/catalog/types/{code}); errors lists every problem")
	errBadCaseKey = apierr.New(http.StatusUnauthorized, "invalid_credentials",
		"neither an API key nor this case's tracking token: send the token its filing gave, or your key")
	errTooLarge = apierr.New(http.StatusRequestEntityTooLarge, "body_too_large", "the body is larger than the hub allows")
)

// caseCodes are the answers of one kind of case to the service's errors
// that name the kind.
type caseCodes struct {
	// notFound answers casework.ErrNotFound, open ErrOpen, closed
	// ErrClosed and notPermitted ErrNotPermitted.
	notFound, open, closed, notPermitted *apierr.Error
}

// caseKind is how the API serves one kind of case, C: casework.Objection
// or casework.Repair.
type caseKind[C any] struct {
	codes caseCodes
	// invalid answers a filing with problems.
	invalid *apierr.Error
	// view is a case as the API shows it.
	view func(*C) any
	// list names the cases in the answer to a list.
	list string
}

// fileCase serves a filing: it decodes the body within the limits of its
// caller (filingLimitsOf), the lists of files that lists names as they
// arrive, calls file and answers 201 with what answer makes of the case
// filed.
func fileCase[F, C any](a *server, k *caseKind[C], lists func(*F) map[string]*[]casework.Upload, file func(context.Context, F) (*C, error), answer func(*C) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var f F
		if !decodeFiling(w, r, filingLimitsOf(r), &f, lists(&f), k.invalid) {
			return
		}
		c, err := file(r.Context(), f)
		if !a.failed(w, r, err, k.codes, k.invalid) {
			apierr.JSON(w, http.StatusCreated, answer(c))
		}
	}
}

// readCase serves the case named in the path to the holder of the request's
// credential (see credential).
func readCase[C any](a *server, k *caseKind[C], read func(ctx context.Context, id, credential string) (*C, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cred, ok := credential(w, r)
		if !ok {
			return
		}
		c, err := read(r.Context(), r.PathValue("id"), cred)
		if !a.failed(w, r, err, k.codes, nil) {
			apierr.JSON(w, http.StatusOK, k.view(c))
		}
	}
}

// listCases serves a page of a list of cases, as the query parameters
// status, overdue, limit and after select it.
func listCases[C any](a *server, k *caseKind[C], list func(context.Context, casework.Query) (*casework.Page[C], error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for _, name := range []string{"status", "overdue", "limit"} {
			if q.Has(name) && q.Get(name) == "" {
				apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_parameter", name+" is given without a value; give one or leave it out").At("/"+name))
				return
			}
		}
		page, err := list(r.Context(), casework.Query{Status: q.Get("status"), Overdue: q.Get("overdue"),
			Limit: q.Get("limit"), After: q.Get("after")})
		if a.failed(w, r, err, k.codes, nil) {
			return
		}
		views := make([]any, len(page.Cases))
		for i := range page.Cases {
			views[i] = k.view(&page.Cases[i])
		}
		apierr.JSON(w, http.StatusOK, map[string]any{k.list: views, "next": page.Next})
	}
}

// decideCase serves a decision on the case named in the path: it decodes
// the body, of at most limit bytes, and calls decide.
func decideCase[D, C any](a *server, k *caseKind[C], limit int64, decide func(ctx context.Context, id string, d D) (*C, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var d D
		if !decodeBody(w, r, limit, &d) {
			return
		}
		c, err := decide(r.Context(), r.PathValue("id"), d)
		if !a.failed(w, r, err, k.codes, errBadDecision) {
			apierr.JSON(w, http.StatusOK, k.view(c))
		}
	}
}

// failed answers err, the error of a casework method serving r, and
// reports whether there was one. Problems with the request are answered
// with invalid and every one of them.
func (a *server) failed(w http.ResponseWriter, r *http.Request, err error, codes caseCodes, invalid *apierr.Error) bool {
	var param *casework.InvalidParameter
	var early *casework.TooEarlyError
	fe, isFieldErrors := errors.AsType[lifecycle.FieldErrors](err)
	badData, isInvalidData := errors.AsType[*casework.InvalidDataError](err)
	switch {
	case err == nil:
		return false
	case isFieldErrors:
		apierr.JSON(w, http.StatusBadRequest, problems(invalid, fe))
	case errors.As(err, &param):
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_parameter", param.Message).At("/"+param.Name))
	case errors.As(err, &early):
		from := early.ApplyFrom.Format(time.DateOnly)
		e := apierr.New(http.StatusConflict, "repair_too_early", "the record's minimum display period is not over: apply from "+from)
		apierr.JSON(w, e.Status, struct {
			*apierr.Error
			ApplyFrom string `json:"apply_from"`
		}{e, from})
	case isInvalidData:
		apierr.JSON(w, http.StatusUnprocessableEntity, problems(errInvalidData, badData.Errors))
	case errors.Is(err, casework.ErrBadCredential):
		w.Header().Set("WWW-Authenticate", `Bearer realm="credex", error="invalid_token"`)
		apierr.Write(w, errBadCaseKey)
	default:
		apierr.Write(w, a.caseError(r, err, codes))
	}
	return true
}

// caseError is the answer to one of the service's errors.
func (a *server) caseError(r *http.Request, err error, codes caseCodes) *apierr.Error {
	for _, c := range []struct {
		err    error
		answer *apierr.Error
	}{
		{casework.ErrNotFound, codes.notFound},
		{casework.ErrOpen, codes.open},
		{casework.ErrClosed, codes.closed},
		{casework.ErrNotPermitted, codes.notPermitted},
		{casework.ErrNotSubject, errNotCaseSubject},
		{casework.ErrRecordRevoked, errRecordRevoked},
		{casework.ErrNotRepairable, errNotRepairable},
		{casework.ErrDisplayEnded, errDisplayEnded},
		{casework.ErrUnknownOutcome, errUnknownOutcome},
		{casework.ErrNoFile, errNoFile},
	} {
		if errors.Is(err, c.err) {
			return c.answer
		}
	}
	a.Logger.ErrorContext(r.Context(), r.Pattern, "err", err)
	return errDown
}

// invalidFields is a 400 answer listing every problem of a request, each
// with its pointer; Pointer is that of the first.
type invalidFields struct {
	Code    string                `json:"code"`
	Message string                `json:"message"`
	Pointer string                `json:"pointer"`
	Errors  lifecycle.FieldErrors `json:"errors"`
}

// problems answers e with every problem of errs, which must not be empty.
func problems(e *apierr.Error, errs lifecycle.FieldErrors) *invalidFields {
	return &invalidFields{Code: e.Code, Message: e.Message, Pointer: errs[0].Pointer, Errors: errs}
}

// decodeBody decodes a JSON body of at most limit bytes into v, refusing
// unknown fields; when it cannot, it answers and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	if declaredTooLarge(w, r, limit) {
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	err := decodeJSON(dec, v, "data")
	_, tooLarge := errors.AsType[*http.MaxBytesError](err)
	switch {
	case err == nil:
		return true
	case tooLarge:
		apierr.Write(w, errTooLarge)
	case errors.Is(err, io.EOF):
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", "the body must be a JSON object; it is empty"))
	default:
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", "the body must be a JSON object of the documented fields: "+err.Error()))
	}
	return false
}

// credential returns the credential by which r reads a case: its bearer
// token (a tracking token or an API key), or else its token parameter, for
// a tracking token where a header cannot be set. When there is none, it
// answers 401 and returns false.
func credential(w http.ResponseWriter, r *http.Request) (string, bool) {
	scheme, v, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v), true
	}
	if token := r.URL.Query().Get("token"); token != "" {
		return token, true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="credex"`)
	apierr.Write(w, errNoKey)
	return "", false
}
