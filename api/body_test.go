package api

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRefusedAt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		at   string
		free []string
		want int
	}{
		{`null`, "", nil, foundNull},
		{`{}`, "", nil, foundNothing},
		{`"text"`, "", nil, foundNothing},
		{`{"label": null}`, "/label", nil, foundNull},
		{`{"label": "x", "n": 1, "b": true, "a": [1, "s", {}]}`, "", nil, foundNothing},
		{`{"a": [1, {"b": [null]}]}`, "/a/1/b/0", nil, foundNull},
		{`{"a": {"x/y~": null}}`, "/a/x~1y~0", nil, foundNull},
		{`{"evidence": [null]}`, "/evidence/0", nil, foundNull},
		{`{"data": {"x": null}, "reason": "r"}`, "", []string{"data"}, foundNothing},
		{`{"data": null}`, "/data", []string{"data"}, foundNull},
		{`{"data": [null], "b": null}`, "/b", []string{"data"}, foundNull},
		{`{"outer": {"data": null}}`, "/outer/data", []string{"data"}, foundNull},
		{`[1, 2, null]`, "/2", nil, foundNull},
		{`{"label": "a\u0000b"}`, "/label", nil, foundNUL},
		{`{"a": ["x", "\u0000"]}`, "/a/1", nil, foundNUL},
		{`{"a\u0000": 1}`, "/a\x00", nil, foundNUL},
		{`{"data": {"x": "\u0000"}}`, "", []string{"data"}, foundNothing},
		{`{"label": "a\\u0000b"}`, "", nil, foundNothing}, // a backslash, then u0000
	}
	for _, tt := range tests {
		at, found := refusedAt(json.RawMessage(tt.body), tt.free)
		if at != tt.at || found != tt.want {
			t.Errorf("refusedAt(%s) = %q, %v; want %q, %v", tt.body, at, found, tt.at, tt.want)
		}
	}
}

func TestDecodeJSONRefusesNullAndUnknownFields(t *testing.T) {
	t.Parallel()
	type body struct {
		Label string          `json:"label"`
		Data  json.RawMessage `json:"data"`
	}
	for _, tt := range []struct {
		body string
		ok   bool
	}{
		{`{"label": "x"}`, true},
		{`{"data": {"a": null}}`, true},
		{`{"label": null}`, false},
		{`{"label": "x", "other": 1}`, false},
		{`null`, false},
		{`{"label": "\u0000"}`, false},
	} {
		var v body
		err := decodeJSON(json.NewDecoder(strings.NewReader(tt.body)), &v, "data")
		if (err == nil) != tt.ok {
			t.Errorf("decodeJSON(%s) = %v, want ok %v", tt.body, err, tt.ok)
		}
	}
}
