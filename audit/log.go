package audit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/credex/credex/principal"
)

// Log appends entries to the audit log.
type Log interface {
	// Append adds entries to the end of the log, in order and all or
	// none, and returns once they are durably stored. It is safe to call
	// concurrently, from any number of processes sharing the log: the
	// chain never forks and Seq stays gapless.
	Append(ctx context.Context, entries ...Entry) error
}

// LogFunc adapts a function, such as (*store.Store).AppendAudit, to Log.
type LogFunc func(ctx context.Context, entries ...Entry) error

// Append calls f.
func (f LogFunc) Append(ctx context.Context, entries ...Entry) error { return f(ctx, entries...) }

var _ Log = LogFunc(nil)

// Recorder is what request handlers record accesses with. It fills in who
// and when, so a handler states only what happened.
type Recorder struct {
	Log Log
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Record appends entries, each completed as Complete completes it.
//
// Record returns once the entries are stored. A handler about to disclose
// personal data should refuse to when Record fails: an access that cannot
// be logged must not happen.
func (r *Recorder) Record(ctx context.Context, entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	entries, err := r.Complete(ctx, entries...)
	if err != nil {
		return err
	}
	if err := r.Log.Append(ctx, entries...); err != nil {
		return fmt.Errorf("record %s: %w", entries[0].Action, err)
	}
	return nil
}

// Complete returns entries completed as follows, for a caller that appends
// them itself, in the transaction of the change they record: an entry
// without a Kind gets the name and kind of the principal that ctx carries
// (principal.From), or Public when there is none; an entry with no
// Principal is attributed to its Kind (so Public or Person callers are
// logged as "public" or "person"); an entry without a Purpose gets the one
// ctx carries (WithPurpose); an entry without a time gets the current
// time. It fails when an entry is still not valid. The caller's slice stays
// as it was.
func (r *Recorder) Complete(ctx context.Context, entries ...Entry) ([]Entry, error) {
	entries = slices.Clone(entries)
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	at := now()
	p := principal.From(ctx)
	for i := range entries {
		e := &entries[i]
		if e.Kind == "" {
			e.Kind = Public
			if p != nil {
				e.Principal, e.Kind = p.Name, string(p.Kind)
			}
		}
		if e.Principal == "" {
			e.Principal = e.Kind
		}
		if e.Purpose == "" {
			e.Purpose = PurposeFrom(ctx)
		}
		if e.At.IsZero() {
			e.At = at
		}
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("record %s: %w", e.Action, err)
		}
	}
	return entries, nil
}

type purposeKey struct{}

// WithPurpose returns ctx carrying the purpose a caller states for its
// request (the X-Credex-Purpose header): the legal basis or authorisation
// it acts under. Record gives it to the entries that state none.
func WithPurpose(ctx context.Context, purpose string) context.Context {
	return context.WithValue(ctx, purposeKey{}, purpose)
}

// PurposeFrom returns the purpose ctx carries, or "".
func PurposeFrom(ctx context.Context) string {
	p, _ := ctx.Value(purposeKey{}).(string)
	return p
}
