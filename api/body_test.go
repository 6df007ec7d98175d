package api

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestNullAt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		at   string // "" with found false: no null
		free []string
		want bool
	}{
		{`null`, "", nil, true},
		{`{}`, "", nil, false},
		{`{"label": null}`, "/label", nil, true},
		{`{"label": "x", "n": 1, "b": true, "a": [1, "s", {}]}`, "", nil, false},
		{`{"a": [1, {"b": [null]}]}`, "/a/1/b/0", nil, true},
		{`{"a": {"x/y~": null}}`, "/a/x~1y~0", nil, true},
		{`{"evidence": [null]}`, "/evidence/0", nil, true},
		{`{"data": {"x": null}, "reason": "r"}`, "", []string{"data"}, false},
		{`{"data": null}`, "/data", []string{"data"}, true},
		{`{"data": [null], "b": null}`, "/b", []string{"data"}, true},
		{`{"data": {"x": null}, "reason": null}`, "/reason", []string{"data"}, true},
		{`{"outer": {"data": null}}`, "/outer/data", []string{"data"}, true},
		{`[1, 2, null]`, "/2", nil, true},
	}
	for _, tt := range tests {
		at, found := nullAt(json.RawMessage(tt.body), tt.free)
		if at != tt.at || found != tt.want {
			t.Errorf("nullAt(%s) = %q, %v; want %q, %v", tt.body, at, found, tt.at, tt.want)
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
	} {
		var v body
		err := decodeJSON(json.NewDecoder(strings.NewReader(tt.body)), &v, "data")
		if (err == nil) != tt.ok {
			t.Errorf("decodeJSON(%s) = %v, want ok %v", tt.body, err, tt.ok)
		}
	}
}
