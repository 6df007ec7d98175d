// Package wait lets a test wait for a condition by polling it, instead of
// sleeping for a time that is too long on a fast machine and too short on a
// loaded one.
//
// A test that means to let time pass (a lease running out, a long poll
// starting to wait) still sleeps; a test that waits for something to
// happen polls with [For] or [ForNoError].
package wait

import (
	"errors"
	"testing"
	"time"
)

// Pauses between two calls of a condition: the first is short, so that a
// condition that is about to hold costs little; later ones grow up to
// maxPause, so that a costly condition (a query, a request to a broker)
// does not load the machine.
const (
	firstPause = 5 * time.Millisecond
	maxPause   = 200 * time.Millisecond
)

// For calls cond until it reports true, pausing between calls, and fails
// the test with t.Fatalf, saying what it waited for, if cond has not
// reported true within timeout. cond runs on the test's goroutine.
func For(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ForNoError(t, timeout, what, func() error {
		if cond() {
			return nil
		}
		return errNotYet
	})
}

// ForNoError calls f until it returns nil, pausing between calls, and fails
// the test with t.Fatalf, saying what it waited for and the last error of
// f, if f has not returned nil within timeout. f runs on the test's
// goroutine.
func ForNoError(t testing.TB, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	pause := firstPause
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			if err == errNotYet {
				t.Fatalf("waited %s for %s", timeout, what)
			} else {
				t.Fatalf("waited %s for %s: %v", timeout, what, err)
			}
			return // t.Fatalf does not return in a test
		}
		time.Sleep(pause)
		pause = min(2*pause, maxPause)
	}
}

// errNotYet stands for For's condition while it does not hold.
var errNotYet = errors.New("not yet")
