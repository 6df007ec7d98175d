package httpin

import (
	"net/http"
	"net/http/httptest"
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

// post is a submission request to read with readBatch.
func post(contentType, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1/submissions", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

func TestReadBatch(t *testing.T) {
	t.Parallel()
	const a, b, c = `{"source_id":"a"}`, `{"source_id":"b"}`, `{"source_id":"c"}`
	tests := []struct {
		name        string
		contentType string
		body        string
		cfg         Config
		want        []string
	}{
		{"JSON batch", "application/json", `{"records":[` + a + `,` + b + `]}`, Config{}, []string{a, b}},
		{"JSON with charset", "application/json; charset=utf-8", `{"records":[` + a + `]}`, Config{}, []string{a}},
		{"media type in capitals", "Application/JSON", `{"records":[` + a + `]}`, Config{}, []string{a}},
		{"no content type is JSON", "", `{"records":[` + a + `]}`, Config{}, []string{a}},
		{"JSON keeps bad envelopes for later", "application/json", `{"records":[1,` + a + `]}`, Config{}, []string{"1", a}},
		{"NDJSON", "application/x-ndjson", a + "\n" + b + "\n" + c + "\n", Config{}, []string{a, b, c}},
		{"NDJSON without a final newline", "application/x-ndjson", a + "\n" + b, Config{}, []string{a, b}},
		{"NDJSON skips blank lines", "application/x-ndjson", "\n" + a + "\n\n   \n" + b + "\r\n\t\n", Config{}, []string{a, b}},
		{"NDJSON keeps a broken line", "application/x-ndjson", a + "\n{\"source_id\":\n" + b, Config{}, []string{a, `{"source_id":`, b}},
		{"JSON lines", "application/jsonl", a + "\n" + b, Config{}, []string{a, b}},
		{"JSON lines, other name", "application/jsonlines", a, Config{}, []string{a}},
		{"exactly the most records", "application/x-ndjson", a + "\n" + b + "\n", Config{MaxRecords: 2}, []string{a, b}},
		{"body of exactly the limit", "application/x-ndjson", a, Config{MaxBodyBytes: int64(len(a))}, []string{a}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raws, e := readBatch(post(tt.contentType, tt.body), tt.cfg)
			if e != nil {
				t.Fatalf("readBatch: %v", e)
			}
			got := make([]string, len(raws))
			for i, r := range raws {
				got[i] = string(r)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("readBatch = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadBatchRefuses(t *testing.T) {
	t.Parallel()
	const a = `{"source_id":"a"}`
	tests := []struct {
		name        string
		contentType string
		body        string
		cfg         Config
		status      int
		code        string
		pointer     string
	}{
		{"unsupported media type", "text/plain", a, Config{}, http.StatusUnsupportedMediaType, "unsupported_media_type", ""},
		{"form", "application/x-www-form-urlencoded", "records=1", Config{}, http.StatusUnsupportedMediaType, "unsupported_media_type", ""},
		{"body over the limit", "application/x-ndjson", a + "\n", Config{MaxBodyBytes: int64(len(a))}, http.StatusRequestEntityTooLarge, "body_too_large", ""},
		{"body over the default limit", "application/x-ndjson", strings.Repeat(a+"\n", (4<<20)/len(a)), Config{MaxRecords: 1 << 30}, http.StatusRequestEntityTooLarge, "body_too_large", ""},
		{"too many NDJSON records", "application/x-ndjson", a + "\n" + a + "\n" + a, Config{MaxRecords: 2}, http.StatusRequestEntityTooLarge, "too_many_records", "/records"},
		{"too many JSON records", "application/json", `{"records":[1,2,3]}`, Config{MaxRecords: 2}, http.StatusRequestEntityTooLarge, "too_many_records", "/records"},
		{"more than the default 500 records", "application/x-ndjson", strings.Repeat(a+"\n", 501), Config{}, http.StatusRequestEntityTooLarge, "too_many_records", "/records"},
		{"empty JSON batch", "application/json", `{"records":[]}`, Config{}, http.StatusBadRequest, "empty_batch", "/records"},
		{"empty NDJSON", "application/x-ndjson", "", Config{}, http.StatusBadRequest, "empty_batch", "/records"},
		{"blank NDJSON", "application/x-ndjson", "\n  \n\t\n", Config{}, http.StatusBadRequest, "empty_batch", "/records"},
		{"JSON not valid", "application/json", `{"records":[`, Config{}, http.StatusBadRequest, "malformed_json", ""},
		{"JSON not an object", "application/json", `[` + a + `]`, Config{}, http.StatusBadRequest, "invalid_body", ""},
		{"JSON without records", "application/json", `{}`, Config{}, http.StatusBadRequest, "missing_field", "/records"},
		{"JSON records not an array", "application/json", `{"records":{}}`, Config{}, http.StatusBadRequest, "wrong_type", "/records"},
		{"JSON with another field", "application/json", `{"records":[` + a + `],"dry/run":true}`, Config{}, http.StatusBadRequest, "unknown_field", "/dry~1run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raws, e := readBatch(post(tt.contentType, tt.body), tt.cfg)
			if e == nil {
				t.Fatalf("readBatch accepted %d records", len(raws))
			}
			if e.Status != tt.status || e.Code != tt.code || e.Pointer != tt.pointer {
				t.Errorf("readBatch = %d %s at %q, want %d %s at %q", e.Status, e.Code, e.Pointer, tt.status, tt.code, tt.pointer)
			}
			if e.Message == "" {
				t.Errorf("%s has no message", e.Code)
			}
		})
	}
}
