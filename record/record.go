package record

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/credex/credex/internal/jsonvalue"
)

// Op is what a submission asks the hub to do with a record.
type Op string

const (
	// OpUpsert creates a record or replaces its content with a new version.
	OpUpsert Op = "upsert"
	// OpCorrect replaces a record's content with a correction, with a
	// reason; it settles a dispute.
	OpCorrect Op = "correct"
	// OpRevoke withdraws a record; it stays in history, marked revoked.
	OpRevoke Op = "revoke"
	// OpDispute marks a record disputed while an objection to it is open.
	OpDispute Op = "dispute"
	// OpResolve ends a dispute without changing the record.
	OpResolve Op = "resolve"
	// OpRepair ends a record's public display and sharing after credit repair.
	OpRepair Op = "repair"
	// OpExpire ends a record's public display at the end of its period.
	OpExpire Op = "expire"
)

// Valid reports whether op is one of the ops above.
func (op Op) Valid() bool {
	switch op {
	case OpUpsert, OpCorrect, OpRevoke, OpDispute, OpResolve, OpRepair, OpExpire:
		return true
	}
	return false
}

// Content reports whether op carries new content for the record.
func (op Op) Content() bool { return op == OpUpsert || op == OpCorrect }

// Record is an accepted credit record as it travels through Kafka. Its JSON
// form is the value of the Kafka message; the message key is SubjectKey.
type Record struct {
	ID             string          `json:"record_id"`
	Type           string          `json:"type"`
	Op             Op              `json:"op"`
	Version        int             `json:"version"`
	Department     string          `json:"department"` // unified social credit code
	SourceID       string          `json:"source_id"`
	SubjectKey     string          `json:"subject_key"`
	SubjectName    string          `json:"subject_name"`
	SubjectMasked  string          `json:"subject_masked"`
	CatalogVersion int             `json:"catalog_version"`
	ContentHash    string          `json:"content_hash"`
	Data           json.RawMessage `json:"data"`
	SubmissionID   string          `json:"submission_id"`
	AcceptedAt     time.Time       `json:"accepted_at"`
	// Reason says why a correction, revocation or lifecycle change was made.
	Reason string `json:"reason,omitempty"`
	// Display is the record's public display window, for content ops of
	// types that set one: from the deciding document's date, repairable
	// after RepairFrom, shown until DisplayUntil.
	Display *Window `json:"display,omitempty"`
	// Rewritten keeps, for each identifier of Data the hub rewrote by the
	// one rule of identifiers (catalog.RecordType.Normalize), the value as
	// the department sent it.
	Rewritten []Rewriting `json:"rewritten,omitempty"`
}

// Rewriting is one identifier of a record's data that the hub rewrote.
type Rewriting struct {
	// Pointer is the JSON pointer of the value in Data.
	Pointer string `json:"pointer"`
	// Rule is the rule applied (ident's Rule constants), such as
	// upgraded_15_digit.
	Rule string `json:"rule"`
	// Original is the value as sent.
	Original string `json:"original"`
}

// Window is a record's public display window.
type Window struct {
	From       time.Time `json:"from"`
	RepairFrom time.Time `json:"repair_from"`
	Until      time.Time `json:"until"`
}

// ID derives the id of a record from the department that owns it, its type
// and the department's own source id, under key, the hub's record id key
// (store.Store.RecordIDKey). The same triple under the same key always gives
// the same id, so resubmissions address the same record; without the key
// nobody can compute the id from what a record shows publicly (department,
// type) and what is easily guessed (source ids are often sequential), so the
// ids of records the public may see cannot be listed by computing them.
//
// Every record id is made here.
func ID(key []byte, department, recordType, sourceID string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(idDomain))
	for _, field := range []string{department, recordType, sourceID} {
		mac.Write(binary.AppendUvarint(nil, uint64(len(field))))
		mac.Write([]byte(field))
	}
	return "rec_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(mac.Sum(nil)[:15]))
}

// idDomain separates record ids from every other use of a key.
const idDomain = "credex record id v1\x00"

// SubjectKey is the keyed hash by which a person is looked up and by which
// their records are partitioned. The plain ID number never leaves the payload.
func SubjectKey(key []byte, idNumber string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(idNumber))
	return hex.EncodeToString(mac.Sum(nil))
}

// ContentHash is the SHA-256 of an operation and its payload in canonical
// JSON form (object keys sorted, insignificant whitespace removed), so the
// same content always hashes alike however it was formatted.
func ContentHash(op Op, data json.RawMessage) (string, error) {
	canonical, err := Canonical(data)
	if err != nil {
		return "", err
	}
	return CanonicalHash(op, canonical), nil
}

// CanonicalHash is ContentHash of a payload already in canonical form.
func CanonicalHash(op Op, canonical []byte) string {
	h := sha256.New()
	h.Write([]byte(op))
	h.Write([]byte{0})
	h.Write(canonical)
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// Canonical re-encodes JSON with sorted object keys and exact numbers.
func Canonical(data json.RawMessage) ([]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return []byte("null"), nil
	}
	if v, ok := jsonvalue.Decode(data); ok {
		return CanonicalOf(v)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	return CanonicalOf(v)
}

// CanonicalOf encodes a decoded value (numbers as json.Number) as Canonical
// does.
func CanonicalOf(v any) ([]byte, error) {
	if out, ok := jsonvalue.Append(nil, v); ok {
		return out, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// EventID is the stable id of the event a record version makes: the same on
// every delivery and redelivery, to every subscriber.
func EventID(recordID string, version int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", recordID, version))
	return "evt_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

// Event types of record changes.
const (
	EventCreated         = "record.created"
	EventUpdated         = "record.updated"
	EventCorrected       = "record.corrected"
	EventRevoked         = "record.revoked"
	EventDisputed        = "record.disputed"
	EventDisputeResolved = "record.dispute_resolved"
	EventRepaired        = "record.repaired"
	EventExpired         = "record.expired"
)

// EventType names the change a record version makes.
func EventType(r *Record) string {
	switch r.Op {
	case OpUpsert:
		if r.Version == 1 {
			return EventCreated
		}
		return EventUpdated
	case OpCorrect:
		return EventCorrected
	case OpRevoke:
		return EventRevoked
	case OpDispute:
		return EventDisputed
	case OpResolve:
		return EventDisputeResolved
	case OpRepair:
		return EventRepaired
	}
	return EventExpired
}
