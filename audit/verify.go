package audit

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"
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
	// ErrRewritten: an entry's hash is not the one a checkpoint recorded
	// for it, though the chain is consistent: it, or an entry before it,
	// was changed and every later hash recomputed.
	ErrRewritten = errors.New("entry rewritten")
)

// Checkpoint is a head of the chain kept outside the database: the hub
// writes one periodically (see hub.Config.AuditCheckpointInterval), and an
// operator may keep one (`credex audit verify --anchor`). The chain only
// grows, so the log must still hold entry Seq, with Hash: a log that ends
// before it lost its newest entries, even if the head in the database was
// moved back with them.
type Checkpoint struct {
	Head
	// At is when it was taken; zero when unknown.
	At time.Time
	// Where says where it was kept, such as "Kafka topic
	// credex.audit.checkpoints, offset 41"; errors name it.
	Where string
}

func (c Checkpoint) String() string {
	s := fmt.Sprintf("the checkpoint %d:%s", c.Seq, c.Hash)
	if !c.At.IsZero() {
		s += " taken " + c.At.UTC().Format(time.RFC3339)
	}
	if c.Where != "" {
		s += " (" + c.Where + ")"
	}
	return s
}

// ChainError is a break in the chain: where, and what.
type ChainError struct {
	// Seq is the first entry that is wrong (for ErrMissing and
	// ErrTruncated: the first one missing).
	Seq int64
	// Err is one of ErrAltered, ErrMissing, ErrUnlinked, ErrReordered,
	// ErrTruncated, ErrBeyondHead, ErrRewritten.
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
// Each checkpoint must be in the chain: entry Seq, with Hash. A checkpoint
// beyond the last entry is ErrTruncated, one whose entry has another hash
// ErrRewritten; either error names the checkpoint. Checkpoints of Seq 0
// (the empty chain) hold nothing and are ignored. Read the checkpoints
// before the head, so that none is newer than the head.
//
// Verify holds one entry at a time, so logs of any length can be streamed.
// Entries appended after the head was read must not be passed.
func Verify(entries iter.Seq2[Stored, error], head Head, checkpoints ...Checkpoint) (Head, error) {
	checkpoints = slices.DeleteFunc(slices.Clone(checkpoints), func(c Checkpoint) bool { return c.Seq <= 0 })
	slices.SortStableFunc(checkpoints, func(a, b Checkpoint) int { return cmp.Compare(a.Seq, b.Seq) })
	got, err := verify(entries, head, checkpoints)
	if err != nil {
		return got, err
	}
	if last := len(checkpoints) - 1; last >= 0 && checkpoints[last].Seq > got.Seq {
		c := checkpoints[last]
		return got, &ChainError{Seq: got.Seq + 1, Err: ErrTruncated,
			Detail: fmt.Sprintf("the log ends at %d, %s records %d entries", got.Seq, c, c.Seq)}
	}
	return got, nil
}

func verify(entries iter.Seq2[Stored, error], head Head, checkpoints []Checkpoint) (Head, error) {
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
		for len(checkpoints) > 0 && checkpoints[0].Seq == e.Seq {
			if c := checkpoints[0]; c.Hash != e.Hash {
				return prev, &ChainError{Seq: e.Seq, Err: ErrRewritten,
					Detail: fmt.Sprintf("its hash is %s, %s", e.Hash, c)}
			}
			checkpoints = checkpoints[1:]
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
