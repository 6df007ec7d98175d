package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/credex/credex/api"
	"github.com/credex/credex/ident"
)

// TestGuessingAMaskedNumberIsStopped is the completion attack: someone who
// read a person's name and masked number (5001**********1934) on a public
// record, and knows their birth year, tries every candidate for the hidden
// digits through the public query, each from another address, until the
// answer shows the person's records. The bucket of the masked number stops
// the loop after a handful of tries, long before the right number comes,
// and it holds for every keyless route that takes an ID number.
func TestGuessingAMaskedNumberIsStopped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var cands []string
	for region := range 100 {
		for d := time.Date(1966, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == 1966; d = d.AddDate(0, 0, 1) {
			id := fmt.Sprintf("5001%02d%s1934", region, d.Format("20060102"))
			if ident.CheckCitizenID(id) == nil {
				cands = append(cands, id)
			}
		}
	}
	burst := api.DefaultLookupLimits.Person.Burst
	if at := slices.Index(cands, exampleIDNumber); at < burst {
		t.Fatalf("the right number is candidate %d; the test needs it after the first %d", at, burst)
	}
	post := func(i int, path, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader([]byte(body)))
		r.Header.Set("Content-Type", "application/json")
		r.RemoteAddr = fmt.Sprintf("198.51.%d.%d:40000", i/256%256, i%256)
		w := httptest.NewRecorder()
		b.handler.ServeHTTP(w, r)
		return w
	}

	served := 0
	for i, id := range cands {
		w := post(i, "/v1/public/query", `{"name":"`+exampleName+`","id_number":"`+id+`"}`)
		if w.Code == http.StatusTooManyRequests {
			if wait, _ := strconv.Atoi(w.Header().Get("Retry-After")); wait < 60 {
				t.Fatalf("try %d refused with Retry-After %q, want a minute or more", i+1, w.Header().Get("Retry-After"))
			}
			continue
		}
		served++
		var answer struct{ Records []json.RawMessage }
		if err := json.Unmarshal(w.Body.Bytes(), &answer); w.Code != http.StatusOK || err != nil {
			t.Fatalf("try %d = %d %s", i+1, w.Code, w.Body)
		}
		if len(answer.Records) > 0 {
			t.Fatalf("the guessing loop completed the masked number on try %d of %d", i+1, len(cands))
		}
	}
	if served > burst {
		t.Errorf("%d of %d candidates looked up, want at most %d", served, len(cands), burst)
	}
}
