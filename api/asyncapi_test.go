package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"testing"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/asyncapitest"
)

func asyncAPI(t *testing.T) ([]byte, *asyncapitest.Doc) {
	t.Helper()
	raw, err := os.ReadFile("asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return raw, asyncapitest.Parse(t, raw)
}

// TestAsyncAPIIsServed checks GET /asyncapi.yaml answers this very file,
// without a key.
func TestAsyncAPIIsServed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	raw, _ := asyncAPI(t)
	w := b.do("GET", "/asyncapi.yaml", "", "", nil)
	if w.Code != http.StatusOK || w.Body.String() != string(raw) {
		t.Errorf("GET /asyncapi.yaml = %d, and the body is not asyncapi.yaml", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("Content-Type = %q, want application/yaml", ct)
	}
}

// TestAsyncAPIExamplesAreValid: every message of every channel has an
// example, and each example's payload and headers are valid under the
// message's schemas.
func TestAsyncAPIExamplesAreValid(t *testing.T) {
	t.Parallel()
	_, doc := asyncAPI(t)
	for _, c := range doc.Channels() {
		for _, m := range c.Messages {
			if len(m.Examples) == 0 {
				t.Errorf("channel %s, message %s: no example", c.ID, m.ID)
			}
			for _, ex := range m.Examples {
				if m.ContentType == "application/json" {
					payload, _ := json.Marshal(ex.Payload)
					if err := doc.Validate(m.Payload, payload); err != nil {
						t.Errorf("channel %s, example %s: payload: %v", c.ID, ex.Name, err)
					}
				}
				switch {
				case m.Headers != nil:
					headers, _ := json.Marshal(ex.Headers)
					if err := doc.Validate(m.Headers, headers); err != nil {
						t.Errorf("channel %s, example %s: headers: %v", c.ID, ex.Name, err)
					}
				case len(ex.Headers) > 0:
					t.Errorf("channel %s, example %s: headers %v, but the message has none", c.ID, ex.Name, ex.Headers)
				}
			}
		}
	}
}

// TestAsyncAPIShowsOnlySyntheticIDNumbers: every citizen ID number the
// document shows is a synthetic one with a valid check character, and the
// examples of the delivery topics, which agencies read, show them masked.
func TestAsyncAPIShowsOnlySyntheticIDNumbers(t *testing.T) {
	t.Parallel()
	raw, doc := asyncAPI(t)
	ids := ident.FindCitizenIDs(string(raw))
	if len(ids) == 0 {
		t.Error("the document shows no ID number at all; this test checks nothing")
	}
	for _, id := range ids {
		if err := ident.CheckCitizenID(id); err != nil {
			t.Errorf("the document shows %s, which is no valid synthetic ID number: %v", ident.MaskCitizenID(id), err)
		}
	}
	masked := regexp.MustCompile(`^[0-9]{4}\*{10}[0-9]{3}[0-9X]$`)
	deliveries, ok := doc.Channel("credex.deliveries.sbn_qxtgq3lzmm2ahc4xn7hwpwbi", map[string]string{"prefix": ""})
	if !ok {
		t.Fatal("no channel of the delivery topics")
	}
	for _, m := range deliveries.Messages {
		for _, ex := range m.Examples {
			payload, _ := json.Marshal(ex.Payload)
			if found := ident.FindCitizenIDs(string(payload)); len(found) > 0 {
				t.Errorf("delivery example %s shows %d ID numbers in full", ex.Name, len(found))
			}
			var shown int
			walk(ex.Payload, func(node map[string]any) {
				if s, ok := node["id_number"].(string); ok {
					shown++
					if !masked.MatchString(s) {
						t.Errorf("delivery example %s: id_number %q is not masked as 5001**********1934", ex.Name, s)
					}
				}
			})
			if shown == 0 {
				t.Errorf("delivery example %s shows no masked id_number; this test checks nothing", ex.Name)
			}
		}
	}
}
