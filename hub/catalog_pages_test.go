package hub_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestCatalogPages(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true, noRelay: true})
	v2 := b.penaltyType(func(doc, schema, _ map[string]any) {
		doc["version"] = 2
		schema["properties"].(map[string]any)["case_no"] = map[string]any{"type": "string", "description": "The department's case number."}
	})
	if status, answer := b.publishType(maintainerKey, "administrative_penalty", v2); status != http.StatusCreated {
		t.Fatalf("publish version 2: %d %v", status, answer)
	}
	br := b.browser()

	index := br.get("/catalog/")
	for _, want := range []string{`id="type-administrative_penalty"`, `id="type-tax_credit"`, "行政处罚"} {
		if index.status != http.StatusOK || !strings.Contains(index.body, want) {
			t.Errorf("GET /catalog/ = %d, lacks %q:\n%s", index.status, want, index.body)
		}
	}

	typ := br.get("/catalog/administrative_penalty")
	for _, want := range []string{`id="type-rules"`, `id="field-subject.id_number"`, "citizen ID number", `id="field-case_no"`,
		`<code>severity</code> = <code>serious</code>`, `id="type-example"`, `id="diff-form"`, `<option value="2" selected>`} {
		if typ.status != http.StatusOK || !strings.Contains(typ.body, want) {
			t.Errorf("GET /catalog/administrative_penalty = %d, lacks %q", typ.status, want)
		}
	}

	diff := br.get("/catalog/administrative_penalty/diff?from=1&to=2")
	if diff.status != http.StatusOK || !strings.Contains(diff.body, `id="diff-changes"`) || !strings.Contains(diff.body, "/properties/case_no") ||
		!strings.Contains(diff.body, `id="diff-verdict" class="notice ok"`) {
		t.Errorf("the diff of versions 1 and 2 = %d, want the added field case_no and a compatible verdict:\n%s", diff.status, diff.body)
	}
	if same := br.get("/catalog/administrative_penalty/diff?from=2&to=2"); strings.Contains(same.body, "/properties/case_no") {
		t.Error("a version compared with itself shows a change")
	}
	for path, status := range map[string]int{
		"/catalog/administrative_penalty/diff?from=1&to=9": http.StatusBadRequest,
		"/catalog/administrative_penalty/diff?from=x&to=2": http.StatusBadRequest,
		"/catalog/no_such_type":                            http.StatusNotFound,
	} {
		if got := br.get(path); got.status != status || !strings.Contains(got.body, `id="error-message"`) {
			t.Errorf("GET %s = %d, want %d with a sentence", path, got.status, status)
		}
	}
}
