package hub_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/record"
)

func TestBatchGetsReceiptsAndIsStoredOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	licence := b.example("administrative_licence", nil)
	bad := b.penalty()
	bad["subject"].(map[string]any)["id_number"] = "110101199003074511" // wrong check character
	envelopes := []map[string]any{
		envelope("administrative_penalty", "upsert", "P-1", b.penalty()),
		envelope("administrative_penalty", "upsert", "P-2", bad),
		envelope("administrative_licence", "upsert", "L-1", licence),
		envelope("serious_dishonesty", "upsert", "S-1", b.example("serious_dishonesty", nil)),
	}

	resp := b.submit(http.StatusOK, envelopes...)

	if resp.Accepted != 2 || resp.Rejected != 2 || len(resp.Receipts) != 4 || !strings.HasPrefix(resp.SubmissionID, "sub_") {
		t.Fatalf("answer = %+v, want 2 accepted and 2 rejected of 4", resp)
	}
	for i, want := range []string{"accepted", "rejected", "accepted", "rejected"} {
		if rc := resp.Receipts[i]; rc.Index != i || rc.Status != want {
			t.Errorf("receipt %d = %+v, want index %d %s", i, rc, i, want)
		}
	}
	assertError(t, resp.Receipts[1], "invalid_id_number", "/records/1/data/subject/id_number")
	assertError(t, resp.Receipts[3], "type_not_assigned", "/records/3/type")
	for _, i := range []int{0, 2} {
		rc := resp.Receipts[i]
		if rc.Version != 1 || !strings.HasPrefix(rc.RecordID, "rec_") || rc.Topic == "" {
			t.Errorf("receipt %d = %+v, want version 1 with a record id and topic", i, rc)
		}
	}
	stored := b.waitVersion(resp.Receipts[2].RecordID, 1)
	var got map[string]any
	json.Unmarshal(stored.Data, &got)
	if want, _ := json.Marshal(licence); string(mustJSON(got)) != string(want) {
		t.Errorf("stored data = %s, want %s", mustJSON(got), want)
	}
	if masked := stored.Subject.IDNumber; strings.Count(masked, "*") != 10 {
		t.Errorf("subject id number shown as %q, want it masked", masked)
	}
	b.waitVersion(resp.Receipts[0].RecordID, 1)

	// The same batch again: the same receipts, nothing new anywhere.
	again := b.submit(http.StatusOK, envelopes...)
	for _, i := range []int{0, 2} {
		if rc := again.Receipts[i]; rc.RecordID != resp.Receipts[i].RecordID || rc.Version != 1 || !rc.Unchanged {
			t.Errorf("resubmitted receipt %d = %+v, want the same record at version 1, unchanged", i, rc)
		}
	}
	if n := b.count(`SELECT count(*) FROM records`); n != 2 {
		t.Errorf("records = %d, want 2", n)
	}
	if n := b.count(`SELECT count(*) FROM record_versions`); n != 2 {
		t.Errorf("record versions = %d, want 2", n)
	}
	if n := b.topicCount(b.recordTopic("administrative_penalty")); n != 1 {
		t.Errorf("penalty topic holds %d messages, want 1", n)
	}
	if n := b.topicCount(b.cfg.Kafka.Topics.Rejected()); n != 4 {
		t.Errorf("rejected topic holds %d messages, want 4 (two rejections, twice)", n)
	}
}

