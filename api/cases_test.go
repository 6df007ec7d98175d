package api_test

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"github.com/credex/credex/api"
	"github.com/credex/credex/casework"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/store"
)

// The cases the fake holds, filed about the fake store's record, and their
// tracking tokens.
const (
	objectionID    = "obj_objectionobjectionobjecti"
	objectionToken = "otk_exampletrackingtokenexampletrackingtokenexampl"
	repairID       = "rpr_repairrepairrepairrepairre"
	repairToken    = "rpt_exampletrackingtokenexampletrackingtokenexampl"
)

// fakeCases is a casework.Store in memory, and an api.Lists: an accepted
// objection and a submitted repair application about the fake store's
// record, and no list entry.
type fakeCases struct {
	*fakeStore
	mu         sync.Mutex
	objections []*store.Objection
	repairs    []*store.Repair
	files      []store.RepairFile
}

var (
	_ casework.Store = (*fakeCases)(nil)
	_ api.Lists      = (*fakeCases)(nil)
)

func hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newFakeCases(st *fakeStore, recordID, department string, at time.Time) *fakeCases {
	proof := []lifecycle.Attachment{{Name: "receipt.pdf", MediaType: "application/pdf", Size: 9}}
	commitment := []lifecycle.Attachment{{Name: "commitment.pdf", MediaType: "application/pdf", Size: 9}}
	return &fakeCases{
		fakeStore: st,
		objections: []*store.Objection{{
			Objection: lifecycle.Objection{ID: objectionID, RecordID: recordID, Grounds: lifecycle.GroundsError,
				Statement: "The fine is wrong.", Status: lifecycle.Accepted, FiledAt: at, AcceptBy: at.AddDate(0, 0, 2),
				AcceptedAt: at, DecideBy: at.AddDate(0, 0, 14)},
			Department: department, TokenHash: hash(objectionToken),
		}},
		repairs: []*store.Repair{{
			Repair: lifecycle.Repair{ID: repairID, RecordID: recordID, Proof: proof, Commitment: commitment,
				Status: lifecycle.Submitted, SubmittedAt: at, ReviewBy: at.AddDate(0, 0, 14)},
			RecordType: "administrative_penalty", Department: department,
			Statement: "The fine was paid in full.", TokenHash: hash(repairToken),
		}},
		files: []store.RepairFile{
			{List: "proof", Position: 0, Name: "receipt.pdf", MediaType: "application/pdf", Content: []byte("%PDF-1.4\n")},
			{List: "commitment", Position: 0, Name: "commitment.pdf", MediaType: "application/pdf", Content: []byte("%PDF-1.4\n")},
		},
	}
}

func (f *fakeCases) RecordDisplay(context.Context, string) (*store.RecordDisplay, error) {
	return nil, store.ErrNotFound
}

func (f *fakeCases) FileObjection(context.Context, *store.Objection, func(*store.Ledger) error) error {
	return store.ErrCaseOpen
}

func (f *fakeCases) Objection(_ context.Context, id string) (*store.Objection, error) {
	return find(&f.mu, f.objections, func(o *store.Objection) bool { return o.ID == id })
}

func (f *fakeCases) Objections(_ context.Context, q store.CaseQuery) ([]store.Objection, error) {
	return selectCases(&f.mu, f.objections, q, func(o *store.Objection) (string, lifecycle.Status, store.CaseKey, bool) {
		return o.Department, o.Status, store.CaseKey{Filed: o.FiledAt, ID: o.ID}, o.Overdue(q.OverdueAt)
	}), nil
}

func (f *fakeCases) MoveObjection(context.Context, string, func(*store.Ledger, *store.Objection) error) error {
	return store.ErrNotFound
}

func (f *fakeCases) FileRepair(context.Context, *store.Repair, []store.RepairFile) error {
	return store.ErrCaseOpen
}

func (f *fakeCases) Repair(_ context.Context, id string) (*store.Repair, error) {
	return find(&f.mu, f.repairs, func(r *store.Repair) bool { return r.ID == id })
}

func (f *fakeCases) Repairs(_ context.Context, q store.CaseQuery) ([]store.Repair, error) {
	return selectCases(&f.mu, f.repairs, q, func(r *store.Repair) (string, lifecycle.Status, store.CaseKey, bool) {
		return r.Department, r.Status, store.CaseKey{Filed: r.SubmittedAt, ID: r.ID}, r.Overdue(q.OverdueAt)
	}), nil
}

func (f *fakeCases) MoveRepair(_ context.Context, id string, move func(*store.Ledger, *store.Repair) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.repairs {
		if r.ID == id {
			c := *r
			if err := move(nil, &c); err != nil {
				return err
			}
			*r = c
			return nil
		}
	}
	return store.ErrNotFound
}

func (f *fakeCases) RepairFile(_ context.Context, id, list string, position int) (*store.RepairFile, error) {
	i := slices.IndexFunc(f.files, func(file store.RepairFile) bool { return file.List == list && file.Position == position })
	if id != repairID || i < 0 {
		return nil, store.ErrNotFound
	}
	return &f.files[i], nil
}

func (f *fakeCases) CountOverdue(ctx context.Context, t time.Time) (store.OverdueCount, error) {
	os, _ := f.Objections(ctx, store.CaseQuery{OverdueAt: t})
	rs, _ := f.Repairs(ctx, store.CaseQuery{OverdueAt: t})
	return store.OverdueCount{Objections: len(os), Repairs: len(rs)}, nil
}

func (f *fakeCases) EscalateCases(context.Context, time.Time) ([]store.OverdueCase, error) {
	return nil, nil
}

func (f *fakeCases) ListEntries(context.Context, string, []string, time.Time) ([]store.ListEntry, error) {
	return []store.ListEntry{}, nil
}

// find returns a copy of the first case that is, or store.ErrNotFound.
func find[C any](mu *sync.Mutex, cases []*C, is func(*C) bool) (*C, error) {
	mu.Lock()
	defer mu.Unlock()
	for _, c := range cases {
		if is(c) {
			cp := *c
			return &cp, nil
		}
	}
	return nil, store.ErrNotFound
}

// selectCases returns what q selects of cases, as the store does, with the
// department, status, place and lateness of each.
func selectCases[C any](mu *sync.Mutex, cases []*C, q store.CaseQuery, of func(*C) (string, lifecycle.Status, store.CaseKey, bool)) []C {
	mu.Lock()
	defer mu.Unlock()
	var out []C
	for _, c := range cases {
		department, status, key, late := of(c)
		after := q.After.Filed.IsZero() || cmp.Or(key.Filed.Compare(q.After.Filed), cmp.Compare(key.ID, q.After.ID)) > 0
		if (q.Department == "" || department == q.Department) && (len(q.Statuses) == 0 || slices.Contains(q.Statuses, status)) &&
			(q.OverdueAt.IsZero() || late) && after && (q.Limit == 0 || len(out) < q.Limit) {
			out = append(out, *c)
		}
	}
	return out
}
