package audit_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
)

var t0 = time.Date(2025, 3, 1, 9, 30, 0, 123456789, time.UTC)

func entry(i int) audit.Entry {
	return audit.Entry{At: t0.Add(time.Duration(i) * time.Second), Principal: "credit-bureau", Kind: "agency",
		Action: audit.RecordRead, Resource: "rec_" + string(rune('a'+i)), Subject: "subj", Purpose: "LB-2025-7", Result: audit.OK}
}

// chain returns a chain of n entries and its head.
func chain(n int) ([]audit.Stored, audit.Head) {
	var head audit.Head
	var out []audit.Stored
	for i := range n {
		s := head.Next(entry(i))
		out = append(out, s)
		head = s.Head()
	}
	return out, head
}

func TestSumChangesWithEveryField(t *testing.T) {
	t.Parallel()
	base, _ := chain(2)
	b := base[1]
	for name, change := range map[string]func(*audit.Stored){
		"seq":       func(s *audit.Stored) { s.Seq++ },
		"at":        func(s *audit.Stored) { s.At = s.At.Add(time.Microsecond) },
		"principal": func(s *audit.Stored) { s.Principal += "x" },
		"kind":      func(s *audit.Stored) { s.Kind = "department" },
		"action":    func(s *audit.Stored) { s.Action = audit.PublicQuery },
		"resource":  func(s *audit.Stored) { s.Resource = "" },
		"subject":   func(s *audit.Stored) { s.Subject = "other" },
		"purpose":   func(s *audit.Stored) { s.Purpose = "LB-2025-8" },
		"result":    func(s *audit.Stored) { s.Result = audit.Refused },
		"prev_hash": func(s *audit.Stored) { s.PrevHash = strings.Repeat("0", 64) },
		// Length prefixes: moving bytes from one field to the next matters.
		"boundary": func(s *audit.Stored) { s.Principal, s.Kind = "credit-bureauagenc", "y" },
	} {
		s := b
		change(&s)
		if s.Sum() == b.Hash {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
	if b.Sum() != b.Hash {
		t.Error("Sum of an unchanged entry differs from its Hash")
	}
}

// TestSumIsPinned fixes the canonical encoding: a change of it must be a
// new hash version, or every stored log would stop verifying.
func TestSumIsPinned(t *testing.T) {
	t.Parallel()
	s := audit.Head{}.Next(entry(0))
	if s.At != time.Date(2025, 3, 1, 9, 30, 0, 123456000, time.UTC) {
		t.Errorf("Next kept At = %v, want it truncated to microseconds", s.At)
	}
	const want = "7cf3c80f3454ade46e29af4206b6bf602c612f8fa5de397f9e56778fa24eb985" // as the doc of Sum describes, computed independently
	if s.Hash != want {
		t.Errorf("hash of the first entry = %s, want %s", s.Hash, want)
	}
}

func TestNextLinksEntries(t *testing.T) {
	t.Parallel()
	entries, head := chain(3)
	for i, e := range entries {
		if e.Seq != int64(i+1) {
			t.Errorf("entry %d has seq %d", i, e.Seq)
		}
		if i > 0 && e.PrevHash != entries[i-1].Hash {
			t.Errorf("entry %d does not link to the one before", e.Seq)
		}
	}
	if entries[0].PrevHash != "" || head != entries[2].Head() {
		t.Errorf("first prev_hash %q, head %+v", entries[0].PrevHash, head)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tamper func(log []audit.Stored, head audit.Head) ([]audit.Stored, audit.Head)
		want   error // nil: intact
		seq    int64
	}{
		{name: "intact"},
		{name: "field changed", want: audit.ErrAltered, seq: 3,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				l[2].Purpose = "none"
				return l, h
			}},
		{name: "hash recomputed after a change", want: audit.ErrUnlinked, seq: 4,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				l[2].Result = audit.Refused
				l[2].Hash = l[2].Sum()
				return l, h
			}},
		{name: "middle entry removed", want: audit.ErrMissing, seq: 3,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				return slices.Delete(l, 2, 3), h
			}},
		{name: "first entry removed", want: audit.ErrMissing, seq: 1,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				return l[1:], h
			}},
		{name: "entry removed, rest renumbered", want: audit.ErrUnlinked, seq: 3,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				l = slices.Delete(l, 2, 3)
				for i := 2; i < len(l); i++ {
					l[i].Seq--
				}
				return l, audit.Head{Seq: h.Seq - 1, Hash: h.Hash}
			}},
		{name: "two entries swapped", want: audit.ErrReordered, seq: 2,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				l[1], l[2] = l[2], l[1]
				l[1].Seq, l[2].Seq = 2, 3
				return l, h
			}},
		{name: "two entries swapped, last one included", want: audit.ErrReordered, seq: 4,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				l[3], l[4] = l[4], l[3]
				l[3].Seq, l[4].Seq = 4, 5
				return l, h
			}},
		{name: "fields swapped, hashes left", want: audit.ErrAltered, seq: 2,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				l[1].Entry, l[2].Entry = l[2].Entry, l[1].Entry
				return l, h
			}},
		{name: "out of order", want: audit.ErrReordered, seq: 2,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				return []audit.Stored{l[0], l[1], l[1]}, h
			}},
		{name: "tail cut off", want: audit.ErrTruncated, seq: 5,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				return l[:4], h
			}},
		{name: "everything removed", want: audit.ErrTruncated, seq: 1,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				return nil, h
			}},
		{name: "last entry replaced", want: audit.ErrAltered, seq: 5,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				l[4] = audit.Head{Seq: 4, Hash: l[3].Hash}.Next(entry(9))
				return l, h
			}},
		{name: "entry beyond the head", want: audit.ErrBeyondHead, seq: 6,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				return append(l, h.Next(entry(5))), h
			}},
		{name: "empty log", tamper: func([]audit.Stored, audit.Head) ([]audit.Stored, audit.Head) {
			return nil, audit.Head{}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log, head := chain(5)
			if tt.tamper != nil {
				log, head = tt.tamper(log, head)
			}
			got, err := audit.Verify(stream(log), head)
			if tt.want == nil {
				if err != nil || got != head {
					t.Fatalf("Verify = %+v, %v; want %+v, nil", got, err, head)
				}
				return
			}
			var ce *audit.ChainError
			if !errors.Is(err, tt.want) || !errors.As(err, &ce) || ce.Seq != tt.seq {
				t.Fatalf("Verify: %v; want %v at entry %d", err, tt.want, tt.seq)
			}
			if !strings.HasPrefix(err.Error(), "audit log entry ") {
				t.Errorf("error %q does not start by naming the entry", err)
			}
		})
	}
}

