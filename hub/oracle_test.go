package hub_test

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/record"
)

// unkeyedID is the id an outsider computes from a record's public fields
// and a guessed source id: the hash of the three that record ids once were.
func unkeyedID(department, recordType, sourceID string) string {
	sum := sha256.Sum256([]byte(department + "\x00" + recordType + "\x00" + sourceID))
	return "rec_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

// TestRecordIDsCannotBeComputedFromPublicFields is the listing attack: the
// department's code and the type are on every public record and source ids
// are case numbers in sequence, so an outsider computes ids and reads
// what the public query shows (a name and a masked number) without
// knowing anyone's ID number. No computed id finds the record; its own
// id, which only its department and the person learn, does.
func TestRecordIDsCannotBeComputedFromPublicFields(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	p := b.penaltyAbout(ident.NewCitizenID(b.rand), "MR-2026-0007", 1)
	status, body := b.publicGet(p.recordID)
	if status != http.StatusOK {
		t.Fatalf("the record's own id answered %d %s, want the public record", status, body)
	}
	var shown struct{ Department, Type string }
	if err := json.Unmarshal([]byte(body), &shown); err != nil || shown.Department != b.market.Code {
		t.Fatalf("the public record does not show its department: %v %s", err, body)
	}
	for n := 1; n <= 20; n++ {
		source := fmt.Sprintf("MR-2026-%04d", n)
		for _, guess := range []string{unkeyedID(shown.Department, shown.Type, source),
			record.ID(nil, shown.Department, shown.Type, source)} {
			if status, body := b.publicGet(guess); status != http.StatusNotFound {
				t.Fatalf("the id computed for source id %s answered %d %s, want 404", source, status, body)
			}
		}
	}
}

// TestNotFoundAnswersAlike: a caller who gives a name and an ID number
// learns nothing from the answer beyond what public display requires,
// whether no record is about the number, records are but none is public,
// or the name is not on the number's records: the same status, headers
// and body (tokens and ids random alike), after the same work (one audit
// entry each). The other routes that take an ID number act only for the
// person of an ID token.
func TestNotFoundAnswersAlike(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	public := b.penaltyAbout(ident.NewCitizenID(b.rand), "ALIKE-PUBLIC", 1)
	hidden := b.publishAbout(taxKey, "tax_credit", "ALIKE-TAX", b.about("tax_credit", ident.NewCitizenID(b.rand), ""))
	type person struct{ name, idNumber string }
	noRecord := person{public.name, ident.NewCitizenID(b.rand)}
	notPublic := person{hidden.name, hidden.idNumber}
	wrongName := person{"张冒名", public.idNumber}

	for _, route := range []struct {
		path   string
		body   func(person) map[string]any
		people map[string]person
	}{
		{"/v1/public/query", func(p person) map[string]any { return map[string]any{"name": p.name, "id_number": p.idNumber} },
			map[string]person{"no record at all": noRecord, "records but not public": notPublic, "wrong name": wrongName}},
	} {
		t.Run(route.path, func(t *testing.T) {
			var first, firstCase string
			for name, p := range route.people {
				before := b.count(`SELECT count(*) FROM audit_log`)
				got := b.whole(route.path, route.body(p))
				if n := b.count(`SELECT count(*) FROM audit_log`) - before; n != 1 {
					t.Errorf("%s: %d audit entries, want 1 as for every case", name, n)
				}
				if first == "" {
					first, firstCase = got, name
					continue
				}
				if got != first {
					t.Errorf("%s answered\n%s\nbut %s answered\n%s", name, got, firstCase, first)
				}
			}
		})
	}
}

// randomParts are the values of an answer that differ on every request
// whatever the case: ids, tokens and times. whole replaces each by its
// shape.
var (
	randomParts = regexp.MustCompile(`"(id|token|expires_at)":"[^"]*"`)
	shapeChars  = regexp.MustCompile(`[0-9A-Za-z_-]`)
)

// whole posts body to path without a key and returns all a caller sees of
// the answer: status, headers but Date, and body, random parts (the
// request id among them) by shape.
func (b *bundle) whole(path string, body map[string]any) string {
	b.t.Helper()
	raw, _ := json.Marshal(body)
	res, err := http.Post(b.url+path, "application/json", strings.NewReader(string(raw)))
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	res.Header.Del("Date")
	if id := res.Header.Get("X-Request-Id"); id != "" {
		res.Header.Set("X-Request-Id", shapeChars.ReplaceAllString(id, "x"))
	}
	shaped := randomParts.ReplaceAllStringFunc(string(got), func(m string) string {
		k, v, _ := strings.Cut(m, ":")
		return k + ":" + shapeChars.ReplaceAllString(v, "x")
	})
	return fmt.Sprintf("%d %v\n%s", res.StatusCode, res.Header, shaped)
}
