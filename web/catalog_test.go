package web

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestSchemaFieldsWalkEveryProperty(t *testing.T) {
	schema := json.RawMessage(`{"type": "object", "required": ["subject", "kinds"], "properties": {
		"subject": {"type": "object", "description": "The person.", "required": ["id_number"], "properties": {
			"id_number": {"type": "string", "format": "citizen-id", "description": "ID number."},
			"name": {"type": ["string", "null"]}}},
		"kinds": {"type": "array", "items": {"type": "string", "enum": ["warning", "fine"]}},
		"parts": {"type": "array", "items": {"type": "object", "properties": {"code": {"type": "string", "enum": ["a", "b"]}}}}}}`)
	got, err := schemaFields(schema)
	if err != nil {
		t.Fatal(err)
	}
	want := []schemaField{
		{Path: "kinds", Type: "array [string]", Required: true, Values: []string{"warning", "fine"}},
		{Path: "parts", Type: "array [object]"},
		{Path: "parts[].code", Type: "string", Values: []string{"a", "b"}},
		{Path: "subject", Type: "object", Description: "The person.", Required: true},
		{Path: "subject.id_number", Type: "string", Description: "ID number.", Required: true, Format: "citizen-id"},
		{Path: "subject.name", Type: "string | null"},
	}
	if !slices.EqualFunc(got, want, func(a, b schemaField) bool {
		return a.Path == b.Path && a.Type == b.Type && a.Description == b.Description && a.Required == b.Required &&
			a.Format == b.Format && slices.Equal(a.Values, b.Values)
	}) {
		t.Errorf("fields:\n got %+v\nwant %+v", got, want)
	}
	if _, err := schemaFields(json.RawMessage(`not json`)); err == nil {
		t.Error("a schema that is not JSON gave fields")
	}
}

func TestFieldSentencesInTheVisitorsLanguage(t *testing.T) {
	tests := []struct {
		lang, code, pointer, message, want string
	}{
		{zh, "invalid_id_number", "/data/subject/id_number", "Field subject.id_number is not valid", "subject.id_number 不是有效的身份证号码，请核对每一位和最后的校验位。"},
		{en, "missing_field", "/data/decision/date", "decision.date is required", "decision.date is required but missing."},
		{en, "some_new_code", "/data/x", "The service's own sentence.", "The service's own sentence."},
		{zh, "wrong_type", "/data", "The data must be an object.", "The data must be an object."},
	}
	for _, tt := range tests {
		if got := fieldSentence(tt.lang, tt.code, tt.pointer, tt.message); got != tt.want {
			t.Errorf("fieldSentence(%s, %s, %s) = %q, want %q", tt.lang, tt.code, tt.pointer, got, tt.want)
		}
	}
}
