package intake

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/credex/credex/catalog"
)

// FuzzParseEnvelope feeds arbitrary envelopes to the envelope parser: it
// never panics, every error points inside the envelope, and an envelope
// without errors has a type, a source id and an op.
func FuzzParseEnvelope(f *testing.F) {
	for _, seed := range []string{
		`{"type": "administrative_penalty", "op": "upsert", "source_id": "P-1", "data": {}}`,
		`1`, `null`, `{"a": 1}`, `{not json`,
		`{"type": 1, "op": null, "source_id": "", "data": [], "catalog_version": -1, "x": 2}`,
		`{"type": "t", "op": "revoke", "source_id": "s", "data": {"reason": 3, "a/b~c": 1}}`,
		`{"type": "t\u00e9", "source_id": "s", "catalog_version": 2, "data": {"a": [1]}, "reason": "r", "type": "u"}`,
		`{"type": "t", "source_id": "s", "catalog_version": 2.0, "data": {}}`, `{"op": "\ud800", "source_id": "\u0000"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if fast, hasOp, ok := readEnvelope(json.RawMessage(raw)); ok {
			slow, fields, errs, whole := decodeEnvelope(json.RawMessage(raw))
			var want any
			if fast.Data != nil {
				want, _ = catalog.Decode(fast.Data)
			}
			if !reflect.DeepEqual(fast.decoded, want) {
				t.Fatalf("envelope %q: data read as %#v, decoded as %#v", raw, fast.decoded, want)
			}
			fast.decoded = nil
			if !whole || len(errs) > 0 || !reflect.DeepEqual(fast, slow) || hasOp != (fields["op"] != nil) {
				t.Fatalf("envelope %q read as %+v (op %v), decoded as %+v, %v", raw, fast, hasOp, slow, errs)
			}
		}
		env, errs := parseEnvelope(json.RawMessage(raw))
		for _, fe := range errs {
			if fe.Code == "" || fe.Message == "" || (fe.Pointer != "" && !strings.HasPrefix(fe.Pointer, "/")) {
				t.Fatalf("envelope error without a code, message or JSON pointer: %+v", fe)
			}
		}
		if len(errs) == 0 && (env.Type == "" || env.SourceID == "" || !slices.Contains(submittedOps, env.Op)) {
			t.Fatalf("envelope %s accepted without type, source id or op: %+v", bytes.TrimSpace([]byte(raw)), env)
		}
	})
}
