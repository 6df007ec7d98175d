package subscription

import (
	"encoding/json"
	"slices"
	"time"

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
	// SubjectKey partitions events by person where a transport needs it
	// (the Kafka message key). It is a keyed hash from which no one can
	// learn who the person is; it is not in the JSON.
	SubjectKey string `json:"-"`
}

// Render turns an event owed to sub into what the agency receives: ID
// numbers masked unless sub sees them in full for the event's record type.
func Render(sub *store.Subscription, e store.Event) Event {
	data := json.RawMessage(e.Data)
	if !slices.Contains(sub.FullIDTypes, e.RecordType) {
		data = Mask(data)
	}
	return Event{
		ID: e.ID, Type: e.Type, RecordID: e.RecordID, RecordType: e.RecordType, Version: e.Version,
		Sequence: e.Sequence, CatalogVersion: e.CatalogVersion, Department: e.Department,
		CreatedAt: e.CreatedAt.UTC(), Data: data, Reason: e.Reason, Disputed: e.Disputed, SubjectKey: e.SubjectKey,
	}
}
