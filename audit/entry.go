package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
)

// Kinds of caller besides the principal kinds (department, agency,
// maintainer, operator), which authenticate with a key.
const (
	// Public is anyone, unauthenticated.
	Public = "public"
	// Person is a person the records are about, who proved who they are
	// with an ID token from the identity provider rather than a key.
	Person = "person"
)

// Actions. An action is "<thing>.<verb>"; these are the ones the hub records.
const (
	RecordRead            = "record.read"
	RecordSubmitted       = "record.submitted"
	SubscriptionDelivered = "subscription.delivered"
	PublicQuery           = "public.query"
	PublicRead            = "public.read"
	ObjectionFiled        = "objection.filed"
	ObjectionRead         = "objection.read"
	ObjectionListed       = "objection.listed"
	ObjectionDecided      = "objection.decided"
	RepairFiled           = "repair.filed"
	RepairRead            = "repair.read"
	RepairListed          = "repair.listed"
	RepairReviewed        = "repair.reviewed"
	ListQuery             = "list.query"
	AccessLogRead         = "access_log.read"
	DeadLetterRead        = "dead_letter.read"
	// A person's authorisation of an agency's inquiry into their records
	// (the resource is the grant's id), and the inquiry itself.
	AuthorisationGranted   = "authorisation.granted"
	AuthorisationListed    = "authorisation.listed"
	AuthorisationWithdrawn = "authorisation.withdrawn"
	InquiryRead            = "inquiry.read"
	// A catalogue version that widens a record type's policy: proposed by
	// a maintainer, then approved or rejected by an operator. The
	// resource is "<code>/<version>".
	CatalogProposed = "catalog.proposed"
	CatalogApproved = "catalog.approved"
	CatalogRejected = "catalog.rejected"
)

// Results.
const (
	OK       = "ok"
	Refused  = "refused"
	NotFound = "not_found"
	// IdentityFailed: the caller named a person who is the subject of
	// records without being them: the public query with a name not on the
	// number's records, or a person, proven by their ID token, naming
	// someone else or filing about someone else's record. The entry's
	// Subject is the person whose records were concerned.
	IdentityFailed = "identity_failed"
)

// Entry is one access to personal data.
type Entry struct {
	// At is when it happened. Stored with microsecond precision, in UTC.
	At time.Time
	// Principal is the caller's name, or Public or Person for callers
	// without a key.
	Principal string
	// Kind is the principal's kind (principal.Kind), or Public or Person.
	Kind string
	// Action is what was done, such as RecordRead.
	Action string
	// Resource is what it was done to, such as a record id; may be empty.
	Resource string
	// Subject is the keyed hash of the ID number of the person concerned
	// (see Subject), empty when the access concerns no one person. It is
	// NEVER the plain ID number.
	Subject string
	// Purpose is why: the legal basis or authorisation id the caller acts
	// under. It may be empty when the person acts about themselves.
	Purpose string
	// Result is how it ended: OK, Refused, NotFound or another short code.
	Result string
}

// ErrInvalidEntry is wrapped by Entry.Validate.
var ErrInvalidEntry = errors.New("invalid audit entry")

var kinds = []string{string(principal.Department), string(principal.Agency), string(principal.Maintainer),
	string(principal.Operator), Person, Public}

// Validate reports an entry that lacks a time, principal, action or result,
// or has an unknown kind.
func (e Entry) Validate() error {
	switch {
	case e.At.IsZero():
		return fmt.Errorf("%w: no time", ErrInvalidEntry)
	case e.Principal == "":
		return fmt.Errorf("%w: no principal", ErrInvalidEntry)
	case !slices.Contains(kinds, e.Kind):
		return fmt.Errorf("%w: kind %q is not one of %s", ErrInvalidEntry, e.Kind, strings.Join(kinds, ", "))
	case e.Action == "":
		return fmt.Errorf("%w: no action", ErrInvalidEntry)
	case e.Result == "":
		return fmt.Errorf("%w: no result", ErrInvalidEntry)
	}
	return nil
}

