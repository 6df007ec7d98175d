package lifecycle

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// The codes of FieldError. They are stable: clients branch on them.
const (
	CodeRequired   = "required"    // a value is missing or blank
	CodeTooMany    = "too_many"    // more attachments than allowed
	CodeTooLarge   = "too_large"   // an attachment over the size limit
	CodeEmpty      = "empty"       // an attachment of no bytes
	CodeMediaType  = "media_type"  // an attachment of a type not accepted
	CodeNotAllowed = "not_allowed" // not one of the values listed for the field
	CodeTooLong    = "too_long"    // a text longer than its limit
)

// The longest texts of cases, in characters.
const (
	MaxFileName = 255  // the name of an attachment
	MaxReason   = 2000 // the reason of a decision on an objection
	// A refusal of a repair gives at most MaxRefusalReasons reasons, each
	// of at most MaxRefusalReason characters.
	MaxRefusalReasons = 10
	MaxRefusalReason  = 500
)

// FieldError is one problem with a request.
type FieldError struct {
	// Code is one of the Code constants.
	Code string `json:"code"`
	// Pointer is the JSON pointer (RFC 6901) of the value at fault, relative to
	// the request: "/statement", "/evidence/2/size".
	Pointer string `json:"pointer"`
	// Message is an English sentence telling what to fix.
	Message string `json:"message"`
}

// FieldErrors are every problem found with a request, in the request's order.
// errors.Is(err, ErrInvalid) holds for them.
type FieldErrors []FieldError

// Error lists every problem with its pointer.
func (e FieldErrors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		parts[i] = fe.Pointer + ": " + fe.Message
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// Unwrap returns ErrInvalid.
func (e FieldErrors) Unwrap() error { return ErrInvalid }

// Attachment describes a file attached to an objection or a repair
// application; the file itself is stored elsewhere.
type Attachment struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"` // bytes
}

// The media types accepted for attachments.
var mediaTypes = []string{"application/pdf", "image/jpeg", "image/png"}

// Defaults of EvidenceLimits.
const (
	DefaultMaxFiles = 10
	DefaultMaxSize  = 10 << 20 // 10 MiB
)

// MaxFilingBytes bounds the bytes of all the files of one filing together.
const MaxFilingBytes = 30 << 20 // 30 MiB

// EvidenceLimits bound the attachments of one list: how many, and how large
// each. Zero fields mean the defaults. Accepted media types are fixed,
// written exactly so, without parameters: application/pdf, image/jpeg and
// image/png. A file's name has at most MaxFileName characters.
type EvidenceLimits struct {
	MaxFiles int   // most attachments in one list; default DefaultMaxFiles
	MaxSize  int64 // most bytes in one attachment; default DefaultMaxSize
}

// Check returns every problem with files, each with a pointer under at (the
// pointer of the list, such as "/evidence"), or nil when there is none.
func (l EvidenceLimits) Check(at string, files []Attachment) FieldErrors {
	maxFiles, maxSize := cmp.Or(l.MaxFiles, DefaultMaxFiles), cmp.Or(l.MaxSize, DefaultMaxSize)
	var errs FieldErrors
	if len(files) > maxFiles {
		errs = append(errs, FieldError{CodeTooMany, at, fmt.Sprintf("attach at most %d files", maxFiles)})
	}
	for i, f := range files {
		at := fmt.Sprintf("%s/%d", at, i)
		errs = required(errs, at+"/name", f.Name, "the file's name")
		errs = TooLong(errs, at+"/name", f.Name, MaxFileName, "the file's name")
		if !slices.Contains(mediaTypes, f.MediaType) {
			errs = append(errs, FieldError{CodeMediaType, at + "/media_type", "attach PDF, JPEG or PNG files only"})
		}
		switch {
		case f.Size <= 0:
			errs = append(errs, FieldError{CodeEmpty, at + "/size", "the file is empty"})
		case f.Size > maxSize:
			errs = append(errs, FieldError{CodeTooLarge, at + "/size", fmt.Sprintf("the file is larger than the limit of %d bytes", maxSize)})
		}
	}
	return errs
}

// TooLong appends to errs a FieldError at pointer at when s, what it is, has
// more than max characters.
func TooLong(errs FieldErrors, at, s string, max int, what string) FieldErrors {
	if utf8.RuneCountInString(s) > max {
		errs = append(errs, FieldError{CodeTooLong, at, fmt.Sprintf("%s is longer than %d characters", what, max)})
	}
	return errs
}

// required returns a FieldError when s is blank.
func required(errs FieldErrors, at, s, what string) FieldErrors {
	if strings.TrimSpace(s) == "" {
		errs = append(errs, FieldError{CodeRequired, at, what + " is required"})
	}
	return errs
}
