package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestRequestBodiesRefuseNull sends bodies that name a field with null,
// which the document declares for no field of a request: each is refused
// with invalid_body, as a field of the wrong type would be, and not taken
// for a field left out.
func TestRequestBodiesRefuseNull(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const (
		person = `"name": "王小明", "id_number": "500103196607041934"`
	)
	tests := []struct {
		name, method, path, key, body string
	}{
		{"a key's label", "POST", "/v1/keys", departmentKey, `{"label": null}`},
		{"a pull subscription's url", "POST", "/v1/subscriptions", agencyKey, `{"types": ["administrative_penalty"], "mode": "pull", "url": null}`},
		{"a subscription's departments", "POST", "/v1/subscriptions", agencyKey, `{"types": ["administrative_penalty"], "mode": "pull", "departments": null}`},
		{"a replay's after beside from", "POST", "/v1/subscriptions/" + pullSubscription + "/replay", bankKey, `{"after": null, "from": "2026-01-02T15:04:05Z"}`},
		{"the access log's before", "POST", "/v1/public/access-log", b.token(t, exampleName, exampleIDNumber), `{` + person + `, "before": null}`},
		{"the access log's limit", "POST", "/v1/public/access-log", b.token(t, exampleName, exampleIDNumber), `{` + person + `, "limit": null}`},
		{"the lists' name", "POST", "/v1/lists/query", agencyKey, `{"id_number": "500103196607041934", "name": null}`},
		{"a repair approval's reasons", "POST", "/v1/repairs/" + repairID + "/decision", departmentKey, `{"outcome": "approved", "reasons": null}`},
		{"an objection decision's data", "POST", "/v1/objections/" + objectionID + "/decision", departmentKey, `{"outcome": "upheld", "reason": "r", "data": null}`},
		{"an item of a list", "POST", "/v1/subscriptions", agencyKey, `{"types": ["administrative_penalty", null], "mode": "pull"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := b.do(tt.method, tt.path, "application/json", tt.key, []byte(tt.body))
			var e struct{ Code, Message string }
			json.Unmarshal(w.Body.Bytes(), &e)
			if w.Code != http.StatusBadRequest || e.Code != "invalid_body" {
				t.Errorf("%s %s %s = %d %s, want 400 invalid_body", tt.method, tt.path, tt.body, w.Code, w.Body)
			}
		})
	}
}

// TestPathsThatAreNotTextNameNothing asks for resources by names the
// database cannot hold: each is not found, without a query.
func TestPathsThatAreNotTextNameNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, target := range []string{
		"/v1/records/%00", "/v1/records/%FF", "/v1/subscriptions/sbn_%00", "/v1/subscriptions/%C3",
		"/v1/objections/%00", "/v1/repairs/rpr_%FE%FF", "/v1/principals/%00/keys/key_x",
	} {
		w := b.do("GET", target, "", operatorKey, nil)
		if target == "/v1/principals/%00/keys/key_x" {
			w = b.do("DELETE", target, "", operatorKey, nil)
		}
		var e struct{ Code string }
		json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != http.StatusNotFound || e.Code != "not_found" {
			t.Errorf("%s = %d %s, want 404 not_found", target, w.Code, w.Body)
		}
	}
}

// TestTextsWithinTheDocumentedLimits sends texts one character past the
// limits the document states, and ID numbers written other than it says:
// each is refused with the field's pointer.
func TestTextsWithinTheDocumentedLimits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	long := func(n int) string { return strings.Repeat("名", n) }
	const id = "500103196607041934"
	tok := b.token(t, "王小明", id)
	for _, c := range []struct {
		name, method, path, key, body, code, pointer string
	}{
		{"a name of 101 characters", "POST", "/v1/public/query", "", `{"name":"` + long(101) + `","id_number":"` + id + `"}`, "too_long", "/name"},
		{"an ID number with a space inside", "POST", "/v1/public/query", "", `{"name":"王小明","id_number":"` + id[:6] + " " + id[6:] + `"}`, "invalid_id_number", "/id_number"},
		{"an access log's name of 101 characters", "POST", "/v1/public/access-log", tok, `{"name":"` + long(101) + `","id_number":"` + id + `"}`, "too_long", "/name"},
		{"a label of 201 characters", "POST", "/v1/keys", departmentKey, `{"label":"` + long(201) + `"}`, "too_long", "/label"},
		{"an agency of 101 characters", "POST", "/v1/authorisations", tok, `{"name":"王小明","id_number":"` + id + `","agency":"` + long(101) +
			`","purpose":"p","types":["tax_credit"],"valid_days":1}`, "too_long", "/agency"},
		{"a purpose of 201 characters, spaces included", "POST", "/v1/authorisations", tok, `{"name":"王小明","id_number":"` + id + `","agency":"a","purpose":" ` + long(200) +
			`","types":["tax_credit"],"valid_days":1}`, "too_long", "/purpose"},
		{"a lists query's name of 101 characters", "POST", "/v1/lists/query", agencyKey, `{"id_number":"` + id + `","name":"` + long(101) + `"}`, "too_long", "/name"},
		{"a rejection's reason of 201 characters", "POST", "/v1/catalog/types/tax_credit/versions/2/rejection", operatorKey, `{"reason":"` + long(201) + `"}`, "too_long", "/reason"},
	} {
		w := b.do(c.method, c.path, "application/json", c.key, []byte(c.body))
		var e struct{ Code, Pointer string }
		json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != http.StatusBadRequest || e.Code != c.code || e.Pointer != c.pointer {
			t.Errorf("%s: %d %s, want 400 %s at %s", c.name, w.Code, w.Body, c.code, c.pointer)
		}
	}
}
