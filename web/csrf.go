package web

import (
	"crypto/subtle"
	"errors"
	"html/template"
	"net/http"
)

// csrfField names the hidden field of the CSRF token in every POST form.
const csrfField = "csrf"

// csrf refuses, with a 403 page, a request that changes something (any
// method but GET, HEAD and OPTIONS) and does not carry the session's CSRF
// token in its form field csrfField, or that another site sent (Origin or
// Sec-Fetch-Site). The form is read first, multipart forms with their
// files, within the bound of the body: signedInBody for a signed-in
// person, anonymousBody for anyone else; a larger body is refused with 413.
func (s *server) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if crossSite(r) {
			s.fail(w, r, http.StatusForbidden, "error.csrf")
			return
		}
		limit := int64(anonymousBody)
		if sessionOf(r).Person != nil {
			limit = signedInBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		// ParseMultipartForm drops the error of reading a body that is no
		// multipart form: a urlencoded one is read first, on its own.
		var tooLarge *http.MaxBytesError
		formErr := r.ParseForm()
		if err := r.ParseMultipartForm(maxMemory); errors.As(formErr, &tooLarge) || err != nil && !errors.Is(err, http.ErrNotMultipart) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
			return
		}
		got := r.PostFormValue(csrfField)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sessionOf(r).CSRF)) != 1 {
			s.fail(w, r, http.StatusForbidden, "error.csrf")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// maxMemory is how much of a multipart form is held in memory; files beyond
// it wait in temporary files until the request ends.
const maxMemory = 8 << 20

// crossOrigin is the standard library's check of where a request comes
// from: Sec-Fetch-Site when the browser sends it, else Origin against Host.
var crossOrigin = http.NewCrossOriginProtection()

// crossSite reports whether the browser says another site sent r. A
// browser sends "Origin: null" with a form of a page whose Referrer-Policy
// is no-referrer, as every page's is (secure), so Origin alone cannot tell
// this site's forms from others'; Sec-Fetch-Site can.
func crossSite(r *http.Request) bool {
	return crossOrigin.Check(r) != nil
}

// csrfInput is the hidden field a form carries its session's token in.
func csrfInput(sess *Session) template.HTML {
	return template.HTML(`<input type="hidden" name="` + csrfField + `" value="` + template.HTMLEscapeString(sess.CSRF) + `">`)
}
