package compat

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Mode is a compatibility mode: which direction a new schema version must
// keep, towards the latest earlier version or towards all of them.
type Mode string

// The compatibility modes, named as in the catalogue manifest.
const (
	ModeBackward           Mode = "backward"            // the new schema accepts all data the latest earlier one accepted
	ModeBackwardTransitive Mode = "backward_transitive" // backward towards every earlier version
	ModeForward            Mode = "forward"             // the latest earlier schema accepts all data the new one accepts
	ModeForwardTransitive  Mode = "forward_transitive"  // forward towards every earlier version
	ModeFull               Mode = "full"                // backward and forward
	ModeFullTransitive     Mode = "full_transitive"     // backward and forward towards every earlier version
	ModeNone               Mode = "none"                // no check
)

var modes = []Mode{ModeBackward, ModeBackwardTransitive, ModeForward, ModeForwardTransitive,
	ModeFull, ModeFullTransitive, ModeNone}

// ParseMode returns the mode named s, ignoring case, so that "BACKWARD" as
// a registry spells it is accepted too.
func ParseMode(s string) (Mode, error) {
	m := Mode(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(modes, m) {
		names := make([]string, len(modes))
		for i, m := range modes {
			names[i] = string(m)
		}
		return "", fmt.Errorf("compatibility mode %q: want one of %s", s, strings.Join(names, ", "))
	}
	return m, nil
}

// Transitive reports whether m checks against every earlier version rather
// than the latest one.
func (m Mode) Transitive() bool { return strings.HasSuffix(string(m), "_transitive") }

// checks returns the directions m requires to hold.
func (m Mode) checks() Direction {
	switch m {
	case ModeBackward, ModeBackwardTransitive:
		return Backward
	case ModeForward, ModeForwardTransitive:
		return Forward
	case ModeFull, ModeFullTransitive:
		return Both
	}
	return Neither
}

// Direction says which compatibility a change breaks. It is a bit set:
// Both is Backward|Forward.
type Direction uint8

// The directions.
const (
	Neither  Direction = 0                  // the change does not alter which data is valid
	Backward Direction = 1 << 0             // some data valid under the old schema is invalid under the new
	Forward  Direction = 1 << 1             // some data valid under the new schema is invalid under the old
	Both     Direction = Backward | Forward // both of the above
)

var directionNames = [...]string{Neither: "neither", Backward: "backward", Forward: "forward", Both: "both"}

// String returns "neither", "backward", "forward" or "both".
func (d Direction) String() string {
	if int(d) < len(directionNames) {
		return directionNames[d]
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// MarshalText encodes d as its String, so that a Change reads well as JSON.
func (d Direction) MarshalText() ([]byte, error) {
	if int(d) >= len(directionNames) {
		return nil, fmt.Errorf("direction %d: not neither, backward, forward or both", uint8(d))
	}
	return []byte(d.String()), nil
}

// UnmarshalText decodes a Direction encoded by MarshalText.
func (d *Direction) UnmarshalText(text []byte) error {
	i := slices.Index(directionNames[:], string(text))
	if i < 0 {
		return fmt.Errorf("direction %q: not neither, backward, forward or both", text)
	}
	*d = Direction(i)
	return nil
}

// flip swaps Backward and Forward, for changes under "not".
func (d Direction) flip() Direction { return d&Backward<<1 | d&Forward>>1 }

// Change is one difference between two schemas.
type Change struct {
	// Pointer is a JSON pointer into the new schema at the keyword that
	// changed, such as /properties/subject/properties/id_number/pattern. A
	// keyword or property that the new schema no longer has is named where
	// it would be.
	Pointer string `json:"pointer"`
	// Kind is a stable code, such as required_added or type_narrowed.
	Kind string `json:"kind"`
	// Reason says what changed and what it means for data.
	Reason string `json:"reason"`
	// Breaks is the compatibility this change breaks.
	Breaks Direction `json:"breaks"`
	// Against is, in a result of Check, the index into earlier of the
	// version the change was found against; versions numbered from 1 are
	// version Against+1. Diff leaves it 0.
	Against int `json:"against"`
}

// BreaksUnder reports whether c makes a schema incompatible under m.
func (c Change) BreaksUnder(m Mode) bool { return c.Breaks&m.checks() != 0 }

// Check returns the changes of next that break compatibility under mode with
// earlier, the earlier versions oldest first: with the latest of them for
// the plain modes, with each of them for the transitive ones. No changes
// means next is compatible; so it is under ModeNone or with no earlier
// version. It fails only when mode is unknown or a schema is not JSON, not an
// object or boolean, or too large to compare.
func Check(mode Mode, earlier []json.RawMessage, next json.RawMessage) ([]Change, error) {
	if !slices.Contains(modes, mode) {
		return nil, fmt.Errorf("compatibility mode %q: unknown", mode)
	}
	if mode == ModeNone || len(earlier) == 0 {
		return nil, nil
	}
	first := len(earlier) - 1
	if mode.Transitive() {
		first = 0
	}
	var out []Change
	for i := first; i < len(earlier); i++ {
		changes, err := diff(earlier[i], next)
		if err != nil {
			return nil, fmt.Errorf("check against version %d: %w", i+1, err)
		}
		for _, c := range changes {
			if c.BreaksUnder(mode) {
				c.Against = i
				out = append(out, c)
			}
		}
	}
	slices.SortStableFunc(out, compareChanges)
	return out, nil
}

// Diff returns every change from old to new, each with the direction it
// breaks, sorted by pointer, then kind, then reason. It fails only when a
// schema is not JSON, not an object or boolean, or too large to compare.
func Diff(old, new json.RawMessage) ([]Change, error) {
	return diff(old, new)
}

func compareChanges(a, b Change) int {
	return cmp.Or(
		cmp.Compare(a.Pointer, b.Pointer),
		cmp.Compare(a.Kind, b.Kind),
		cmp.Compare(a.Reason, b.Reason),
		cmp.Compare(a.Against, b.Against),
	)
}
