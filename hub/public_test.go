package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
	"github.com/credex/credex/workday"
)

// transportKey is the key of a department of transport and civil affairs
// that the public display tests add, to publish types shared between
// government bodies only.
const transportKey = "test-transport-key"

// publicCase is one record of the public display matrix.
type publicCase struct {
	disclosure, state, display, window string

	key, code, sourceID, name, idNumber string
	recordID                            string
}

func (c *publicCase) String() string {
	return c.disclosure + "/" + c.state + "/" + c.display + "/" + c.window
}

// visible is the rule under test: public, active, displayed, and inside its
// window or without one.
func (c *publicCase) visible() bool {
	return c.disclosure == "public" && c.state == "active" && c.display == "displayed" &&
		(c.window == "open" || c.window == "none")
}

// The record types of each disclosure, by whether their display rules give
// a window, and the department key that publishes them. authorised_inquiry
// types all have windows; the matrix takes its windowless records from
// tax_credit and removes their window in the database.
var publicTypes = map[string]map[bool]struct{ code, key string }{
	"public": {
		true:  {"administrative_penalty", marketKey},
		false: {"administrative_licence", marketKey},
	},
	"government_shared": {
		true:  {"traffic_violation", transportKey},
		false: {"volunteer_service", transportKey},
	},
	"authorised_inquiry": {
		true:  {"tax_credit", taxKey},
		false: {"tax_credit", taxKey},
	},
}

// decisionDate is a decision date, in Beijing, that puts a record of any of
// publicTypes in the window state: open (decided a month ago), not yet
// (decided a month from now), ended (decided six years ago: past every
// maximum of these types, at most 60 months).
func decisionDate(window string) string {
	now := time.Now().In(workday.Location)
	switch window {
	case "not_yet":
		now = now.AddDate(0, 1, 0)
	case "ended":
		now = now.AddDate(-6, 0, 0)
	default:
		now = now.AddDate(0, -1, 0)
	}
	return now.Format(time.DateOnly)
}

// TestPublicQueryShowsOnlyWhatIsDisplayed builds a record for every
// combination of disclosure, state, display and window through the real
// pipeline, and checks that the public query and the public record read
// show exactly the public, active, displayed records inside their window
// (or without one), and never a full ID number.
func TestPublicQueryShowsOnlyWhatIsDisplayed(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	ctx := context.Background()
	transport := principal.SeedEntry{Kind: principal.Department, Name: "transport", Key: transportKey,
		Code: ident.NewCreditCode(b.rand), Types: []string{"traffic_violation", "volunteer_service"}}
	if err := b.hub.Store().SavePrincipals(ctx, []principal.SeedEntry{transport}); err != nil {
		t.Fatal(err)
	}

	var cases []*publicCase
	for _, disclosure := range []string{"public", "government_shared", "authorised_inquiry"} {
		for _, state := range []string{"active", "revoked"} {
			for _, display := range []string{"displayed", "expired", "repaired"} {
				for _, window := range []string{"open", "not_yet", "ended", "none"} {
					typ := publicTypes[disclosure][window != "none"]
					cases = append(cases, &publicCase{disclosure: disclosure, state: state, display: display, window: window,
						key: typ.key, code: typ.code, sourceID: fmt.Sprintf("PUB-%03d", len(cases)),
						idNumber: ident.NewCitizenID(b.rand)})
				}
			}
		}
	}
	// Every record is about a person of its own, so that a query for them
	// answers with that record or nothing.
	byKey := map[string][]map[string]any{}
	for _, c := range cases {
		date := decisionDate(c.window)
		data := b.example(c.code, func(d map[string]any) {
			d["subject"].(map[string]any)["id_number"] = c.idNumber
			d["decision"].(map[string]any)["date"] = date
			if c.code == "administrative_penalty" || c.code == "traffic_violation" {
				d["severity"] = "general" // displayed 3 to 12 months
			}
		})
		c.name = data["subject"].(map[string]any)["name"].(string)
		byKey[c.key] = append(byKey[c.key], envelope(c.code, "upsert", c.sourceID, data))
	}
	for _, key := range []string{marketKey, transportKey, taxKey} {
		b.submitAs(key, byKey[key]...)
	}
	for _, c := range cases {
		c.recordID = record.ID(b.idKey, b.departmentCode(c.key, transport), c.code, c.sourceID)
	}

	// Display ends first (a revoked record's display cannot end), then
	// revocations, each through the hub as its scheduler, credit repair and
	// departments would.
	var changes []*record.Record
	revocations := map[string][]map[string]any{}
	want := map[string]int{} // record id -> its final version
	for _, c := range cases {
		want[c.recordID] = 1
		if c.display != "displayed" {
			op := map[string]record.Op{"expired": record.OpExpire, "repaired": record.OpRepair}[c.display]
			changes = append(changes, b.lifecycleChange(c.recordID, c.code, b.departmentCode(c.key, transport), c.sourceID, op))
			want[c.recordID]++
		}
		if c.state == "revoked" {
			revocations[c.key] = append(revocations[c.key], envelope(c.code, "revoke", c.sourceID, nil))
			want[c.recordID]++
		}
	}
	first := map[string]int{}
	for id := range want {
		first[id] = 1
	}
	b.waitVersions(first, "the records to be stored")
	admitted, err := b.hub.Store().Admit(ctx, changes)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range admitted.Outcomes {
		if o != store.Changed {
			t.Fatalf("%s of %s: outcome %d, want Changed", changes[i].Op, changes[i].ID, o)
		}
	}
	for key, envs := range revocations {
		b.submitAs(key, envs...)
	}
	b.waitVersions(want, "every display change and revocation to be stored")
	// No authorised-inquiry type of the catalogue is windowless: remove
	// the window of those records directly, as of a type without display
	// rules.
	var windowless []string
	for _, c := range cases {
		if c.disclosure == "authorised_inquiry" && c.window == "none" {
			windowless = append(windowless, c.recordID)
		}
	}
	if _, err := b.db.Exec(ctx, `UPDATE records SET display_from = NULL, repair_from = NULL, display_until = NULL
		WHERE record_id = ANY($1)`, windowless); err != nil {
		t.Fatal(err)
	}

	// The answers never show a full ID number of anyone.
	scan := func(what, body string) {
		t.Helper()
		for _, c := range cases {
			if strings.Contains(body, c.idNumber) {
				t.Errorf("%s shows the full ID number of %s: %s", what, c, body)
			}
		}
	}
	_, notFound := b.publicGet("rec_nosuchrecord")
	shown := 0
	for _, c := range cases {
		status, body := b.publicQuery(c.name, c.idNumber)
		scan("query for "+c.String(), body)
		var answer struct {
			Records []struct {
				RecordID string          `json:"record_id"`
				Disputed *bool           `json:"disputed"`
				Data     json.RawMessage `json:"data"`
				Subject  struct {
					IDNumber string `json:"id_number_masked"`
				} `json:"subject"`
			} `json:"records"`
		}
		if err := json.Unmarshal([]byte(body), &answer); err != nil || status != http.StatusOK {
			t.Fatalf("query for %s = %d %s", c, status, body)
		}
		switch {
		case c.visible() && (len(answer.Records) != 1 || answer.Records[0].RecordID != c.recordID):
			t.Errorf("query for %s = %s, want its record", c, body)
		case c.visible():
			shown++
			r := answer.Records[0]
			if r.Disputed == nil || *r.Disputed || r.Subject.IDNumber != ident.MaskCitizenID(c.idNumber) {
				t.Errorf("query for %s = %s, want it undisputed with the ID number masked", c, body)
			}
		case len(answer.Records) != 0:
			t.Errorf("query for %s = %s, want no record", c, body)
		}
		status, body = b.publicGet(c.recordID)
		scan("public record "+c.String(), body)
		switch {
		case c.visible() && status != http.StatusOK:
			t.Errorf("public record %s = %d %s, want 200", c, status, body)
		case !c.visible() && (status != http.StatusNotFound || body != notFound):
			t.Errorf("public record %s = %d %s, want the answer of an unknown id, 404 %s", c, status, body, notFound)
		}
		// Another name with the same number finds nothing.
		if _, body := b.publicQuery(c.name+"某", c.idNumber); body != `{"records":[]}`+"\n" {
			t.Errorf("query for %s under another name = %s, want no records", c, body)
		}
	}
	if shown != 2 {
		t.Errorf("%d records shown, want 2 (a public record with an open window and one without)", shown)
	}

	// An open objection shows: the shown record is disputed.
	var open *publicCase
	for _, c := range cases {
		if c.visible() && c.window == "open" {
			open = c
		}
	}
	dispute := b.lifecycleChange(open.recordID, open.code, b.departmentCode(open.key, transport), open.sourceID, record.OpDispute)
	if _, err := b.hub.Store().Admit(ctx, []*record.Record{dispute}); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 30*time.Second, "the dispute to show", func() bool {
		_, body := b.publicGet(open.recordID)
		return strings.Contains(body, `"disputed":true`)
	})
}

