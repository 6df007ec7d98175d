package requestid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/credex/credex/internal/requestid"
)

func TestSane(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]bool{
		"4bf92f3577b34da6a3ce929d0e0e4736":  true,
		"lb-7f1c.2026-12-05T10:00:00Z_0001": true,
		requestid.New():                     true,
		strings.Repeat("a", 64):             true,
		"":                                  false,
		strings.Repeat("a", 65):             false,
		"two words":                         false,
		"line\nbreak":                       false,
		`quote"d`:                           false,
		"请求":                                false,
	} {
		if got := requestid.Sane(id); got != want {
			t.Errorf("Sane(%q) = %v, want %v", id, got, want)
		}
	}
	if a, b := requestid.New(), requestid.New(); a == b {
		t.Errorf("two new ids are the same: %s", a)
	}
}

func TestHandlerLogsTheIDOfTheContext(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(requestid.Handler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	log.InfoContext(requestid.With(context.Background(), "req-1"), "served")
	log.InfoContext(context.Background(), "background")
	var lines []map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 || lines[0][requestid.Key] != "req-1" || lines[0]["component"] != "test" {
		t.Fatalf("logged %v, want the first line with request_id req-1 and component test", lines)
	}
	if _, ok := lines[1][requestid.Key]; ok {
		t.Errorf("a line logged without a request id has one: %v", lines[1])
	}
}
