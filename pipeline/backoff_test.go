package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The waits before joining the group again double while the group fails
// and start again from the shortest once a batch got through.
func TestRejoinBackoffResetsAfterABatch(t *testing.T) {
	c := NewConsumer(ConsumerConfig{Group: "g", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		nil, nil, prometheus.NewRegistry())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Each letter is one spell of the group: f fails at once, p processes
	// a batch and then fails.
	spells := []byte("fffffpfffffffp")
	c.consume = func(context.Context, []string) error {
		s := spells[0]
		if spells = spells[1:]; len(spells) == 0 {
			cancel()
		}
		if s == 'p' {
			c.processed++
		}
		return errors.New("group coordinator not available")
	}
	var waits []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) bool {
		waits = append(waits, d)
		return true
	}
	if err := c.Run(ctx, nil); err != nil {
		t.Fatal(err)
	}
	s := func(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }
	want := []time.Duration{s(.5), s(1), s(2), s(4), s(8), s(.5), s(1), s(2), s(4), s(8), s(16), s(30), s(30)}
	if !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
}
