package delivery

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidateNamesTheBadSetting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg  Config
		want string // "" for valid
	}{
		{Config{}, ""},
		{Config{Workers: 2, Lease: time.Second, Batch: 10, Idle: time.Millisecond, Schedule: Schedule{time.Second}}, ""},
		{Config{Workers: -1}, "delivery workers"},
		{Config{Lease: -time.Second}, "delivery lease"},
		{Config{Batch: -5}, "delivery batch"},
		{Config{Idle: -time.Millisecond}, "delivery idle"},
		{Config{Schedule: Schedule{time.Second, 0}}, "delivery retry schedule: delay 2"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: %v, want valid", tt.cfg, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: %v, want an error naming %q", tt.cfg, err, tt.want)
		}
	}
}
