package api_test

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
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
	objectionToken = "otk_exampletrackingtokenexampletrackingtokenexamplet"
	repairID       = "rpr_repairrepairrepairrepairre"
	repairToken    = "rpt_exampletrackingtokenexampletrackingtokenexamplet"
)

// fakeCases is a casework.Store in memory, and an api.Lists: an accepted
// objection, a decided one filed a day later, and a submitted repair
// application about the fake store's record, and no list entry.
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
		}, {
			Objection: lifecycle.Objection{ID: "obj_decideddecideddecideddecid", RecordID: recordID, Grounds: lifecycle.GroundsOmission,
				Statement: "A payment is missing.", Status: lifecycle.Decided, FiledAt: at.AddDate(0, 0, 1), AcceptBy: at.AddDate(0, 0, 3),
				AcceptedAt: at.AddDate(0, 0, 1), DecideBy: at.AddDate(0, 0, 15), ClosedAt: at.AddDate(0, 0, 2),
				Outcome: lifecycle.Upheld, Reason: "The record is right."},
			Department: department, TokenHash: hash("otk_another"),
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

func (f *fakeCases) ObjectionEvidence(context.Context, string, int) ([]byte, error) {
	return nil, store.ErrNotFound
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

// TestOpenAPIDescribesCases asks the handler for every operation on
// objections and repair applications that the fake can answer, and checks
// every answer against the documented schema and code.
func TestOpenAPIDescribesCases(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// do sends c for the operation of path; body, when not nil, is
	// encoded as JSON.
	do := func(path string, c call, body any) map[string]any {
		t.Helper()
		if body != nil {
			raw, _ := json.Marshal(body)
			c.body = string(raw)
		}
		return b.answer(t, path, c)
	}
	const (
		objections = "/v1/objections"
		objection  = "/v1/objections/{id}"
		repairs    = "/v1/repairs"
		repair     = "/v1/repairs/{id}"
		file       = "/v1/repairs/{id}/files/{list}/{position}"
		decision   = "/v1/repairs/{id}/decision"
	)

	// Lists, in pages.
	first := do(objections, call{"GET", objections + "?limit=1", departmentKey, "", 200, ""}, nil)
	next, _ := first["next"].(string)
	if len(first["objections"].([]any)) != 1 || next == "" {
		t.Fatalf("the first page of one: %v, want one objection and a next", first)
	}
	last := do(objections, call{"GET", objections + "?limit=1&after=" + next, departmentKey, "", 200, ""}, nil)
	if got := last["objections"].([]any); len(got) != 1 || got[0].(map[string]any)["outcome"] != "upheld" || last["next"] != "" {
		t.Errorf("the second page of one: %v, want the decided objection and no next", last)
	}
	if open := do(objections, call{"GET", objections + "?status=open&overdue=false", operatorKey, "", 200, ""}, nil); len(open["objections"].([]any)) != 1 {
		t.Errorf("open objections: %v, want one", open)
	}
	do(repairs, call{"GET", repairs + "?status=open&limit=10", operatorKey, "", 200, ""}, nil)
	for _, c := range []struct{ query, pointer string }{
		{"?status=pending", "/status"}, {"?overdue=maybe", "/overdue"}, {"?limit=0", "/limit"}, {"?after=x", "/after"},
		{"?status=", "/status"}, {"?overdue=", "/overdue"}, {"?limit=", "/limit"}, {"?limit=4294967296", "/limit"},
		{"?after=1.", "/after"}, {"?after=1772416800000000", "/after"}, {"?after=1000000000000000000.obj_x", "/after"},
		{"?after=" + url.QueryEscape("1772416800000000.obj_X"), "/after"},
	} {
		for _, path := range []string{objections, repairs} {
			if v := do(path, call{"GET", path + c.query, departmentKey, "", 400, "invalid_parameter"}, nil); v["pointer"] != c.pointer {
				t.Errorf("GET %s%s: pointer %v, want %s", path, c.query, v["pointer"], c.pointer)
			}
		}
	}
	// A cursor of the documented form reads on from where it says, whether
	// or not a page ended there.
	for _, after := range []string{"", "0.a", "999999999999999999.obj_zzzzzzzzzzzzzzzzzzzzzzzz", "1772416800000000.rpr_repairrepairrepairrepairre"} {
		do(repairs, call{"GET", repairs + "?after=" + after, departmentKey, "", 200, ""}, nil)
	}
	do(objections, call{"GET", objections, agencyKey, "", 403, "not_a_department"}, nil)
	do(repairs, call{"GET", repairs, maintainerKey, "", 403, "not_a_department"}, nil)

	// One case, by its tracking token as bearer or parameter, or by key.
	do(objection, call{"GET", objections + "/" + objectionID, objectionToken, "", 200, ""}, nil)
	do(objection, call{"GET", objections + "/" + objectionID + "?token=" + objectionToken, "", "", 200, ""}, nil)
	do(objection, call{"GET", objections + "/" + objectionID, agencyKey, "", 404, "objection_not_found"}, nil)
	do(repair, call{"GET", repairs + "/" + repairID + "?token=" + repairToken, "", "", 200, ""}, nil)
	do(repair, call{"GET", repairs + "/" + repairID, departmentKey, "", 200, ""}, nil)
	// Another case's token, or no key at all, is a bad credential, whether
	// or not the case exists; a principal that may not see it is told it
	// does not.
	do(repair, call{"GET", repairs + "/" + repairID + "?token=" + objectionToken, "", "", 401, "invalid_credentials"}, nil)
	do(repair, call{"GET", repairs + "/rpr_nosuchrepair", "not-a-key", "", 401, "invalid_credentials"}, nil)
	do(objection, call{"GET", objections + "/obj_nosuchobjection", "not-a-key", "", 401, "invalid_credentials"}, nil)
	do(repair, call{"GET", repairs + "/rpr_nosuchrepair", operatorKey, "", 404, "repair_not_found"}, nil)
	do(file, call{"GET", repairs + "/" + repairID + "/files/proof/0?token=" + repairToken, "", "", 200, ""}, nil)
	do(file, call{"GET", repairs + "/" + repairID + "/files/proof/7", operatorKey, "", 404, "file_not_found"}, nil)
	for _, c := range []struct{ path, pointer string }{
		{"/files/other/0", "/list"}, {"/files/proof/10", "/position"}, {"/files/proof/4294967296", "/position"},
		{"/files/proof/-1", "/position"}, {"/files/proof/first", "/position"},
	} {
		if v := do(file, call{"GET", repairs + "/" + repairID + c.path, operatorKey, "", 400, "invalid_parameter"}, nil); v["pointer"] != c.pointer {
			t.Errorf("GET %s: pointer %v, want %s", c.path, v["pointer"], c.pointer)
		}
	}

	// Filings: by a person with their ID token only; the fake refuses the
	// rest, as it knows no record's subject.
	person := b.token(t, exampleName, exampleIDNumber)
	for _, path := range []string{objections, repairs} {
		example := b.lookup("#/paths/" + strings.ReplaceAll(path, "/", "~1") + "/post/requestBody/content/application~1json/example")
		do(path, call{"POST", path, "", "", 401, "person_token_required"}, example)
		do(path, call{"POST", path, agencyKey, "", 403, "not_a_person"}, example)
		do(path, call{"POST", path, "not.an.idtoken", "", 401, "invalid_person_token"}, example)
		do(path, call{"POST", path, person, "", 404, "not_the_subject"}, example)
		do(path, call{"POST", path, person, "", 400, ""}, map[string]any{"record_id": "x"})
	}

	// Decisions.
	do(decision, call{"POST", repairs + "/" + repairID + "/decision", agencyKey, "", 403, "not_a_department"}, map[string]any{"outcome": "refused"})
	do(decision, call{"POST", repairs + "/" + repairID + "/decision", departmentKey, "", 400, "invalid_outcome"}, map[string]any{"outcome": "maybe"})
	do(decision, call{"POST", repairs + "/" + repairID + "/decision", departmentKey, "", 400, "invalid_decision"}, map[string]any{"outcome": "refused"})
	do(decision, call{"POST", repairs + "/" + repairID + "/decision", departmentKey, "", 200, ""},
		map[string]any{"outcome": "refused", "reasons": []string{"未提交罚款缴纳凭证"}})
	do(decision, call{"POST", repairs + "/" + repairID + "/decision", departmentKey, "", 409, "repair_decided"},
		map[string]any{"outcome": "refused", "reasons": []string{"again"}})
	do("/v1/objections/{id}/decision", call{"POST", objections + "/" + objectionID + "/decision", agencyKey, "", 404, "objection_not_found"},
		map[string]any{"outcome": "upheld", "reason": "r"})
}

// TestOpenAPIDocumentsCaseParameters checks that the query parameters the
// case handlers read are documented on their operations.
func TestOpenAPIDocumentsCaseParameters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for path, want := range map[string][]string{
		"/v1/objections":      {"status", "overdue", "limit", "after"},
		"/v1/repairs":         {"status", "overdue", "limit", "after"},
		"/v1/objections/{id}": {"id", "token"},
		"/v1/repairs/{id}":    {"id", "token"},
		"/v1/repairs/{id}/files/{list}/{position}": {"id", "token", "list", "position"},
	} {
		op, _ := b.lookup("#/paths/" + strings.ReplaceAll(path, "/", "~1") + "/get").(map[string]any)
		var got []string
		for _, p := range asSlice(op["parameters"]) {
			got = append(got, fmt.Sprint(b.resolve(t, p.(map[string]any))["name"]))
		}
		// A credential in the query is a security scheme of the operation.
		for _, alt := range asSlice(op["security"]) {
			for scheme := range alt.(map[string]any) {
				if s, _ := b.lookup("#/components/securitySchemes/" + scheme).(map[string]any); s["in"] == "query" {
					got = append(got, fmt.Sprint(s["name"]))
				}
			}
		}
		for _, name := range want {
			if !slices.Contains(got, name) {
				t.Errorf("GET %s documents %v, not %s", path, got, name)
			}
		}
	}
}
