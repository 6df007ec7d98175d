package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"github.com/credex/credex/api"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/store"
)

// The repair application the fake holds, submitted for the fake store's
// record, and its tracking token.
const (
	repairID    = "rpr_repairrepairrepairrepairre"
	repairToken = "rpt_exampletrackingtokenexampletracking"
)

// fakeRepairs is an api.Repairs in memory: one submitted application, and a
// red list entry about nobody the tests name.
type fakeRepairs struct {
	mu      sync.Mutex
	repairs []*store.Repair
	files   []store.RepairFile
}

var _ api.Repairs = (*fakeRepairs)(nil)

func newFakeRepairs(recordID, department string, at time.Time) *fakeRepairs {
	sum := sha256.Sum256([]byte(repairToken))
	proof := []lifecycle.Attachment{{Name: "receipt.pdf", MediaType: "application/pdf", Size: 9}}
	commitment := []lifecycle.Attachment{{Name: "commitment.pdf", MediaType: "application/pdf", Size: 9}}
	return &fakeRepairs{
		repairs: []*store.Repair{{
			Repair: lifecycle.Repair{ID: repairID, RecordID: recordID, Proof: proof, Commitment: commitment,
				Status: lifecycle.Submitted, SubmittedAt: at, ReviewBy: at.AddDate(0, 0, 14)},
			RecordType: "administrative_penalty", Department: department,
			Statement: "The fine was paid in full.", TokenHash: hex.EncodeToString(sum[:]),
		}},
		files: []store.RepairFile{
			{List: "proof", Position: 0, Name: "receipt.pdf", MediaType: "application/pdf", Content: []byte("%PDF-1.4\n")},
			{List: "commitment", Position: 0, Name: "commitment.pdf", MediaType: "application/pdf", Content: []byte("%PDF-1.4\n")},
		},
	}
}

func (f *fakeRepairs) RecordDisplay(context.Context, string) (*store.RecordDisplay, error) {
	return nil, store.ErrNotFound
}

func (f *fakeRepairs) CreateRepair(context.Context, *store.Repair, []store.RepairFile) error {
	return store.ErrRepairPending
}

func (f *fakeRepairs) Repair(_ context.Context, id string) (*store.Repair, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.repairs {
		if r.ID == id {
			c := *r
			return &c, nil
		}
	}
	return nil, store.ErrNotFound
}

func (f *fakeRepairs) Repairs(_ context.Context, q store.RepairQuery) ([]store.Repair, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Repair
	for _, r := range f.repairs {
		if (q.Department == "" || r.Department == q.Department) && (q.Status == "" || r.Status == q.Status) &&
			(q.OverdueAt.IsZero() || r.Overdue(q.OverdueAt)) {
			out = append(out, *r)
		}
	}
	return out, nil
}

func (f *fakeRepairs) DecideRepair(_ context.Context, id string, decide func(*store.Ledger, *store.Repair) error) (*store.Repair, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.repairs {
		if r.ID == id {
			c := *r
			if err := decide(nil, &c); err != nil {
				return nil, err
			}
			*r = c
			return &c, nil
		}
	}
	return nil, store.ErrNotFound
}

func (f *fakeRepairs) RepairFile(_ context.Context, id, list string, position int) (*store.RepairFile, error) {
	i := slices.IndexFunc(f.files, func(file store.RepairFile) bool { return file.List == list && file.Position == position })
	if id != repairID || i < 0 {
		return nil, store.ErrNotFound
	}
	return &f.files[i], nil
}

func (f *fakeRepairs) OverdueRepairs(_ context.Context, t time.Time) (int, error) {
	rs, _ := f.Repairs(context.Background(), store.RepairQuery{OverdueAt: t})
	return len(rs), nil
}

func (f *fakeRepairs) ListEntries(context.Context, string, []string, time.Time) ([]store.ListEntry, error) {
	return []store.ListEntry{}, nil
}
