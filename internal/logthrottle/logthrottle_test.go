package logthrottle

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestRepeatedWarningsAreWrittenOncePerIntervalWithACount(t *testing.T) {
	var out bytes.Buffer
	h := New(slog.NewTextHandler(&out, nil), 10*time.Second).(*handler)
	clock := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	h.state.now = func() time.Time { return clock }
	log := slog.New(h)

	for i := range 80 { // 80 workers hit the same outage within a second
		log.With("worker", i).Warn("delivery", "err", "connection refused")
	}
	log.Info("request", "status", 503)
	log.Info("request", "status", 503)
	log.Error("read record", "err", "connection refused")
	clock = clock.Add(11 * time.Second)
	log.Warn("delivery", "err", "connection refused")

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		`level=WARN msg=delivery worker=0 err="connection refused"`,
		`level=INFO msg=request status=503`,
		`level=INFO msg=request status=503`,
		`level=ERROR msg="read record" err="connection refused"`,
		`level=WARN msg=delivery err="connection refused" repeated=79`,
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, line := range lines {
		if _, rest, _ := strings.Cut(line, " "); rest != want[i] { // past time=
			t.Errorf("line %d = %q, want %q", i, rest, want[i])
		}
	}
}
