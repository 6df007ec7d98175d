package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// publicTaxCredit returns version 2 of tax_credit as the API serves version
// 1, made public: the change that must wait for an operator's approval.
func (b *bundle) publicTaxCredit(t *testing.T) []byte {
	t.Helper()
	w := b.do("GET", "/v1/catalog/types/tax_credit/versions/1", "", "", nil)
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	sharing := doc["sharing"].(map[string]any)
	sharing["scope"] = append(sharing["scope"].([]any), "public")
	sharing["usage"] = append(sharing["usage"].([]any), "public_display")
	doc["disclosure"], doc["version"] = "public", 2
	raw, _ := json.Marshal(doc)
	return raw
}

// TestOpenAPIDescribesCatalogApproval walks a widening version through the
// API — published by a maintainer, reviewed, refused to everyone but an
// operator, approved — and checks every answer against the document.
func TestOpenAPIDescribesCatalogApproval(t *testing.T) {
	t.Parallel()
	b := setup(t)
	type call struct {
		method, path, target, key, body string
		status                          int
		code                            string // of an error answer
	}
	do := func(c call) map[string]any {
		t.Helper()
		name := c.method + " " + c.target
		w := b.do(c.method, c.target, "application/json", c.key, []byte(c.body))
		if w.Code != c.status {
			t.Fatalf("%s = %d, want %d: %s", name, w.Code, c.status, w.Body)
		}
		resp, _ := b.lookup("#/paths/" + strings.ReplaceAll(c.path, "/", "~1") + "/" + strings.ToLower(c.method) +
			"/responses/" + strconv.Itoa(c.status)).(map[string]any)
		if resp == nil {
			t.Fatalf("%s: status %d is not documented", name, c.status)
		}
		content, _ := b.resolve(t, resp)["content"].(map[string]any)
		media, _ := content["application/json"].(map[string]any)
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b.conform(t, name, media["schema"].(map[string]any), v)
		if c.code != "" && v["code"] != c.code {
			t.Errorf("%s: code %v, want %s", name, v["code"], c.code)
		}
		return v
	}
	const (
		versions = "/v1/catalog/types/{code}/versions"
		approval = "/v1/catalog/types/{code}/versions/{version}/approval"
		reject   = "/v1/catalog/types/{code}/versions/{version}/rejection"
		tax      = "/v1/catalog/types/tax_credit"
	)
	public := string(b.publicTaxCredit(t))

	v := do(call{"POST", versions, tax + "/versions", maintainerKey, public, http.StatusAccepted, ""})
	policy, _ := v["policy_changes"].([]any)
	if v["status"] != "pending_approval" || len(policy) != 3 || v["message"] == nil {
		t.Errorf("a public tax_credit: %v, want pending_approval with three policy changes and a message", v)
	}
	v = do(call{"POST", versions, tax + "/versions", maintainerKey, public, http.StatusOK, ""})
	if v["status"] != "pending_approval" || v["unchanged"] != true {
		t.Errorf("the same version again: %v, want unchanged, still pending_approval", v)
	}
	next := strings.Replace(public, `"version":2`, `"version":3`, 1)
	do(call{"POST", versions, tax + "/versions", maintainerKey, next, http.StatusConflict, "approval_pending"})

	// The type stays at version 1 and shows the waiting one, which can be
	// read and compared.
	v = do(call{"GET", "/v1/catalog/types/{code}", tax, "", "", http.StatusOK, ""})
	pending, _ := v["pending"].(map[string]any)
	if v["version"] != 1.0 || v["disclosure"] != "authorised_inquiry" || pending["version"] != 2.0 || pending["proposed_by"] != "catalogue-maintainer" {
		t.Errorf("tax_credit while version 2 waits: version %v, disclosure %v, pending %v", v["version"], v["disclosure"], pending)
	}
	v = do(call{"GET", versions, tax + "/versions", "", "", http.StatusOK, ""})
	if v["pending"] == nil {
		t.Errorf("versions while version 2 waits: %v, want pending", v)
	}
	v = do(call{"GET", "/v1/catalog/types/{code}/versions/{version}", tax + "/versions/2", "", "", http.StatusOK, ""})
	if v["disclosure"] != "public" {
		t.Errorf("the waiting version 2: disclosure %v, want public", v["disclosure"])
	}
	v = do(call{"GET", "/v1/catalog/types/{code}/diff", tax + "/diff?from=1&to=2", "", "", http.StatusOK, ""})
	if v["widens"] != true || v["compatible"] != true {
		t.Errorf("diff 1..2: %v, want compatible and widening", v)
	}

	// Only an operator decides, and a rejection says why.
	do(call{"POST", approval, tax + "/versions/2/approval", maintainerKey, "", http.StatusForbidden, "not_an_operator"})
	do(call{"POST", approval, tax + "/versions/2/approval", departmentKey, "", http.StatusForbidden, "not_an_operator"})
	do(call{"POST", reject, tax + "/versions/2/rejection", operatorKey, `{}`, http.StatusBadRequest, "missing_reason"})
	do(call{"POST", reject, tax + "/versions/2/rejection", operatorKey, `{"why":"no"}`, http.StatusBadRequest, "invalid_body"})
	do(call{"POST", approval, tax + "/versions/3/approval", operatorKey, "", http.StatusConflict, "not_pending"})
	do(call{"POST", approval, "/v1/catalog/types/no_such_type/versions/2/approval", operatorKey, "", http.StatusNotFound, "unknown_type"})
	// A version is a number from 1 to 2147483647, as the database keeps it.
	for _, bad := range []string{"0", "-1", "2147483648", "99999999999999999999", "two"} {
		for _, c := range []call{
			{"POST", approval, tax + "/versions/" + bad + "/approval", operatorKey, "", http.StatusBadRequest, "invalid_parameter"},
			{"POST", reject, tax + "/versions/" + bad + "/rejection", operatorKey, `{"reason":"r"}`, http.StatusBadRequest, "invalid_parameter"},
			{"GET", "/v1/catalog/types/{code}/versions/{version}", tax + "/versions/" + bad, "", "", http.StatusBadRequest, "invalid_parameter"},
		} {
			if v := do(c); v["pointer"] != "/version" {
				t.Errorf("%s %s: pointer %v, want /version", c.method, c.target, v["pointer"])
			}
		}
		for _, q := range []string{"from=" + bad + "&to=1", "from=1&to=" + bad} {
			v := do(call{"GET", "/v1/catalog/types/{code}/diff", tax + "/diff?" + q, "", "", http.StatusBadRequest, "invalid_parameter"})
			if want := "/" + q[:strings.IndexByte(q, '=')]; strings.Contains(q, "to="+bad) && v["pointer"] != "/to" || !strings.Contains(q, "to="+bad) && v["pointer"] != want {
				t.Errorf("diff?%s: pointer %v", q, v["pointer"])
			}
		}
	}
	for _, q := range []string{"to=1", "from=1", "from=&to=1"} {
		do(call{"GET", "/v1/catalog/types/{code}/diff", tax + "/diff?" + q, "", "", http.StatusBadRequest, "invalid_parameter"})
	}
	do(call{"GET", "/v1/catalog/types/{code}/diff", tax + "/diff?from=1&to=2147483647", "", "", http.StatusNotFound, "unknown_catalog_version"})
	v = do(call{"POST", approval, tax + "/versions/2/approval", operatorKey, "", http.StatusOK, ""})
	if v["status"] != "published" || v["decided_by"] != "operator" {
		t.Errorf("approval: %v", v)
	}
	do(call{"POST", approval, tax + "/versions/2/approval", operatorKey, "", http.StatusConflict, "not_pending"})

	// A rejection, of a version proposed again.
	do(call{"POST", versions, tax + "/versions", maintainerKey, public, http.StatusAccepted, ""})
	v = do(call{"POST", reject, tax + "/versions/2/rejection", operatorKey, `{"reason":"no legal basis for publicity"}`, http.StatusOK, ""})
	if v["status"] != "rejected" || v["reason"] != "no legal basis for publicity" {
		t.Errorf("rejection: %v", v)
	}

	// Every step that decided, or tried to, is in the audit log.
	var got []string
	b.audit.mu.Lock()
	defer b.audit.mu.Unlock()
	for _, e := range b.audit.entries {
		if strings.HasPrefix(e.Action, "catalog.") {
			got = append(got, fmt.Sprintf("%s %s %s %s", e.Principal, e.Action, e.Resource, e.Result))
		}
	}
	want := []string{
		"catalogue-maintainer catalog.proposed tax_credit/2 ok",
		"catalogue-maintainer catalog.proposed tax_credit/2 unchanged",
		"catalogue-maintainer catalog.approved tax_credit/2 refused",
		"tax catalog.approved tax_credit/2 refused",
		"operator catalog.approved tax_credit/2 ok",
		"catalogue-maintainer catalog.proposed tax_credit/2 ok",
		"operator catalog.rejected tax_credit/2 ok",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit log:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
