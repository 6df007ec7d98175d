package wait_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/credex/credex/internal/testkit/wait"
)

// recorder is a testing.TB whose Fatalf records the failure and returns.
type recorder struct {
	testing.TB
	failure string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.failure = fmt.Sprintf(format, args...) }

func TestForReturnsOnceTheConditionHolds(t *testing.T) {
	t.Parallel()
	r := &recorder{}
	calls := 0
	wait.For(r, time.Minute, "the third call", func() bool { calls++; return calls == 3 })
	if calls != 3 || r.failure != "" {
		t.Errorf("For called the condition %d times and failed with %q; want 3 calls and no failure", calls, r.failure)
	}
}

func TestForFailsAfterTheTimeout(t *testing.T) {
	t.Parallel()
	r := &recorder{}
	start := time.Now()
	wait.For(r, 50*time.Millisecond, "something that never happens", func() bool { return false })
	if took := time.Since(start); took < 50*time.Millisecond || took > 5*time.Second {
		t.Errorf("For gave up after %s, want about 50ms", took)
	}
	if want := "waited 50ms for something that never happens"; r.failure != want {
		t.Errorf("failure = %q, want %q", r.failure, want)
	}
}

func TestForNoErrorSaysTheLastError(t *testing.T) {
	t.Parallel()
	r := &recorder{}
	calls := 0
	wait.ForNoError(r, 20*time.Millisecond, "the topic to go", func() error {
		calls++
		return fmt.Errorf("%d partitions left", calls)
	})
	if want := fmt.Sprintf("waited 20ms for the topic to go: %d partitions left", calls); r.failure != want {
		t.Errorf("failure = %q, want %q", r.failure, want)
	}
	r = &recorder{}
	wait.ForNoError(r, time.Minute, "nothing", func() error { return nil })
	if r.failure != "" {
		t.Errorf("ForNoError with a condition that holds failed: %s", r.failure)
	}
}
