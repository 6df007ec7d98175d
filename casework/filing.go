package casework

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// Filing is what the filing of every case says: the record, and what the
// person it is about states. The person proves who they are with their ID
// token (package idtoken), which ctx carries; a filing may name them too,
// by name and ID number, and must then name that person.
type Filing struct {
	RecordID  string `json:"record_id"`
	Name      string `json:"name"`
	IDNumber  string `json:"id_number"`
	Statement string `json:"statement"`
}

// Upload is a file as a filing carries it. In JSON its content is
// content_base64, in standard base64 (RFC 4648, with padding); whoever
// decodes a filing reports content that is not as the problem
// CodeInvalidBase64 at that pointer.
type Upload struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Content   []byte `json:"content_base64"`
}

// CodeInvalidBase64 is the code of the problem of a file's content_base64
// that is not standard base64.
const CodeInvalidBase64 = "invalid_base64"

// The longest texts of a filing, in characters.
const (
	MaxRecordID  = 128
	MaxName      = 100 // as the catalogue bounds the name of a record's subject
	MaxStatement = 4000
)

// check tidies f (spaces around the name trimmed, the ID number read by
// ident.NormalizeCitizenID) and returns every problem with it.
func (f *Filing) check() lifecycle.FieldErrors {
	var errs lifecycle.FieldErrors
	for _, v := range []struct {
		at, value, what string
		max             int
	}{
		{"/record_id", f.RecordID, "record_id, the id of the record,", MaxRecordID},
		{"/statement", f.Statement, "statement, in your words,", MaxStatement},
	} {
		if strings.TrimSpace(v.value) == "" {
			errs = append(errs, lifecycle.FieldError{Code: lifecycle.CodeRequired, Pointer: v.at, Message: v.what + " is required"})
		} else if v.max > 0 {
			errs = lifecycle.TooLong(errs, v.at, v.value, v.max, v.at[1:])
		}
	}
	f.Name = strings.TrimSpace(f.Name)
	errs = lifecycle.TooLong(errs, "/name", f.Name, MaxName, "name")
	if f.IDNumber != "" {
		if n, _, err := ident.NormalizeCitizenID(f.IDNumber); err != nil {
			errs = append(errs, lifecycle.FieldError{Code: "invalid_id_number", Pointer: "/id_number",
				Message: "id_number is not a valid citizen ID number: " + ident.Reason(err)})
		} else {
			f.IDNumber = n
		}
	}
	return errs
}

// attachments describes uploads.
func attachments(uploads []Upload) []lifecycle.Attachment {
	a := make([]lifecycle.Attachment, len(uploads))
	for i, u := range uploads {
		a[i] = lifecycle.Attachment{Name: u.Name, MediaType: u.MediaType, Size: int64(len(u.Content))}
	}
	return a
}

// contents are the contents of uploads, in their order.
func contents(uploads []Upload) [][]byte {
	c := make([][]byte, len(uploads))
	for i, u := range uploads {
		c[i] = u.Content
	}
	return c
}

// merge appends to errs the problems of more at pointers errs does not
// name yet. The size of an attachment is that of its content_base64, and
// said so.
func merge(errs lifecycle.FieldErrors, more ...lifecycle.FieldErrors) lifecycle.FieldErrors {
	for _, fes := range more {
		for _, fe := range fes {
			if p, ok := strings.CutSuffix(fe.Pointer, "/size"); ok {
				fe.Pointer = p + "/content_base64"
			}
			if !slices.ContainsFunc(errs, func(e lifecycle.FieldError) bool { return e.Pointer == fe.Pointer }) {
				errs = append(errs, fe)
			}
		}
	}
	return errs
}

// subjectRecord returns the record f names if the person ctx carries, who
// proved who they are with their ID token, is its subject (the person of
// its ID number) and f names no one else (idtoken.Subject); else
// ErrNotSubject, which does not say whether the record, the name or the
// number was wrong. A failed proof about an existing record is in the
// audit log, about the record's subject, who sees it in their access log.
func (s *Service) subjectRecord(ctx context.Context, k *kindInfo, f *Filing) (*store.RecordDisplay, error) {
	rec, err := s.store.RecordDisplay(ctx, f.RecordID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrNotSubject
	case err != nil:
		return nil, err
	}
	subject, err := idtoken.Subject(ctx, s.subjectKey, f.Name, f.IDNumber)
	if err != nil || subtle.ConstantTimeCompare([]byte(subject), []byte(rec.SubjectKey)) != 1 {
		s.log.InfoContext(ctx, "case refused: not the subject", "record", rec.ID)
		entry := audit.Entry{Action: k.filed, Resource: rec.ID, Subject: rec.SubjectKey, Result: audit.IdentityFailed}
		if idtoken.From(ctx) != nil {
			entry.Kind = audit.Person // a person, proven, about someone else's record
		}
		if err := s.logAccess(ctx, entry); err != nil {
			return nil, err
		}
		return nil, ErrNotSubject
	}
	return rec, nil
}

// filed records in the audit log that the person filed a case of kind k
// with this id about the subject subjectKey, and logs it with attrs.
func (s *Service) filed(ctx context.Context, k *kindInfo, id, subjectKey string, attrs ...any) error {
	s.log.InfoContext(ctx, k.name+" filed", append([]any{k.name, id}, attrs...)...)
	return s.logAccess(ctx, audit.Entry{Kind: audit.Person, Action: k.filed, Resource: id, Subject: subjectKey, Result: audit.OK})
}

// newID returns a new case id: prefix and 120 random bits.
func newID(prefix string) string { return random(prefix, 15) }

// newToken returns a new tracking token: prefix and 240 random bits. The
// hub keeps only its tokenHash.
func newToken(prefix string) string { return random(prefix, 30) }

func random(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// tokenHash is how a tracking token is kept: SHA-256, in hex.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// sameToken reports, in constant time, whether token is the one hash is of.
func sameToken(token, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(tokenHash(token)), []byte(hash)) == 1
}

// change reads the record of this id in l's transaction and admits the
// changes made of it, in that transaction. It returns ErrRecordRevoked when
// the ledger refused one (the record was revoked).
func change(ctx context.Context, l *store.Ledger, id string, of func(*store.Record) ([]*record.Record, error)) error {
	rec, err := l.Record(ctx, id)
	if err != nil {
		return fmt.Errorf("change record %s: %w", id, err)
	}
	recs, err := of(rec)
	if err != nil || len(recs) == 0 {
		return err
	}
	outcomes, err := l.Admit(ctx, recs)
	if err != nil {
		return fmt.Errorf("change record %s: %w", id, err)
	}
	for _, o := range outcomes {
		switch o {
		case store.Refused:
			return ErrRecordRevoked
		case store.UnknownRecord:
			return fmt.Errorf("change record %s: the ledger does not know it", id)
		}
	}
	return nil
}

// opened is the error of storing a new case: ErrOpen when the record has an
// open case of its kind.
func opened(err error) error {
	if errors.Is(err, store.ErrCaseOpen) {
		return ErrOpen
	}
	return err
}

// fieldErrors splits the error of a move into the problems of its request
// and any other error.
func fieldErrors(err error) (lifecycle.FieldErrors, error) {
	if fe, ok := errors.AsType[lifecycle.FieldErrors](err); ok {
		return fe, nil
	}
	return nil, err
}