func TestChangedPayloadMakesNextVersionWithHistory(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	v1 := b.penalty()
	first := b.submit(http.StatusOK, envelope("administrative_penalty", "upsert", "P-7", v1))
	id := first.Receipts[0].RecordID
	b.waitVersion(id, 1)

	v2 := b.penalty()
	v2["subject"] = v1["subject"]
	v2["amount_yuan"] = 8000
	second := b.submit(http.StatusOK, envelope("administrative_penalty", "upsert", "P-7", v2))
	if rc := second.Receipts[0]; rc.RecordID != id || rc.Version != 2 || rc.Unchanged {
		t.Fatalf("receipt = %+v, want %s version 2", rc, id)
	}
	rec := b.waitVersion(id, 2)
	if len(rec.History) != 2 || rec.History[0].Version != 1 || rec.History[1].Version != 2 {
		t.Fatalf("history = %+v, want versions 1 and 2", rec.History)
	}
	var old, cur map[string]any
	json.Unmarshal(rec.History[0].Data, &old)
	json.Unmarshal(rec.Data, &cur)
	if old["amount_yuan"] != float64(5000) || cur["amount_yuan"] != float64(8000) {
		t.Errorf("amounts: version 1 %v, current %v; want 5000 then 8000", old["amount_yuan"], cur["amount_yuan"])
	}

	revoked := b.submit(http.StatusOK, envelope("administrative_penalty", "revoke", "P-7", map[string]any{"reason": "decision withdrawn"}))
	if rc := revoked.Receipts[0]; rc.Version != 3 {
		t.Fatalf("revoke receipt = %+v, want version 3", rc)
	}
	rec = b.waitVersion(id, 3)
	if rec.State != "revoked" || rec.History[2].Op != "revoke" {
		t.Errorf("after revoke: state %q, last op %q; want revoked", rec.State, rec.History[2].Op)
	}
	if cur := string(rec.Data); !strings.Contains(cur, "8000") {
		t.Errorf("a revoked record keeps its last content, got %s", cur)
	}
}

func TestRevokeOfUnknownRecordIsRejected(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	resp := b.submit(http.StatusUnprocessableEntity, envelope("administrative_penalty", "revoke", "never-sent", nil))
	assertError(t, resp.Receipts[0], "unknown_record", "/records/0/source_id")
	if n := b.topicCount(b.recordTopic("administrative_penalty")); n != 0 {
		t.Errorf("penalty topic holds %d messages, want none", n)
	}
}

func TestConcurrentChangesToOneRecordGetDistinctVersions(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	subject := b.penalty()["subject"]
	const writers = 8
	versions := make([]int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		data := b.penalty()
		data["subject"] = subject
		data["amount_yuan"] = 1000 + i
		wg.Go(func() {
			var resp httpin.Response
			if status := b.post(marketKey, "", batch(envelope("administrative_penalty", "upsert", "same", data)), &resp); status != http.StatusOK {
				t.Errorf("writer %d: status %d", i, status)
				return
			}
			versions[i] = resp.Receipts[0].Version
		})
	}
	wg.Wait()
	slices.Sort(versions)
	for i, v := range versions {
		if v != i+1 {
			t.Fatalf("versions = %v, want 1..%d each once", versions, writers)
		}
	}
	rec := b.waitVersion(pipelineID(b, "same"), writers)
	if len(rec.History) != writers {
		t.Errorf("history has %d versions, want %d", len(rec.History), writers)
	}
}

func TestRecordIsVisibleOnlyToItsDepartment(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	resp := b.submit(http.StatusOK, envelope("administrative_penalty", "upsert", "P-9", b.penalty()))
	id := resp.Receipts[0].RecordID
	b.waitVersion(id, 1)
	for _, key := range []string{taxKey, agencyKey} {
		if status, _ := b.get(key, id); status != http.StatusNotFound {
			t.Errorf("GET as another principal: status %d, want 404", status)
		}
	}
	if status, _ := b.get(marketKey, "rec_doesnotexist"); status != http.StatusNotFound {
		t.Errorf("GET of an unknown id: status %d, want 404", status)
	}
}

func TestNDJSONSubmission(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	lines := string(mustJSON(envelope("administrative_penalty", "upsert", "N-1", b.penalty()))) + "\n" +
		"{not json\n\n" +
		string(mustJSON(envelope("administrative_penalty", "upsert", "N-2", b.penalty()))) + "\n"
	var resp httpin.Response
	if status := b.post(marketKey, "application/x-ndjson", []byte(lines), &resp); status != http.StatusOK {
		t.Fatalf("status %d: %+v", status, resp)
	}
	if resp.Accepted != 2 || resp.Rejected != 1 {
		t.Fatalf("answer = %+v, want 2 accepted, 1 rejected", resp)
	}
	assertError(t, resp.Receipts[1], "malformed_json", "/records/1")
}

