package hub_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
)

const maintainerKey = "test-catalogue-maintainer-key"

// publishType posts a record type document as key and returns the status
// and the decoded answer.
func (b *bundle) publishType(key, code string, doc []byte) (int, map[string]any) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.url+"/v1/catalog/types/"+code+"/versions", bytes.NewReader(doc))
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	var answer map[string]any
	json.NewDecoder(res.Body).Decode(&answer)
	return res.StatusCode, answer
}

// penaltyType returns the administrative penalty type's document from the
// catalogue files, changed by edit.
func (b *bundle) penaltyType(edit func(doc, schema, example map[string]any)) []byte {
	b.t.Helper()
	rt, _ := b.catalog.Type("administrative_penalty")
	raw, _ := json.Marshal(rt)
	var doc, schema, example map[string]any
	json.Unmarshal(raw, &doc)
	json.Unmarshal(rt.Schema, &schema)
	json.Unmarshal(rt.Example, &example)
	edit(doc, schema, example)
	doc["schema"], doc["example"] = schema, example
	return mustJSON(doc)
}

func (b *bundle) getJSON(path string, out any) int {
	b.t.Helper()
	res, err := http.Get(b.url + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	json.NewDecoder(res.Body).Decode(out)
	return res.StatusCode
}

func TestPublishedVersionTakesEffectWithoutRestart(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	v2 := b.penaltyType(func(doc, schema, _ map[string]any) {
		doc["version"] = 2
		schema["properties"].(map[string]any)["case_no"] = map[string]any{"type": "string", "description": "The department's case number."}
	})
	if status, _ := b.publishType(marketKey, "administrative_penalty", v2); status != http.StatusForbidden {
		t.Errorf("a department publishing: status %d, want 403", status)
	}
	status, answer := b.publishType(maintainerKey, "administrative_penalty", v2)
	if status != http.StatusCreated || answer["version"] != float64(2) {
		t.Fatalf("publish version 2: %d %v, want 201 version 2", status, answer)
	}
	if status, _ := b.publishType(maintainerKey, "administrative_penalty", v2); status != http.StatusOK {
		t.Errorf("publishing version 2 again: status %d, want 200 (unchanged)", status)
	}

	// The new optional field is accepted at once, under version 2...
	withCase := b.penalty()
	withCase["case_no"] = "CASE-1"
	resp := b.submit(http.StatusOK, envelope("administrative_penalty", "upsert", "V-2", withCase))
	stored := b.waitVersion(resp.Receipts[0].RecordID, 1)
	var cv int
	b.db.QueryRow(t.Context(), `SELECT catalog_version FROM records WHERE record_id = $1`, stored.RecordID).Scan(&cv)
	if cv != 2 {
		t.Errorf("record stored under catalogue version %d, want 2", cv)
	}
	// ...and refused by a department that pins version 1.
	pinned := envelope("administrative_penalty", "upsert", "V-1", withCase)
	pinned["catalog_version"] = 1
	var refused httpin.Response
	b.post(marketKey, "", batch(pinned), &refused)
	assertError(t, refused.Receipts[0], "unknown_field", "/records/0/data/case_no")

	var typ struct {
		Version  int `json:"version"`
		Versions []struct {
			Version     int    `json:"version"`
			PublishedBy string `json:"published_by"`
		} `json:"versions"`
	}
	b.getJSON("/v1/catalog/types/administrative_penalty", &typ)
	if typ.Version != 2 || len(typ.Versions) != 2 || typ.Versions[1].PublishedBy != "maintainer" {
		t.Errorf("type = version %d, versions %+v; want version 2 of 2, published by the maintainer", typ.Version, typ.Versions)
	}
	var diff struct {
		Compatible bool `json:"compatible"`
		Changes    []struct {
			Pointer string `json:"pointer"`
		} `json:"changes"`
	}
	if status := b.getJSON("/v1/catalog/types/administrative_penalty/diff?from=1&to=2", &diff); status != 200 || !diff.Compatible || len(diff.Changes) == 0 {
		t.Errorf("diff 1..2 = %d %+v, want compatible with the added property listed", status, diff)
	}
}

func TestIncompatibleVersionIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	v2 := b.penaltyType(func(doc, schema, example map[string]any) {
		doc["version"] = 2
		schema["properties"].(map[string]any)["case_no"] = map[string]any{"type": "string", "description": "The case number."}
		schema["required"] = append(schema["required"].([]any), "case_no")
		example["case_no"] = "CASE-1"
	})
	status, answer := b.publishType(maintainerKey, "administrative_penalty", v2)
	changes, _ := answer["changes"].([]any)
	if status != http.StatusConflict || answer["code"] != "incompatible" || len(changes) == 0 {
		t.Fatalf("publish a new required field: %d %v, want 409 incompatible with the changes", status, answer)
	}
	if first, _ := changes[0].(map[string]any); first["pointer"] == "" || first["reason"] == "" {
		t.Errorf("change = %v, want a pointer and a reason", first)
	}
	skip := b.penaltyType(func(doc, _, _ map[string]any) { doc["version"] = 5 })
	if status, answer := b.publishType(maintainerKey, "administrative_penalty", skip); status != http.StatusConflict || answer["code"] != "version_conflict" {
		t.Errorf("publish version 5 after 1: %d %v, want 409 version_conflict", status, answer)
	}
	var typ struct{ Version int }
	b.getJSON("/v1/catalog/types/administrative_penalty", &typ)
	if typ.Version != 1 {
		t.Errorf("after refusals the type is at version %d, want 1", typ.Version)
	}
}