func TestVerifyPassesOnReadErrors(t *testing.T) {
	t.Parallel()
	down := errors.New("connection reset")
	entries := func(yield func(audit.Stored, error) bool) { yield(audit.Stored{}, down) }
	if _, err := audit.Verify(entries, audit.Head{Seq: 3}); !errors.Is(err, down) {
		t.Fatalf("Verify = %v, want the read error", err)
	}
}

func stream(l []audit.Stored) iter.Seq2[audit.Stored, error] {
	return func(yield func(audit.Stored, error) bool) {
		for _, e := range l {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// memLog is a Log that keeps what it was given.
type memLog struct{ got []audit.Entry }

func (m *memLog) Append(_ context.Context, entries ...audit.Entry) error {
	m.got = append(m.got, entries...)
	return nil
}

func TestRecorderFillsWhoAndWhen(t *testing.T) {
	t.Parallel()
	agency := &principal.Principal{Kind: principal.Agency, Name: "credit-bureau"}
	tests := []struct {
		name      string
		ctx       context.Context
		in        audit.Entry
		who, kind string
		at        time.Time
	}{
		{"authenticated", principal.With(context.Background(), agency), audit.Entry{Action: audit.RecordRead, Result: audit.OK},
			"credit-bureau", "agency", t0},
		{"no key", context.Background(), audit.Entry{Action: audit.PublicQuery, Result: audit.OK},
			"public", "public", t0},
		{"the person", context.Background(), audit.Entry{Kind: audit.Person, Action: audit.ObjectionFiled, Result: audit.OK},
			"person", "person", t0},
		{"own time", principal.With(context.Background(), agency), audit.Entry{At: t0.Add(-time.Hour), Action: audit.RecordRead, Result: audit.OK},
			"credit-bureau", "agency", t0.Add(-time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log := &memLog{}
			r := &audit.Recorder{Log: log, Now: func() time.Time { return t0 }}
			in := []audit.Entry{tt.in}
			if err := r.Record(tt.ctx, in...); err != nil {
				t.Fatal(err)
			}
			got := log.got[0]
			if got.Principal != tt.who || got.Kind != tt.kind || !got.At.Equal(tt.at) {
				t.Errorf("recorded %s (%s) at %v; want %s (%s) at %v", got.Principal, got.Kind, got.At, tt.who, tt.kind, tt.at)
			}
			if in[0] != tt.in {
				t.Error("Record changed the caller's entry")
			}
		})
	}
}

func TestRecorderFillsPurposeFromContext(t *testing.T) {
	t.Parallel()
	log := &memLog{}
	r := &audit.Recorder{Log: log}
	ctx := audit.WithPurpose(context.Background(), "LB-2025-7")
	if err := r.Record(ctx, audit.Entry{Action: audit.RecordRead, Result: audit.OK},
		audit.Entry{Action: audit.SubscriptionDelivered, Purpose: "sub_1", Result: audit.OK}); err != nil {
		t.Fatal(err)
	}
	if log.got[0].Purpose != "LB-2025-7" || log.got[1].Purpose != "sub_1" {
		t.Errorf("purposes %q, %q; want the context's, then the entry's own", log.got[0].Purpose, log.got[1].Purpose)
	}
}

func TestRecorderRefusesIncompleteEntries(t *testing.T) {
	t.Parallel()
	log := &memLog{}
	r := &audit.Recorder{Log: log}
	for _, e := range []audit.Entry{
		{Result: audit.OK},
		{Action: audit.RecordRead},
		{Kind: "stranger", Action: audit.RecordRead, Result: audit.OK},
	} {
		if err := r.Record(context.Background(), e); !errors.Is(err, audit.ErrInvalidEntry) {
			t.Errorf("Record(%+v) = %v, want ErrInvalidEntry", e, err)
		}
	}
	if len(log.got) != 0 {
		t.Errorf("%d invalid entries reached the log", len(log.got))
	}
}

func TestSubjectIsTheHubsKeyedHash(t *testing.T) {
	t.Parallel()
	key := []byte("test-subject-key-0123456789")
	const id = "11010519491231002X"
	want := record.SubjectKey(key, id)
	for _, in := range []string{id, " 11010519491231002x "} {
		got := audit.Subject(key, in)
		if got != want {
			t.Errorf("Subject(%q) = %s, want %s, the hub's subject key", in, got, want)
		}
		if strings.Contains(got, "11010519491231") {
			t.Errorf("Subject(%q) contains the number", in)
		}
	}
	if audit.Subject([]byte("another-key-0123456789"), id) == want {
		t.Error("Subject does not depend on the key")
	}
}

// TestNextBoundsFields: a caller's 900 KB path becomes a resource of at most
// MaxField bytes that names the original's length and hash, and the chain
// verifies as stored.
func TestNextBoundsFields(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("a", 900<<10)
	e := entry(0)
	e.Resource = huge
	e.Purpose = strings.Repeat("因", 2000) // cut inside a character would be invalid UTF-8
	s := audit.Head{}.Next(e)
	for name, f := range map[string]string{"resource": s.Resource, "purpose": s.Purpose} {
		if len(f) > audit.MaxField || !utf8.ValidString(f) {
			t.Errorf("%s: %d bytes, valid UTF-8 %t; want at most %d bytes of UTF-8", name, len(f), utf8.ValidString(f), audit.MaxField)
		}
	}
	sum := sha256.Sum256([]byte(huge))
	if !strings.HasPrefix(s.Resource, "aaaa") || !strings.HasSuffix(s.Resource, fmt.Sprintf("…[truncated: %d bytes, sha256 %x]", len(huge), sum)) {
		t.Errorf("resource %q, want its start and a marker with its length and hash", s.Resource[len(s.Resource)-120:])
	}
	if _, err := audit.Verify(stream([]audit.Stored{s}), s.Head()); err != nil {
		t.Errorf("a bounded entry does not verify: %v", err)
	}
	if e.Resource != huge {
		t.Error("Next changed the caller's entry")
	}

	e = entry(0)
	e.Resource = "rec_\x00\xff"
	if got := (audit.Head{}).Next(e).Resource; got != "rec_\uFFFD\uFFFD" {
		t.Errorf("resource with NUL and invalid UTF-8 stored as %q, want U+FFFD for each", got)
	}
	e.Resource = strings.Repeat("b", audit.MaxField)
	if got := (audit.Head{}).Next(e).Resource; got != e.Resource {
		t.Error("a field of exactly MaxField bytes was changed")
	}
}

// TestVerifyAgainstCheckpoints: a checkpoint kept outside the database
// catches the newest entries cut off with the head moved back, and a tail
// rewritten with every hash recomputed; both errors name the checkpoint.
func TestVerifyAgainstCheckpoints(t *testing.T) {
	t.Parallel()
	const where = "Kafka topic credex.audit.checkpoints, offset 3"
	log, head := chain(6)
	at := func(seq int) audit.Checkpoint {
		return audit.Checkpoint{Head: log[seq-1].Head(), At: t0, Where: where}
	}
	tests := []struct {
		name        string
		tamper      func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head)
		checkpoints []audit.Checkpoint
		want        error
		seq         int64
	}{
		{name: "intact", checkpoints: []audit.Checkpoint{at(3), at(6)}},
		{name: "appended since the checkpoint", checkpoints: []audit.Checkpoint{at(4)}},
		{name: "empty chain checkpoint ignored", checkpoints: []audit.Checkpoint{{}}},
		{name: "newest entries cut, head moved back", checkpoints: []audit.Checkpoint{at(2), at(6)},
			want: audit.ErrTruncated, seq: 5,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) { return l[:4], l[3].Head() }},
		{name: "every entry cut, head reset", checkpoints: []audit.Checkpoint{at(6)},
			want: audit.ErrTruncated, seq: 1,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) { return nil, audit.Head{} }},
		{name: "tail rewritten consistently", checkpoints: []audit.Checkpoint{at(5), at(2)},
			want: audit.ErrRewritten, seq: 5,
			tamper: func(l []audit.Stored, h audit.Head) ([]audit.Stored, audit.Head) {
				head := l[2].Head()
				for i := 3; i < len(l); i++ {
					e := l[i].Entry
					if i == 3 {
						e.Result = audit.Refused
					}
					l[i] = head.Next(e)
					head = l[i].Head()
				}
				return l, head
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, h := slices.Clone(log), head
			if tt.tamper != nil {
				l, h = tt.tamper(l, h)
			}
			got, err := audit.Verify(stream(l), h, tt.checkpoints...)
			if tt.want == nil {
				if err != nil || got != h {
					t.Fatalf("Verify = %+v, %v; want %+v, nil", got, err, h)
				}
				return
			}
			var ce *audit.ChainError
			if !errors.Is(err, tt.want) || !errors.As(err, &ce) || ce.Seq != tt.seq {
				t.Fatalf("Verify: %v; want %v at entry %d", err, tt.want, tt.seq)
			}
			if !strings.Contains(err.Error(), where) || !strings.Contains(err.Error(), "checkpoint") {
				t.Errorf("error %q does not name the checkpoint", err)
			}
		})
	}
}
