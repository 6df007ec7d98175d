package source_test

import (
	"encoding/json"
	"testing"

	"github.com/credex/credex/connectors/source"
)

// TestMappingEnvelope turns rows into envelopes: a json column carries the
// whole data, and a revoking row gives no data, whatever its cells.
func TestMappingEnvelope(t *testing.T) {
	t.Parallel()
	m := source.Mapping{Type: "administrative_penalty", Columns: map[string]source.Column{
		"id": {To: "/source_id"}, "op": {To: "/op", Values: map[string]string{"撤销": "revoke"}},
		"reason": {To: "/reason"}, "data": {To: "/data", As: "json"},
	}}
	for _, c := range []struct {
		name  string
		row   map[string]string
		want  string
		codes []string
	}{
		{"json data", map[string]string{"id": "A", "data": `{"severity": "minor"}`},
			`{"data":{"severity":"minor"},"source_id":"A","type":"administrative_penalty"}`, nil},
		{"revocation", map[string]string{"id": "A", "op": "撤销", "reason": "复议撤销", "data": `{"severity": "minor"}`},
			`{"op":"revoke","reason":"复议撤销","source_id":"A","type":"administrative_penalty"}`, nil},
		{"revocation with unreadable data", map[string]string{"id": "A", "op": "撤销", "data": `{`},
			`{"op":"revoke","source_id":"A","type":"administrative_penalty"}`, nil},
		{"unreadable json", map[string]string{"id": "A", "data": `{`},
			`{"data":{},"source_id":"A","type":"administrative_penalty"}`, []string{source.CodeInvalidCell}},
	} {
		t.Run(c.name, func(t *testing.T) {
			env, errs := m.Envelope(func(h string) (string, bool) { v, ok := c.row[h]; return v, ok })
			var got, want any
			json.Unmarshal(env, &got)
			json.Unmarshal([]byte(c.want), &want)
			if string(mustJSON(got)) != string(mustJSON(want)) {
				t.Errorf("envelope %s, want %s", env, c.want)
			}
			var codes []string
			for _, e := range errs {
				codes = append(codes, e.Code)
			}
			if len(codes) != len(c.codes) || len(codes) > 0 && codes[0] != c.codes[0] {
				t.Errorf("errors %+v, want codes %v", errs, c.codes)
			}
		})
	}
}

func mustJSON(v any) []byte {
	raw, _ := json.Marshal(v)
	return raw
}