func TestAnotherHubSeesAPublishedVersion(t *testing.T) {
	t.Parallel()
	a := setup(t, options{noSink: true})
	other := a.sibling(t)
	v2 := a.penaltyType(func(doc, schema, _ map[string]any) {
		doc["version"] = 2
		schema["properties"].(map[string]any)["case_no"] = map[string]any{"type": "string", "description": "The case number."}
	})
	if status, answer := a.publishType(maintainerKey, "administrative_penalty", v2); status != http.StatusCreated {
		t.Fatalf("publish: %d %v", status, answer)
	}
	wait.For(t, 10*time.Second, "the other hub to serve version 2", func() bool {
		var typ struct{ Version int }
		other.getJSON("/v1/catalog/types/administrative_penalty", &typ)
		return typ.Version == 2
	})
}

func TestNewRecordTypeIsStoredOncePublished(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	permit := b.penaltyType(func(doc, _, _ map[string]any) {
		doc["code"], doc["name_en"], doc["name_zh"] = "parking_penalty", "Parking penalty", "停车处罚"
	})
	if status, answer := b.publishType(maintainerKey, "parking_penalty", permit); status != http.StatusCreated {
		t.Fatalf("publish a new type: %d %v", status, answer)
	}
	// The sink rejoins its group with the new type's topic.
	r := record.Record{ID: "rec_parking", Type: "parking_penalty", Op: record.OpUpsert, Version: 1,
		Department: b.market.Code, SourceID: "PP-1", SubjectKey: "k", SubjectName: "x", SubjectMasked: "x",
		CatalogVersion: 1, ContentHash: "h", Data: json.RawMessage(`{"a":1}`), SubmissionID: "sub_test", AcceptedAt: time.Now()}
	msg, _ := b.cfg.Kafka.Topics.Message(&r)
	producer := pipeline.NewProducer(b.cfg.Kafka, prometheus.NewRegistry())
	defer producer.Close()
	if err := producer.Publish(t.Context(), msg); err != nil {
		t.Fatal(err)
	}
	b.waitVersionAs("rec_parking", 1)
}

// taxCredit returns a tax credit record about the person with ID number id,
// decided a month ago: inside its display window.
func (b *bundle) taxCredit(id string) map[string]any {
	return b.example("tax_credit", func(d map[string]any) {
		d["subject"].(map[string]any)["id_number"] = id
		d["decision"].(map[string]any)["date"] = decisionDate("open")
	})
}

// typeDoc returns the catalogue's document of code, changed by edit.
func (b *bundle) typeDoc(code string, edit func(doc, sharing map[string]any)) []byte {
	b.t.Helper()
	rt, _ := b.catalog.Type(code)
	raw, _ := json.Marshal(rt)
	var doc map[string]any
	json.Unmarshal(raw, &doc)
	edit(doc, doc["sharing"].(map[string]any))
	return mustJSON(doc)
}

// publicTaxCredit is version 2 of tax_credit, disclosed only on an
// authorised inquiry in version 1, made public.
func (b *bundle) publicTaxCredit() []byte {
	return b.typeDoc("tax_credit", func(doc, sharing map[string]any) {
		doc["version"], doc["disclosure"] = 2, "public"
		sharing["scope"] = append(sharing["scope"].([]any), "public")
		sharing["usage"] = append(sharing["usage"].([]any), "public_display")
	})
}

