package catalog

import (
	"encoding/json"
	"fmt"

	"github.com/credex/credex/catalog/compat"
)

// Comparison is what changed from one version of a record type to another.
type Comparison struct {
	// Mode is the compatibility mode of the later version, under which
	// Compatible says whether its schema keeps to the earlier one's.
	Mode       compat.Mode
	Compatible bool
	// Changes lists every change of the schema.
	Changes []compat.Change
	// Policy lists the changes of the rules outside the schema that decide
	// who sees records, what for and how long; Widens says whether any
	// widens them, so that the later version, published after the earlier
	// one, would wait for approval.
	Policy []PolicyChange
	Widens bool
}

// Compare compares two versions of a record type: from, and to under its
// compatibility mode. It fails only when a schema cannot be read.
func Compare(from, to *RecordType) (*Comparison, error) {
	mode, err := compat.ParseMode(string(to.Compatibility))
	if err != nil {
		return nil, fmt.Errorf("compare %s versions %d and %d: %w", to.Code, from.Version, to.Version, err)
	}
	breaking, err := compat.Check(mode, []json.RawMessage{from.Schema}, to.Schema)
	if err != nil {
		return nil, fmt.Errorf("compare %s versions %d and %d: %w", to.Code, from.Version, to.Version, err)
	}
	changes, err := compat.Diff(from.Schema, to.Schema)
	if err != nil {
		return nil, fmt.Errorf("compare %s versions %d and %d: %w", to.Code, from.Version, to.Version, err)
	}
	policy := PolicyDiff(from, to)
	return &Comparison{Mode: mode, Compatible: len(breaking) == 0, Changes: changes, Policy: policy,
		Widens: len(Widening(policy)) > 0}, nil
}
