package param_test

import (
	"math"
	"testing"

	"github.com/credex/credex/internal/param"
)

func TestInt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s        string
		min, max int64
		want     int64
		ok       bool
	}{
		{"0", 0, 9, 0, true},
		{"9", 0, 9, 9, true},
		{"007", 0, 9, 7, true},
		{"10", 0, 9, 0, false},
		{"-1", -5, 9, 0, false},
		{"+1", 0, 9, 0, false},
		{" 1", 0, 9, 0, false},
		{"1.0", 0, 9, 0, false},
		{"1e3", 0, 5000, 0, false},
		{"", 0, 9, 0, false},
		{"x", 0, 9, 0, false},
		{"٣", 0, 9, 0, false}, // an Arabic-Indic three
		{"2147483647", 1, math.MaxInt32, math.MaxInt32, true},
		{"2147483648", 1, math.MaxInt32, 0, false},
		{"9223372036854775807", 0, math.MaxInt64, math.MaxInt64, true},
		{"9223372036854775808", 0, math.MaxInt64, 0, false},
		{"99999999999999999999999", 0, math.MaxInt64, 0, false},
	}
	for _, tt := range tests {
		n, ok := param.Int(tt.s, tt.min, tt.max)
		if n != tt.want || ok != tt.ok {
			t.Errorf("Int(%q, %d, %d) = %d, %v; want %d, %v", tt.s, tt.min, tt.max, n, ok, tt.want, tt.ok)
		}
	}
}
