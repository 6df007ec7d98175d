// Package apierr writes the hub's whole-request errors: a status and the JSON
// body {"code", "message"} (with "pointer" when one part of the request is to
// blame). Codes are stable; clients branch on them, people read the message.
package apierr

import (
	"encoding/json"
	"net/http"
)

// Error is a whole-request error.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Pointer string `json:"pointer,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns an error with the given status, code and message.
func New(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// At returns a copy of e that points at a part of the request.
func (e *Error) At(pointer string) *Error {
	c := *e
	c.Pointer = pointer
	return &c
}

// Write sends e.
func Write(w http.ResponseWriter, e *Error) {
	JSON(w, e.Status, e)
}

// JSON sends v as a JSON body with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