// decideVersion posts an operator's decision, "approval" or "rejection", on a
// version of code as key, and returns the status and the decoded answer.
func (b *bundle) decideVersion(key, code string, version int, decision, body string) (int, map[string]any) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/v1/catalog/types/%s/versions/%d/%s", b.url, code, version, decision),
		strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	var answer map[string]any
	json.NewDecoder(res.Body).Decode(&answer)
	return res.StatusCode, answer
}

// catalogType reads the catalogue's view of a type.
type catalogType struct {
	Version    int    `json:"version"`
	Disclosure string `json:"disclosure"`
	Versions   []struct {
		Version    int    `json:"version"`
		ApprovedBy string `json:"approved_by"`
	} `json:"versions"`
	Pending *struct {
		Version       int `json:"version"`
		PolicyChanges []struct {
			Pointer string `json:"pointer"`
			Widens  bool   `json:"widens"`
		} `json:"policy_changes"`
	} `json:"pending"`
}

func (b *bundle) catalogType(code string) catalogType {
	b.t.Helper()
	var v catalogType
	if status := b.getJSON("/v1/catalog/types/"+code, &v); status != http.StatusOK {
		b.t.Fatalf("GET /v1/catalog/types/%s = %d", code, status)
	}
	return v
}

// publicRecords returns the ids of the records the public query shows
// about a person.
func (b *bundle) publicRecords(name, idNumber string) []string {
	b.t.Helper()
	status, body := b.publicQuery(name, idNumber)
	var answer struct {
		Records []struct {
			RecordID string `json:"record_id"`
		} `json:"records"`
	}
	if err := json.Unmarshal([]byte(body), &answer); err != nil || status != http.StatusOK {
		b.t.Fatalf("public query = %d %s", status, body)
	}
	var ids []string
	for _, r := range answer.Records {
		ids = append(ids, r.RecordID)
	}
	return ids
}

