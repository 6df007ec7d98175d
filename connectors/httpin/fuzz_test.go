package httpin

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzReadBatch feeds arbitrary bodies to the submission reader: it never
// panics, and refuses with a stable code or returns envelopes.
func FuzzReadBatch(f *testing.F) {
	for _, seed := range []string{
		`{"records": [{"type": "administrative_penalty", "op": "upsert", "source_id": "P-1", "data": {}}]}`,
		`{"records": []}`, `{"records": {}}`, `[1]`, `{"records": [` + "\n", `null`, `{"a": 1}`,
		`{"records": [{"type": 1, "op": null, "source_id": "", "data": [], "catalog_version": -1, "x": 2}]}`,
		`{"records": [{"type": "t", "op": "revoke", "source_id": "s", "data": {"reason": 3, "a/b~c": 1}}]}`,
	} {
		f.Add(seed, "application/json")
	}
	f.Add("{\"type\":\"t\"}\n\n{not json\n", "application/x-ndjson")
	f.Fuzz(func(t *testing.T, body, contentType string) {
		if raws, ok := records([]byte(body)); ok {
			var top map[string]json.RawMessage
			var want []json.RawMessage
			if json.Unmarshal([]byte(body), &top) != nil || len(top) != 1 || json.Unmarshal(top["records"], &want) != nil ||
				len(want) != len(raws) {
				t.Fatalf("body %q read as %d envelopes, which encoding/json does not", body, len(raws))
			}
			for i := range want {
				if !bytes.Equal(want[i], raws[i]) {
					t.Fatalf("body %q: envelope %d read as %s, want %s", body, i, raws[i], want[i])
				}
			}
		}
		r := httptest.NewRequest("POST", "/v1/submissions", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		raws, e := readBatch(r, Config{MaxBodyBytes: 1 << 16, MaxRecords: 50})
		if e != nil {
			if e.Code == "" || e.Message == "" || e.Status < 400 || e.Status > 499 {
				t.Fatalf("refusal without a code, message or 4xx status: %+v", e)
			}
			return
		}
		if len(raws) == 0 || len(raws) > 50 {
			t.Fatalf("%d envelopes returned, want 1 to 50", len(raws))
		}
	})
}