func assertError(t *testing.T, rc httpin.Receipt, code, pointer string) {
	t.Helper()
	if rc.Status != "rejected" {
		t.Errorf("receipt %d is %s, want rejected with %s at %s", rc.Index, rc.Status, code, pointer)
		return
	}
	for _, e := range rc.Errors {
		if e.Code == code && e.Pointer == pointer {
			if e.Message == "" {
				t.Errorf("receipt %d: error %s has no message", rc.Index, code)
			}
			return
		}
	}
	t.Errorf("receipt %d errors = %+v, want %s at %s", rc.Index, rc.Errors, code, pointer)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// pipelineID is the record id the market regulator's record sourceID has.
func pipelineID(b *bundle, sourceID string) string {
	return record.ID(b.idKey, b.market.Code, "administrative_penalty", sourceID)
}

func TestDepartmentCorrectsWithAReason(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	first := b.penalty()
	id := b.submit(http.StatusOK, envelope("administrative_penalty", "upsert", "C-1", first)).Receipts[0].RecordID
	b.waitVersion(id, 1)

	corrected := b.penalty()
	corrected["subject"] = first["subject"]
	corrected["amount_yuan"] = 3000
	noReason := envelope("administrative_penalty", "correct", "C-1", corrected)
	resp := b.submit(http.StatusUnprocessableEntity, noReason)
	assertError(t, resp.Receipts[0], "missing_field", "/records/0/reason")
	unknown := envelope("administrative_penalty", "correct", "never-sent", corrected)
	unknown["reason"] = "wrong amount"
	assertError(t, b.submit(http.StatusUnprocessableEntity, unknown).Receipts[0], "unknown_record", "/records/0/source_id")

	correction := envelope("administrative_penalty", "correct", "C-1", corrected)
	correction["reason"] = "the fine was miscalculated"
	if rc := b.submit(http.StatusOK, correction).Receipts[0]; rc.Version != 2 || rc.RecordID != id {
		t.Fatalf("correction receipt = %+v, want %s version 2", rc, id)
	}
	rec := b.waitVersion(id, 2)
	var history []struct {
		Op     string `json:"op"`
		Reason string `json:"reason"`
	}
	raw, _ := json.Marshal(rec.History)
	json.Unmarshal(raw, &history)
	if len(history) != 2 || history[1].Op != "correct" || !strings.Contains(string(rec.Data), "3000") {
		t.Fatalf("history = %+v, data %s; want a correction with the new amount", history, rec.Data)
	}
	var reason string
	b.db.QueryRow(t.Context(), `SELECT reason FROM record_versions WHERE record_id = $1 AND version = 2`, id).Scan(&reason)
	if reason != "the fine was miscalculated" {
		t.Errorf("stored reason %q, want the department's", reason)
	}
}

func TestRevocationIsAuditedUnderItsSubject(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	id := b.submit(http.StatusOK, envelope("administrative_penalty", "upsert", "R-1", b.penalty())).Receipts[0].RecordID
	b.submit(http.StatusOK, envelope("administrative_penalty", "revoke", "R-1", nil))
	b.submit(http.StatusOK, envelope("administrative_penalty", "revoke", "R-1", nil)) // already revoked: unchanged
	var subjects []string
	rows, err := b.db.Query(t.Context(), `SELECT subject FROM audit_log WHERE resource = $1 AND action = 'record.submitted' ORDER BY seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		subjects = append(subjects, s)
	}
	if len(subjects) != 3 || subjects[0] == "" || subjects[1] != subjects[0] || subjects[2] != subjects[0] {
		t.Errorf("audit subjects of the upsert and two revocations = %q, want the same keyed hash three times", subjects)
	}
}
