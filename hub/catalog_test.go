package hub_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/pipeline"
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
