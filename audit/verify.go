package audit

import (
	"errors"
	"fmt"
	"iter"
)

// What Verify finds wrong; a *ChainError wraps one of them.
var (
	// ErrAltered: an entry's hash does not match its fields, or the
	// head's hash does not match the last entry's.
	ErrAltered = errors.New("entry altered")
	// ErrMissing: the sequence skips numbers; entries were removed.
	ErrMissing = errors.New("entries missing")
	// ErrUnlinked: an entry's PrevHash is not the hash of the entry
	// before it, so an entry was removed (and the rest renumbered) or
	// replaced.
	ErrUnlinked = errors.New("chain broken")
	// ErrReordered: entries are out of order, or swapped.
	ErrReordered = errors.New("entries reordered")
	// ErrTruncated: the log ends before the head says it does.
	ErrTruncated = errors.New("log truncated")
	// ErrBeyondHead: the log goes on after the head says it ends.
	ErrBeyondHead = errors.New("entries beyond the head")
)

// ChainError is a break in the chain: where, and what.
type ChainError struct {
	// Seq is the first entry that is wrong (for ErrMissing and
	// ErrTruncated: the first one missing).
	Seq int64
	// Err is one of ErrAltered, ErrMissing, ErrUnlinked, ErrReordered,
	// ErrTruncated, ErrBeyondHead.
	Err error
	// Detail says what was found.
	Detail string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit log entry %d: %v: %s", e.Seq, e.Err, e.Detail)
}

func (e *ChainError) Unwrap() error { return e.Err }

// Verify checks a log, given its entries in the order of their Seq and the
// head the log records, and returns the head it verified. Each entry must
// carry the next Seq from 1, link to the entry before by PrevHash and hash
// to its own Hash (Stored.Sum); the last must be the head. The first break
// is returned as a *ChainError; an error of the iterator itself is returned
// wrapped as it is.
//
// Verify holds one entry at a time, so logs of any length can be streamed.
// Entries appended after the head was read must not be passed.
func Verify(entries iter.Seq2[Stored, error], head Head) (Head, error) {
	var (
		prev    Head    // the last good entry
		pending *Stored // an entry that did not link to prev
	)
	for e, err := range entries {
		if err != nil {
			return prev, fmt.Errorf("read audit log: %w", err)
		}
		if pending != nil {
			// An entry that does not link to its predecessor is either
			// a replacement (or renumbered after a removal), or out of
			// place: then the entry after it links where it should have.
			if e.PrevHash == prev.Hash && e.Hash == (Stored{Entry: e.Entry, Seq: pending.Seq, PrevHash: e.PrevHash}).Sum() {
				return prev, &ChainError{Seq: pending.Seq, Err: ErrReordered,
					Detail: fmt.Sprintf("entry %d holds the entry that belongs at %d", e.Seq, pending.Seq)}
			}
			return prev, unlinked(*pending, prev)
		}
		switch want := prev.Seq + 1; {
		case e.Seq > want:
			return prev, &ChainError{Seq: want, Err: ErrMissing,
				Detail: fmt.Sprintf("the log goes from %d to %d", prev.Seq, e.Seq)}
		case e.Seq < want:
			return prev, &ChainError{Seq: e.Seq, Err: ErrReordered,
				Detail: fmt.Sprintf("entry %d comes after entry %d", e.Seq, prev.Seq)}
		case e.Seq > head.Seq:
			return prev, &ChainError{Seq: e.Seq, Err: ErrBeyondHead,
				Detail: fmt.Sprintf("the head records %d entries", head.Seq)}
		case e.PrevHash != prev.Hash:
			pending = &e
			continue
		case e.Sum() != e.Hash:
			return prev, &ChainError{Seq: e.Seq, Err: ErrAltered,
				Detail: "its fields do not hash to its stored hash " + e.Hash}
		}
		prev = e.Head()
	}
	if pending != nil {
		return prev, unlinked(*pending, prev)
	}
	switch {
	case prev.Seq < head.Seq:
		return prev, &ChainError{Seq: prev.Seq + 1, Err: ErrTruncated,
			Detail: fmt.Sprintf("the log ends at %d, the head records %d entries", prev.Seq, head.Seq)}
	case prev.Hash != head.Hash:
		return prev, &ChainError{Seq: prev.Seq, Err: ErrAltered,
			Detail: fmt.Sprintf("the head records hash %s, the entry has %s", head.Hash, prev.Hash)}
	}
	return prev, nil
}

func unlinked(e Stored, prev Head) *ChainError {
	return &ChainError{Seq: e.Seq, Err: ErrUnlinked,
		Detail: fmt.Sprintf("its prev_hash %q is not the hash %q of entry %d: an entry was removed or replaced", e.PrevHash, prev.Hash, prev.Seq)}
}