// Subject returns the Subject of an entry about the person with this citizen
// ID number: the keyed hash by which the hub stores and looks up the
// person's records (record.SubjectKey with the hub's subject key), of the
// number read by ident.NormalizeCitizenID as the API reads it, so a 15-digit
// number names the same person as its 18-digit form. A string that is no
// ID number is hashed as it is: it names nobody the hub holds records
// about. Entries hold only this value, never the number.
func Subject(subjectKey []byte, idNumber string) string {
	if n, _, err := ident.NormalizeCitizenID(idNumber); err == nil {
		idNumber = n
	}
	return record.SubjectKey(subjectKey, idNumber)
}

// MaxField is the most bytes an entry keeps of each of its text fields.
// Resources and purposes come from callers (a path, a header, a body), and a
// caller must not be able to make the log grow by more than a few kilobytes
// a request.
const MaxField = 1024

// Bound returns e with every text field fit to be stored and at most
// MaxField bytes long. Invalid UTF-8 and NUL bytes, which PostgreSQL text
// cannot hold, become U+FFFD. A longer field keeps its start, cut at a
// character boundary, followed by a marker that gives the original length
// and SHA-256:
//
//	…[truncated: 921600 bytes, sha256 9f86d081…]
//
// so that the value a caller sent can still be matched against the entry.
// The entry is hashed as bounded, so the chain verifies as stored.
func (e Entry) Bound() Entry {
	for _, f := range []*string{&e.Principal, &e.Kind, &e.Action, &e.Resource, &e.Subject, &e.Purpose, &e.Result} {
		*f = bound(*f)
	}
	return e
}

func bound(s string) string {
	if len(s) <= MaxField && utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	clean := strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(clean) <= MaxField {
		return clean
	}
	marker := fmt.Sprintf("…[truncated: %d bytes, sha256 %x]", len(s), sha256.Sum256([]byte(s)))
	keep := MaxField - len(marker)
	for keep > 0 && !utf8.RuneStart(clean[keep]) {
		keep--
	}
	return clean[:keep] + marker
}

// Head is the end of a chain: its last entry's Seq and Hash. The zero Head
// is the empty chain.
type Head struct {
	Seq  int64
	Hash string
}

// Stored is an entry as the log holds it: chained to the entry before.
type Stored struct {
	Entry
	// Seq numbers entries 1, 2, 3... without gaps.
	Seq int64
	// PrevHash is the Hash of entry Seq-1; empty for entry 1.
	PrevHash string
	// Hash is Sum() at the time the entry was appended.
	Hash string
}

// Next returns e appended to the chain ending at h: numbered h.Seq+1, linked
// to h.Hash, its time in UTC truncated to microseconds (as PostgreSQL keeps
// it), its text fields bounded (Bound), and hashed.
func (h Head) Next(e Entry) Stored {
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e = e.Bound()
	s := Stored{Entry: e, Seq: h.Seq + 1, PrevHash: h.Hash}
	s.Hash = s.Sum()
	return s
}

// Head returns the head of the chain that ends with s.
func (s Stored) Head() Head { return Head{Seq: s.Seq, Hash: s.Hash} }

// hashVersion starts every hashed encoding, so that a change of the encoding
// would be a new version rather than a silent reinterpretation.
const hashVersion = "credex-audit-v1"

// Sum returns the lowercase hex SHA-256 of the canonical encoding of s:
//
//	"credex-audit-v1"
//	Seq                         8 bytes, big-endian
//	At in Unix microseconds     8 bytes, big-endian two's complement
//	Principal, Kind, Action, Resource, Subject, Purpose, Result, PrevHash
//	                            each as its length in bytes (4 bytes,
//	                            big-endian) followed by its UTF-8 bytes
//
// Every field has a fixed size or a length prefix, so no two different
// entries encode alike: any change of any field, or of the previous hash,
// changes the hash. Sum ignores s.Hash.
func (s Stored) Sum() string {
	h := sha256.New()
	buf := make([]byte, 0, 256)
	buf = append(buf, hashVersion...)
	buf = binary.BigEndian.AppendUint64(buf, uint64(s.Seq))
	buf = binary.BigEndian.AppendUint64(buf, uint64(s.At.UnixMicro()))
	for _, f := range []string{s.Principal, s.Kind, s.Action, s.Resource, s.Subject, s.Purpose, s.Result, s.PrevHash} {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(f)))
		buf = append(buf, f...)
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}