// departmentCode is the unified social credit code of the department with key.
func (b *bundle) departmentCode(key string, extra ...principal.SeedEntry) string {
	b.t.Helper()
	for _, p := range append(b.cfg.Principals, extra...) {
		if p.Key == key {
			return p.Code
		}
	}
	b.t.Fatalf("no department with key %s", key)
	return ""
}

// lifecycleChange is a change the hub makes to a record itself.
func (b *bundle) lifecycleChange(id, code, department, sourceID string, op record.Op) *record.Record {
	b.t.Helper()
	rt, _ := b.catalog.Type(code)
	data := json.RawMessage(fmt.Sprintf(`{"test_change":%q}`, op))
	hash, err := record.ContentHash(op, data)
	if err != nil {
		b.t.Fatal(err)
	}
	return &record.Record{ID: id, Type: code, Op: op, Department: department, SourceID: sourceID,
		CatalogVersion: rt.Version, Data: data, ContentHash: hash, SubmissionID: "test_" + string(op) + "_" + id,
		AcceptedAt: time.Now().UTC(), Reason: "test " + string(op)}
}

// waitVersions waits until every record of want has its version stored.
func (b *bundle) waitVersions(want map[string]int, what string) {
	b.t.Helper()
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	wait.For(b.t, 60*time.Second, what, func() bool {
		rows, err := b.db.Query(context.Background(), `SELECT record_id, version FROM records WHERE record_id = ANY($1)`, ids)
		if err != nil {
			b.t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id string
			var v int
			if err := rows.Scan(&id, &v); err != nil {
				b.t.Fatal(err)
			}
			if v == want[id] {
				n++
			}
		}
		return n == len(want)
	})
}

// publicQuery asks the public query about a person, without a key.
func (b *bundle) publicQuery(name, idNumber string) (int, string) {
	b.t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "id_number": idNumber})
	res, err := http.Post(b.url+"/v1/public/query", "application/json", strings.NewReader(string(body)))
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// publicGet reads a public record, without a key.
func (b *bundle) publicGet(id string) (int, string) {
	b.t.Helper()
	res, err := http.Get(b.url + "/v1/public/records/" + id)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}