// TestCatalogWideningWaitsForApproval is the attack of one maintainer key:
// publishing tax_credit, disclosed only on an inquiry the person authorised,
// as public. The version waits; nothing becomes public until an operator
// approves it, on any hub; the maintainer cannot approve it; and once it is
// approved, the records published before stay out of the public query.
func TestCatalogWideningWaitsForApproval(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	other := b.sibling(t)
	heldID := ident.NewCitizenID(b.rand)
	held := b.taxCredit(heldID)
	heldName := held["subject"].(map[string]any)["name"].(string)
	heldRecord := b.submitAs(taxKey, envelope("tax_credit", "upsert", "TC-HELD", held)).Receipts[0].RecordID
	b.waitVersionAs(heldRecord, 1)

	status, answer := b.publishType(maintainerKey, "tax_credit", b.publicTaxCredit())
	if status != http.StatusAccepted || answer["status"] != "pending_approval" {
		t.Fatalf("a maintainer publishes tax_credit as public: %d %v, want 202 pending_approval", status, answer)
	}
	if changes, _ := answer["policy_changes"].([]any); len(changes) == 0 ||
		changes[0].(map[string]any)["pointer"] != "/disclosure" || changes[0].(map[string]any)["widens"] != true {
		t.Errorf("policy_changes = %v, want the disclosure widened first", answer["policy_changes"])
	}

	// Nothing changed: the type stays at version 1 on both hubs, the record
	// held stays out of the public query, and no department can use the
	// waiting version.
	wait.For(t, 10*time.Second, "the other hub to show the waiting version", func() bool {
		return other.catalogType("tax_credit").Pending != nil
	})
	for _, h := range []*bundle{b, other} {
		if typ := h.catalogType("tax_credit"); typ.Version != 1 || typ.Disclosure != "authorised_inquiry" || typ.Pending.Version != 2 {
			t.Errorf("tax_credit while version 2 waits = %+v, want version 1, authorised_inquiry, version 2 pending", typ)
		}
	}
	if ids := b.publicRecords(heldName, heldID); len(ids) != 0 {
		t.Errorf("public query while version 2 waits = %v, want nothing", ids)
	}
	if status, _ := b.publicGet(heldRecord); status != http.StatusNotFound {
		t.Errorf("public record while version 2 waits = %d, want 404", status)
	}
	pinned := envelope("tax_credit", "upsert", "TC-PINNED", b.taxCredit(ident.NewCitizenID(b.rand)))
	pinned["catalog_version"] = 2
	var refused httpin.Response
	b.post(taxKey, "", batch(pinned), &refused)
	assertError(t, refused.Receipts[0], "unknown_catalog_version", "/records/0/catalog_version")

	// The maintainer cannot approve it, nor can a department; each attempt
	// is logged.
	for _, key := range []string{maintainerKey, taxKey} {
		if status, answer := b.decideVersion(key, "tax_credit", 2, "approval", ""); status != http.StatusForbidden || answer["code"] != "not_an_operator" {
			t.Errorf("approval with key %s = %d %v, want 403 not_an_operator", key, status, answer)
		}
	}
	if typ := b.catalogType("tax_credit"); typ.Version != 1 {
		t.Fatalf("after refused approvals tax_credit is at version %d, want 1", typ.Version)
	}

	// An operator approves: version 2 is in force on both hubs.
	if status, answer := b.decideVersion(opKey, "tax_credit", 2, "approval", ""); status != http.StatusOK || answer["status"] != "published" {
		t.Fatalf("the operator approves = %d %v, want 200 published", status, answer)
	}
	wait.For(t, 10*time.Second, "the other hub to serve version 2", func() bool {
		return other.catalogType("tax_credit").Version == 2
	})
	typ := b.catalogType("tax_credit")
	if typ.Disclosure != "public" || typ.Pending != nil || len(typ.Versions) != 2 || typ.Versions[1].ApprovedBy != "operator" {
		t.Errorf("tax_credit after approval = %+v, want public, version 2 approved by the operator, nothing pending", typ)
	}

	// The record held before stays out of the public query: it was
	// published under authorised inquiry. One published now is public.
	newID := ident.NewCitizenID(b.rand)
	fresh := b.taxCredit(newID)
	freshRecord := b.submitAs(taxKey, envelope("tax_credit", "upsert", "TC-NEW", fresh)).Receipts[0].RecordID
	b.waitVersionAs(freshRecord, 1)
	if ids := b.publicRecords(fresh["subject"].(map[string]any)["name"].(string), newID); len(ids) != 1 || ids[0] != freshRecord {
		t.Errorf("public query for a record published after approval = %v, want %s", ids, freshRecord)
	}
	for _, h := range []*bundle{b, other} {
		if ids := h.publicRecords(heldName, heldID); len(ids) != 0 {
			t.Errorf("public query for the record held before approval = %v, want nothing", ids)
		}
		if status, _ := h.publicGet(heldRecord); status != http.StatusNotFound {
			t.Errorf("public record held before approval = %d, want 404", status)
		}
	}

	for _, want := range []struct {
		principal, action, result string
		n                         int
	}{
		{"maintainer", "catalog.proposed", "ok", 1},
		{"maintainer", "catalog.approved", "refused", 1},
		{"tax", "catalog.approved", "refused", 1},
		{"operator", "catalog.approved", "ok", 1},
	} {
		if n := b.count(`SELECT count(*) FROM audit_log WHERE principal = $1 AND action = $2 AND resource = 'tax_credit/2' AND result = $3`,
			want.principal, want.action, want.result); n != want.n {
			t.Errorf("audit log: %d entries %s %s %s, want %d", n, want.principal, want.action, want.result, want.n)
		}
	}
}

// TestCatalogNarrowingNeedsNoApproval: a version that only narrows takes
// effect at once, for the records held too.
func TestCatalogNarrowingNeedsNoApproval(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	penalty := b.penalty()
	id, name := penalty["subject"].(map[string]any)["id_number"].(string), penalty["subject"].(map[string]any)["name"].(string)
	penalty["decision"].(map[string]any)["date"] = decisionDate("open")
	penalty["severity"] = "general"
	rec := b.submit(http.StatusOK, envelope("administrative_penalty", "upsert", "PEN-NARROW", penalty)).Receipts[0].RecordID
	b.waitVersionAs(rec, 1)
	if ids := b.publicRecords(name, id); len(ids) != 1 {
		t.Fatalf("public query before the change = %v, want the penalty", ids)
	}

	shared := b.typeDoc("administrative_penalty", func(doc, sharing map[string]any) {
		doc["version"], doc["disclosure"] = 2, "government_shared"
		sharing["scope"] = []string{"government", "judiciary"}
		sharing["usage"] = []string{"administrative_review", "credit_supervision"}
		periods := doc["display"].(map[string]any)["periods"].(map[string]any)
		periods["serious"] = map[string]int{"min_months": 12, "max_months": 24}
	})
	status, answer := b.publishType(maintainerKey, "administrative_penalty", shared)
	if status != http.StatusCreated || answer["status"] != "published" {
		t.Fatalf("publish a narrower version: %d %v, want 201 published", status, answer)
	}
	changes, _ := answer["policy_changes"].([]any)
	for _, c := range changes {
		if c.(map[string]any)["widens"] != false {
			t.Errorf("policy change %v widens", c)
		}
	}
	if len(changes) == 0 {
		t.Errorf("policy_changes = %v, want the narrowings listed", answer["policy_changes"])
	}
	if typ := b.catalogType("administrative_penalty"); typ.Version != 2 || typ.Disclosure != "government_shared" {
		t.Errorf("administrative_penalty = %+v, want version 2 government_shared at once", typ)
	}
	if ids := b.publicRecords(name, id); len(ids) != 0 {
		t.Errorf("public query after narrowing = %v, want nothing", ids)
	}
}

