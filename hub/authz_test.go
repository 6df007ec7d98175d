package hub_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/credex/credex/ident"
)

// answer is a whole answer: what a caller learns from it.
type answer struct {
	status int
	body   string
}

// raw sends a request as key and returns the whole answer.
func (b *bundle) raw(method, path, key string, body any) answer {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, b.url+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, string(raw)}
}

// TestCrossPrincipalAccessLooksLikeNoSuchThing tries, as one principal, every
// id-addressed resource of another, and wants the answer a non-existent id
// gets, word for word: 404 with the same code and message, so that nobody
// learns which ids exist.
func TestCrossPrincipalAccessLooksLikeNoSuchThing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})

	recordID, p := b.recordAbout("AUTHZ-RECORD")
	objectionID := b.file(objection(recordID, p)).ID
	repairID := b.apply(b.penaltyAbout(ident.NewCitizenID(b.rand), "AUTHZ-REPAIR", 4)).ID
	subID := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"}).ID
	var taxKey2 struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	if got := b.call(http.MethodPost, "/v1/keys", taxKey, map[string]any{"label": "second"}, &taxKey2); got != http.StatusCreated {
		t.Fatalf("POST /v1/keys as tax answered %d", got)
	}

	upheld := map[string]any{"outcome": "upheld", "reason": "处罚决定书金额无误。"}
	refused := map[string]any{"outcome": "refused", "reasons": []string{"材料不全"}}
	tests := []struct {
		name         string
		method       string
		path, absent string // the resource of another, and an id that does not exist
		key          string
		body         any
	}{
		{"another department's record", http.MethodGet, "/v1/records/" + recordID, "/v1/records/rec_doesnotexist", taxKey, nil},
		{"another department's record, with its second key", http.MethodGet, "/v1/records/" + recordID, "/v1/records/rec_doesnotexist", taxKey2.Key, nil},
		{"a record, as an agency", http.MethodGet, "/v1/records/" + recordID, "/v1/records/rec_doesnotexist", agencyKey, nil},
		{"a record, as an operator", http.MethodGet, "/v1/records/" + recordID, "/v1/records/rec_doesnotexist", opKey, nil},
		{"another department's objection", http.MethodGet, "/v1/objections/" + objectionID, "/v1/objections/obj_doesnotexist", taxKey, nil},
		{"an objection, as an agency", http.MethodGet, "/v1/objections/" + objectionID, "/v1/objections/obj_doesnotexist", agencyKey, nil},
		{"deciding another department's objection", http.MethodPost, "/v1/objections/" + objectionID + "/decision", "/v1/objections/obj_doesnotexist/decision", taxKey, upheld},
		{"another department's repair application", http.MethodGet, "/v1/repairs/" + repairID, "/v1/repairs/rep_doesnotexist", taxKey, nil},
		{"a repair application, as an agency", http.MethodGet, "/v1/repairs/" + repairID, "/v1/repairs/rep_doesnotexist", bankKey, nil},
		{"deciding another department's repair", http.MethodPost, "/v1/repairs/" + repairID + "/decision", "/v1/repairs/rep_doesnotexist/decision", taxKey, refused},
		{"another agency's subscription", http.MethodGet, "/v1/subscriptions/" + subID, "/v1/subscriptions/sbn_doesnotexist", bankKey, nil},
		{"another agency's events", http.MethodGet, "/v1/subscriptions/" + subID + "/events", "/v1/subscriptions/sbn_doesnotexist/events", bankKey, nil},
		{"cancelling another agency's subscription", http.MethodDelete, "/v1/subscriptions/" + subID, "/v1/subscriptions/sbn_doesnotexist", bankKey, nil},
		{"a subscription, as a department", http.MethodGet, "/v1/subscriptions/" + subID, "/v1/subscriptions/sbn_doesnotexist", marketKey, nil},
		{"revoking another principal's key as one's own", http.MethodDelete, "/v1/keys/" + taxKey2.ID, "/v1/keys/key_doesnotexist", marketKey, nil},
		{"revoking another principal's key, not an operator", http.MethodDelete, "/v1/principals/tax/keys/" + taxKey2.ID, "/v1/principals/tax/keys/key_doesnotexist", marketKey, nil},
		{"an operator revoking a key under the wrong principal", http.MethodDelete, "/v1/principals/market/keys/" + taxKey2.ID, "/v1/principals/market/keys/key_doesnotexist", opKey, nil},
	}
	for _, tt := range tests {
		b := b.with(t)
		got := b.raw(tt.method, tt.path, tt.key, tt.body)
		want := b.raw(tt.method, tt.absent, tt.key, tt.body)
		if got.status != http.StatusNotFound || got != want {
			t.Errorf("%s: %s %s answered %d %s; want 404, and the same as for an id that does not exist: %d %s",
				tt.name, tt.method, tt.path, got.status, got.body, want.status, want.body)
		}
	}

	// Nothing above changed anything: the owners still see their things.
	if got := b.raw(http.MethodGet, "/v1/objections/"+objectionID, marketKey, nil); got.status != http.StatusOK {
		t.Errorf("the market regulator reads its objection: %d %s", got.status, got.body)
	}
	if got := b.raw(http.MethodGet, "/v1/subscriptions/"+subID, agencyKey, nil); got.status != http.StatusOK {
		t.Errorf("the agency reads its subscription: %d %s", got.status, got.body)
	}
	if got := b.raw(http.MethodGet, "/v1/keys", taxKey2.Key, nil); got.status != http.StatusOK {
		t.Errorf("tax's second key, which others failed to revoke: %d %s", got.status, got.body)
	}
	if got := b.raw(http.MethodDelete, "/v1/principals/tax/keys/"+taxKey2.ID, opKey, nil); got.status != http.StatusOK {
		t.Errorf("an operator revokes tax's key: %d %s", got.status, got.body)
	}
	if got := b.raw(http.MethodGet, "/v1/keys", taxKey2.Key, nil); got.status != http.StatusUnauthorized || !bytes.Contains([]byte(got.body), []byte(`"invalid_credentials"`)) {
		t.Errorf("the key an operator revoked answered %d %s, want 401 invalid_credentials", got.status, got.body)
	}
}

