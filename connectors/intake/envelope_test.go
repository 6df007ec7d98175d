package intake

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/credex/credex/catalog"
)

// problems lists field errors as "code pointer", sorted, so that tests state
// what is wrong without depending on the order fields were read in.
func problems(errs []catalog.FieldError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Code + " " + e.Pointer
		if e.Message == "" {
			out[i] += " (no message)"
		}
	}
	slices.Sort(out)
	return out
}

func TestParseEnvelope(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", maxSourceID+1)
	tests := []struct {
		name string
		raw  string
		want []string // "code pointer", sorted
	}{
		{"valid upsert", `{"type":"administrative_penalty","op":"upsert","source_id":"MR-1","data":{"a":1}}`, nil},
		{"op missing means upsert", `{"type":"administrative_penalty","source_id":"MR-1","data":{}}`, nil},
		{"revoke without data", `{"type":"administrative_penalty","op":"revoke","source_id":"MR-1"}`, nil},
		{"revoke with a reason", `{"type":"administrative_penalty","op":"revoke","source_id":"MR-1","data":{"reason":"withdrawn"}}`, nil},
		{"catalog version 1", `{"type":"t","source_id":"s","data":{},"catalog_version":1}`, nil},
		{"catalog version 2147483647", `{"type":"t","source_id":"s","data":{},"catalog_version":2147483647}`, nil},
		{"source id of the largest length", `{"type":"t","source_id":"` + long[1:] + `","data":{}}`, nil},

		{"not JSON", `{"type":`, []string{"malformed_json "}},
		{"an array", `[{"type":"t"}]`, []string{"wrong_type "}},
		{"a string", `"envelope"`, []string{"wrong_type "}},
		{"null", `null`, []string{"missing_field /data", "missing_field /source_id", "missing_field /type"}},
		{"empty object", `{}`, []string{"missing_field /data", "missing_field /source_id", "missing_field /type"}},
		{"missing type", `{"source_id":"s","data":{}}`, []string{"missing_field /type"}},
		{"empty type", `{"type":"","source_id":"s","data":{}}`, []string{"missing_field /type"}},
		{"type not a string", `{"type":7,"source_id":"s","data":{}}`, []string{"wrong_type /type"}},
		{"op delete", `{"type":"t","op":"delete","source_id":"s","data":{}}`, []string{"invalid_op /op"}},
		{"op in capitals", `{"type":"t","op":"UPSERT","source_id":"s","data":{}}`, []string{"invalid_op /op"}},
		{"op empty", `{"type":"t","op":"","source_id":"s","data":{}}`, []string{"invalid_op /op"}},
		{"op null", `{"type":"t","op":null,"source_id":"s","data":{}}`, []string{"wrong_type /op"}},
		{"reason null", `{"type":"t","op":"revoke","source_id":"s","reason":null}`, []string{"wrong_type /reason"}},
		{"type null", `{"type":null,"source_id":"s","data":{}}`, []string{"wrong_type /type"}},
		{"source id null", `{"type":"t","source_id":null,"data":{}}`, []string{"wrong_type /source_id"}},
		{"catalog version null", `{"type":"t","source_id":"s","data":{},"catalog_version":null}`, []string{"wrong_type /catalog_version"}},
		{"op not a string", `{"type":"t","op":1,"source_id":"s","data":{}}`, []string{"wrong_type /op"}},
		{"missing source id", `{"type":"t","data":{}}`, []string{"missing_field /source_id"}},
		{"source id not a string", `{"type":"t","source_id":12,"data":{}}`, []string{"wrong_type /source_id"}},
		{"source id with a NUL", `{"type":"t","source_id":"s\u0000","data":{}}`, []string{"invalid_string /source_id"}},
		{"reason with a NUL", `{"type":"t","op":"revoke","source_id":"s","reason":"r\u0000"}`, []string{"invalid_string /reason"}},
		{"revocation's reason with a NUL", `{"type":"t","op":"revoke","source_id":"s","data":{"reason":"\u0000"}}`, []string{"invalid_string /data/reason"}},
		{"source id too long", `{"type":"t","source_id":"` + long + `","data":{}}`, []string{"invalid_string /source_id"}},
		{"upsert without data", `{"type":"t","op":"upsert","source_id":"s"}`, []string{"missing_field /data"}},
		{"data an array", `{"type":"t","source_id":"s","data":[]}`, []string{"wrong_type /data"}},
		{"data a string", `{"type":"t","source_id":"s","data":"{}"}`, []string{"wrong_type /data"}},
		{"data null", `{"type":"t","source_id":"s","data":null}`, []string{"wrong_type /data"}},
		{"revoke with data not an object", `{"type":"t","op":"revoke","source_id":"s","data":1}`, []string{"wrong_type /data"}},
		{"catalog version 0", `{"type":"t","source_id":"s","data":{},"catalog_version":0}`, []string{"wrong_type /catalog_version"}},
		{"catalog version negative", `{"type":"t","source_id":"s","data":{},"catalog_version":-1}`, []string{"wrong_type /catalog_version"}},
		{"catalog version past what the database keeps", `{"type":"t","source_id":"s","data":{},"catalog_version":2147483648}`, []string{"wrong_type /catalog_version"}},
		{"catalog version past any integer", `{"type":"t","source_id":"s","data":{},"catalog_version":99999999999999999999}`, []string{"wrong_type /catalog_version"}},
		{"catalog version fractional", `{"type":"t","source_id":"s","data":{},"catalog_version":1.5}`, []string{"wrong_type /catalog_version"}},
		{"catalog version a string", `{"type":"t","source_id":"s","data":{},"catalog_version":"1"}`, []string{"wrong_type /catalog_version"}},
		{"unknown field", `{"type":"t","source_id":"s","data":{},"field":1}`, []string{"unknown_field /field"}},
		{"misspelt field", `{"type":"t","sourceId":"s","data":{}}`, []string{"missing_field /source_id", "unknown_field /sourceId"}},
		{"field with a slash", `{"type":"t","source_id":"s","data":{},"a/b":1}`, []string{"unknown_field /a~1b"}},
		{"field with a tilde", `{"type":"t","source_id":"s","data":{},"a~b":1}`, []string{"unknown_field /a~0b"}},
		{"field with both, tilde first", `{"type":"t","source_id":"s","data":{},"~/":1}`, []string{"unknown_field /~0~1"}},
		{"empty field name", `{"type":"t","source_id":"s","data":{},"":1}`, []string{"unknown_field /"}},
		{
			"every problem at once",
			`{"type":1,"op":"delete","source_id":"","data":[],"catalog_version":0,"x":1}`,
			[]string{"invalid_op /op", "missing_field /source_id", "unknown_field /x", "wrong_type /catalog_version", "wrong_type /data", "wrong_type /type"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, errs := parseEnvelope(json.RawMessage(tt.raw))
			if got := problems(errs); !slices.Equal(got, tt.want) {
				t.Errorf("parseEnvelope(%s) errors = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestParseEnvelopeFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want envelope
	}{
		{
			"every field",
			`{"type":"administrative_penalty","op":"revoke","source_id":"MR-1","data":{"reason":"x"},"catalog_version":2}`,
			envelope{Type: "administrative_penalty", Op: "revoke", SourceID: "MR-1", Data: json.RawMessage(`{"reason":"x"}`), CatalogVersion: 2},
		},
		{
			"op defaults to upsert",
			`{"type":"t","source_id":"s","data":{ "a" : 1 }}`,
			envelope{Type: "t", Op: "upsert", SourceID: "s", Data: json.RawMessage(`{ "a" : 1 }`)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, errs := parseEnvelope(json.RawMessage(tt.raw))
			if len(errs) > 0 {
				t.Fatalf("errors: %q", problems(errs))
			}
			if got.Type != tt.want.Type || got.Op != tt.want.Op || got.SourceID != tt.want.SourceID ||
				string(got.Data) != string(tt.want.Data) || got.CatalogVersion != tt.want.CatalogVersion {
				t.Errorf("parseEnvelope = %+v, want %+v", got, tt.want)
			}
		})
	}
}
