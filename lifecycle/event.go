package lifecycle

import "time"

// EventType names what happened. The values are stable: subscribers branch
// on them.
type EventType string

// The event types, one per move.
const (
	ObjectionFiled    EventType = "objection.filed"
	ObjectionAccepted EventType = "objection.accepted" // the record is now disputed
	ObjectionRefused  EventType = "objection.refused"
	ObjectionDecided  EventType = "objection.decided" // the record is no longer disputed
	RepairSubmitted   EventType = "repair.submitted"
	RepairRefused     EventType = "repair.refused"
	RecordRepaired    EventType = "record.repaired" // display and sharing stop; every recipient is told
)

// Event is what a move yields, for the hub to publish. It carries no personal
// statement or attachment, only what subscribers need to follow the record.
type Event struct {
	Type EventType `json:"type"`
	// ObjectionID or RepairID names the objection or repair application moved.
	ObjectionID string `json:"objection_id,omitempty"`
	RepairID    string `json:"repair_id,omitempty"`
	RecordID    string `json:"record_id"`
	// At is the time of the move, from the Desk's clock.
	At time.Time `json:"at"`
	// Status is the state the move led to.
	Status Status `json:"status"`
	// Disputed tells whether this objection now flags its record as disputed.
	Disputed bool    `json:"disputed"`
	Grounds  Grounds `json:"grounds,omitempty"`
	Outcome  Outcome `json:"outcome,omitempty"`
	// Reasons are the reasons given for a refusal or decision.
	Reasons []string `json:"reasons,omitempty"`
	// Deadline is the deadline of the next move, when one is owed.
	Deadline time.Time `json:"deadline,omitzero"`
}

// Key identifies the event among all others, and is the same however often it
// is built or delivered: every objection and application makes each move at
// most once.
func (e Event) Key() string {
	return string(e.Type) + ":" + e.ObjectionID + e.RepairID
}
