package compat_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/credex/credex/catalog/compat"
)

// FuzzCheck compares arbitrary pairs of JSON documents. Neither Diff nor
// Check may panic; Check reports only changes Diff reports; a schema is
// compatible with itself under every mode.
func FuzzCheck(f *testing.F) {
	for _, tc := range pairCases {
		f.Add([]byte(tc.old), []byte(tc.new))
	}
	f.Fuzz(func(t *testing.T, old, new []byte) {
		changes, err := compat.Diff(old, new)
		if err != nil {
			return
		}
		for _, mode := range []compat.Mode{compat.ModeBackward, compat.ModeForwardTransitive, compat.ModeFull} {
			breaking, err := compat.Check(mode, []json.RawMessage{old, old}, new)
			if err != nil {
				t.Fatalf("Check(%s) failed where Diff did not: %v", mode, err)
			}
			for _, c := range breaking {
				c.Against = 0
				if !slices.Contains(changes, c) {
					t.Errorf("Check(%s) reports %v, which Diff does not", mode, c)
				}
			}
		}
		for _, s := range [][]byte{old, new} {
			if same, err := compat.Check(compat.ModeFullTransitive, []json.RawMessage{s}, s); err == nil && len(same) > 0 {
				t.Errorf("%s is incompatible with itself: %v", s, same)
			}
		}
	})
}
