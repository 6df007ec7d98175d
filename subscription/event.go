package subscription

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/store"
)

// Event is an event as an agency receives it, by webhook (one per request),
// by the pull API or from its Kafka topic. ID is the same on every delivery
// and redelivery; Sequence orders the events about one person.
type Event struct {
	ID             string          `json:"id"`
	Type           string          `json:"type"`
	RecordID       string          `json:"record_id"`
	RecordType     string          `json:"record_type"`
	Version        int             `json:"version"`
	Sequence       int64           `json:"sequence"`
	CatalogVersion int             `json:"catalog_version"`
	Department     string          `json:"department"`
	CreatedAt      time.Time       `json:"created_at"`
	Data           json.RawMessage `json:"data"`
	// Reason says why a correction, revocation or lifecycle change was made.
	Reason string `json:"reason,omitempty"`
	// Disputed: an objection to the record is open as of this version.
	Disputed bool `json:"disputed"`
	// Subject is the agency's pseudonym of the person the record is about:
	// the same in every event about that person that this agency
	// receives, by every subscription and transport, and different for
	// every other agency. It is the Kafka message key.
	Subject string `json:"subject"`
}

// Renderer turns the events owed to subscriptions into what agencies
// receive. It is safe for concurrent use.
type Renderer struct {
	pseudonymKey []byte
}

// pseudonymDomain separates the key of pseudonyms from every other use of
// the subject key. It is no citizen ID number, so the key derived with it
// is no subject hash.
const pseudonymDomain = "credex agency subject pseudonym v1"

// NewRenderer returns a renderer whose pseudonyms are keyed by a key
// derived from the hub's subject key (the key of record.SubjectKey), so
// they need no secret of their own. Replacing the subject key (credex
// rekey) replaces every pseudonym.
func NewRenderer(subjectKey []byte) *Renderer {
	mac := hmac.New(sha256.New, subjectKey)
	mac.Write([]byte(pseudonymDomain))
	return &Renderer{pseudonymKey: mac.Sum(nil)}
}

// Render turns an event owed to sub into what the agency receives: ID
// numbers masked in the payload and the reason (ident.MaskPayload,
// ident.MaskText) unless sub sees them in full for the event's record type,
// and the person named by the agency's pseudonym.
func (r *Renderer) Render(sub *store.Subscription, e store.Event) Event {
	data, reason := json.RawMessage(e.Data), e.Reason
	if !slices.Contains(sub.FullIDTypes, e.RecordType) {
		data, reason = ident.MaskPayload(data), ident.MaskText(reason)
	}
	return Event{
		ID: e.ID, Type: e.Type, RecordID: e.RecordID, RecordType: e.RecordType, Version: e.Version,
		Sequence: e.Sequence, CatalogVersion: e.CatalogVersion, Department: e.Department,
		CreatedAt: e.CreatedAt.UTC(), Data: data, Reason: reason, Disputed: e.Disputed,
		Subject: r.pseudonym(sub.Agency, e.SubjectKey),
	}
}

// pseudonym is the name by which agency knows the person whose subject
// hash is subjectKey: "psn_" and 160 bits of an HMAC-SHA256, under the
// pseudonym key, of the agency's name and the hash. Without the key no one
// can tell whether two agencies' pseudonyms name the same person, nor learn
// the subject hash or the ID number from one.
func (r *Renderer) pseudonym(agency, subjectKey string) string {
	mac := hmac.New(sha256.New, r.pseudonymKey)
	mac.Write([]byte(agency))
	mac.Write([]byte{0})
	mac.Write([]byte(subjectKey))
	return "psn_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(mac.Sum(nil)[:20]))
}