// TestKindsRefusedByTheMatrix checks, on the real hub, the kind checks that
// the authorisation matrix makes for each route, with their documented codes.
func TestKindsRefusedByTheMatrix(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	tests := []struct {
		key, method, path string
		body              any
		status            int
		code              string
	}{
		{agencyKey, http.MethodPost, "/v1/objections/obj_x/decision", map[string]any{"outcome": "upheld", "reason": "x"}, http.StatusNotFound, "objection_not_found"},
		{agencyKey, http.MethodGet, "/v1/objections", nil, http.StatusForbidden, "not_a_department"},
		{maintainerKey, http.MethodGet, "/v1/repairs", nil, http.StatusForbidden, "not_a_department"},
		{agencyKey, http.MethodPost, "/v1/repairs/rep_x/decision", map[string]any{"outcome": "refused"}, http.StatusForbidden, "not_a_department"},
		{marketKey, http.MethodPost, "/v1/subscriptions", map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"}, http.StatusForbidden, "not_an_agency"},
		{opKey, http.MethodPost, "/v1/subscriptions", map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"}, http.StatusForbidden, "not_an_agency"},
		{marketKey, http.MethodGet, "/v1/subscriptions", nil, http.StatusForbidden, "not_an_agency"},
		{agencyKey, http.MethodPost, "/v1/subscriptions/sbn_x/approval", nil, http.StatusForbidden, "not_an_operator"},
		{marketKey, http.MethodPost, "/v1/lists/query", map[string]any{"id_number": ident.NewCitizenID(b.rand), "name": "王测试"}, http.StatusForbidden, "not_an_agency"},
		{opKey, http.MethodPost, "/v1/catalog/types/administrative_penalty/versions", map[string]any{}, http.StatusForbidden, "not_a_maintainer"},
	}
	for _, tt := range tests {
		var e apiError
		if got := b.call(tt.method, tt.path, tt.key, tt.body, &e); got != tt.status || e.Code != tt.code {
			t.Errorf("%s %s as %s = %d %s, want %d %s", tt.method, tt.path, tt.key, got, e.Code, tt.status, tt.code)
		}
	}
}