// TestCatalogRejectionAndFourEyes: an operator who proposed a version
// (a maintainer made operator since) cannot decide on it; another operator
// rejects it with a reason, the type keeps its version, and the next
// version may be published.
func TestCatalogRejectionAndFourEyes(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	if status, _ := b.publishType(maintainerKey, "tax_credit", b.publicTaxCredit()); status != http.StatusAccepted {
		t.Fatalf("publish: %d, want 202", status)
	}
	longer := b.typeDoc("tax_credit", func(doc, _ map[string]any) {
		doc["version"] = 3
		doc["display"].(map[string]any)["periods"].(map[string]any)["default"] = map[string]int{"min_months": 24, "max_months": 60}
	})
	if status, answer := b.publishType(maintainerKey, "tax_credit", longer); status != http.StatusConflict || answer["code"] != "approval_pending" {
		t.Errorf("another version while one waits: %d %v, want 409 approval_pending", status, answer)
	}

	// The maintainer becomes an operator under the same name.
	const promoted = "test-promoted-maintainer-key"
	if err := b.hub.Store().SavePrincipals(t.Context(), []principal.SeedEntry{
		{Kind: principal.Operator, Name: "maintainer", Key: promoted}}); err != nil {
		t.Fatal(err)
	}
	if status, answer := b.decideVersion(promoted, "tax_credit", 2, "approval", ""); status != http.StatusForbidden || answer["code"] != "own_proposal" {
		t.Errorf("the proposer approves as an operator = %d %v, want 403 own_proposal", status, answer)
	}
	if status, answer := b.decideVersion(opKey, "tax_credit", 2, "rejection", `{"reason":" "}`); status != http.StatusBadRequest || answer["code"] != "missing_reason" {
		t.Errorf("a rejection without reason = %d %v, want 400 missing_reason", status, answer)
	}
	status, answer := b.decideVersion(opKey, "tax_credit", 2, "rejection", `{"reason":"publicity of tax credit needs a regulation"}`)
	if status != http.StatusOK || answer["status"] != "rejected" {
		t.Fatalf("rejection = %d %v, want 200 rejected", status, answer)
	}
	if status, answer := b.decideVersion(opKey, "tax_credit", 2, "approval", ""); status != http.StatusConflict || answer["code"] != "not_pending" {
		t.Errorf("approval after rejection = %d %v, want 409 not_pending", status, answer)
	}
	if typ := b.catalogType("tax_credit"); typ.Version != 1 || typ.Pending != nil {
		t.Errorf("tax_credit after rejection = %+v, want version 1, nothing pending", typ)
	}
	// Version 2 may be proposed again, differently, by the maintainer (a
	// maintainer again, with a new key): a longer display waits too.
	const demoted = "test-demoted-maintainer-key"
	if err := b.hub.Store().SavePrincipals(t.Context(), []principal.SeedEntry{
		{Kind: principal.Maintainer, Name: "maintainer", Key: demoted}}); err != nil {
		t.Fatal(err)
	}
	longer = b.typeDoc("tax_credit", func(doc, _ map[string]any) {
		doc["version"] = 2
		doc["display"].(map[string]any)["periods"].(map[string]any)["default"] = map[string]int{"min_months": 24, "max_months": 60}
	})
	status, answer = b.publishType(demoted, "tax_credit", longer)
	if status != http.StatusAccepted {
		t.Errorf("a longer minimum display: %d %v, want 202", status, answer)
	}
	if n := b.count(`SELECT count(*) FROM audit_log WHERE action = 'catalog.rejected' AND principal = 'operator' AND result = 'ok'`); n != 1 {
		t.Errorf("audit log: %d rejections by the operator, want 1", n)
	}
	if n := b.count(`SELECT count(*) FROM audit_log WHERE action = 'catalog.approved' AND principal = 'maintainer' AND result = 'refused'`); n != 1 {
		t.Errorf("audit log: %d refused approvals by the proposer, want 1", n)
	}
}
