package hub_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/workday"
)

// idCase is one way of writing a person's ID number, and what every door
// must make of it.
type idCase struct {
	name string
	in   string
	// rules are the rewritings a receipt reports for a number the hub
	// reads; nil with reason set for one it refuses.
	rules []string
	// reason is what the refusal says: a position and a rule.
	reason string
}

func (c idCase) valid() bool { return c.reason == "" }

// answer is the verdict of one door on one way of writing the number.
type doorAnswer struct {
	accepted bool
	message  string // of a refusal
}

// idTable is the ID table for the person with number id, born in the
// 1900s with the check character X.
func idTable(id string) []idCase {
	tomorrow := time.Now().In(workday.Location).AddDate(0, 0, 1).Format("20060102")
	return []idCase{
		{name: "as the hub keeps it", in: id, rules: []string{}},
		{name: "lowercase x", in: id[:17] + "x", rules: []string{ident.RuleLowercaseX}},
		{name: "spaces around", in: "  " + id + " ", rules: []string{ident.RuleTrimmedSpace}},
		{name: "ideographic spaces around", in: "\u3000" + id + "\u3000", rules: []string{ident.RuleTrimmedSpace}},
		{name: "full-width digits", in: fullWidth(id), rules: []string{ident.RuleFullWidth}},
		{name: "15-digit first-generation number", in: id[:6] + id[8:17], rules: []string{ident.RuleUpgraded15Digit}},
		{name: "15-digit number born on february 30", in: id[:6] + "900230" + id[14:17],
			reason: "read as a first-generation number of 15 digits, characters 7 to 12 are not a birth date"},
		{name: "bad check character", in: flipCheck(id),
			reason: "character 18, the check character, does not match characters 1 to 17"},
		{name: "born on february 30", in: id[:6] + "19900230" + id[14:],
			reason: "characters 7 to 14 are not a birth date"},
		{name: "born tomorrow", in: id[:6] + tomorrow + id[14:],
			reason: "characters 7 to 14 are a birth date later than today"},
		{name: "17 characters", in: id[:17],
			reason: "it has 17 characters; an ID number has 18 (or 15 for a first-generation number)"},
		{name: "a letter inside", in: id[:10] + "A" + id[11:],
			reason: "character 11 is not a digit"},
	}
}

var digitRun = regexp.MustCompile(`\p{Nd}{3,}`)

// holdsNumber reports whether a message repeats an ID number, or any run
// of 3 digits or more besides the names of standards and the earliest
// birth date: positions and counts have at most 2.
func holdsNumber(msg, in string) bool {
	rest := strings.NewReplacer("ISO 7064 MOD 11-2", "", "1900-01-01", "").Replace(msg)
	return strings.Contains(msg, strings.TrimSpace(in)) || digitRun.MatchString(rest)
}

// TestIDRuleIsTheSameAtEveryDoor is the ID table: a person's ID number,
// written in each way of the table, at the submissions, the public query,
// the lists query and objections. Every door accepts or refuses it alike,
// refuses it with the same position and rule, and a number it accepts, in
// whatever form, names the same person: the 15-digit form finds the
// records of the 18-digit one.
func TestIDRuleIsTheSameAtEveryDoor(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	var id string
	for id == "" || id[6:8] != "19" || id[17] != 'X' {
		id = ident.NewCitizenID(b.rand)
	}
	const name = "孙测试"
	table := idTable(id)
	yesterday := time.Now().In(workday.Location).AddDate(0, 0, -1).Format(time.DateOnly)
	penalty := func(idNumber string) map[string]any {
		return b.example("administrative_penalty", func(d map[string]any) {
			d["subject"] = map[string]any{"name": name, "id_number": idNumber}
			d["decision"].(map[string]any)["date"] = yesterday
		})
	}
	first := b.submitAs(marketKey, envelope("administrative_penalty", "upsert", "IDRULE-FIRST", penalty(id))).Receipts[0].RecordID
	black := b.publishAbout(taxKey, "serious_dishonesty", "IDRULE-SD", b.example("serious_dishonesty", func(d map[string]any) {
		d["subject"] = map[string]any{"name": name, "id_number": id}
		d["decision"].(map[string]any)["date"] = monthsAgo(2)
	}))
	answers := map[string]map[string]doorAnswer{} // case, door
	for _, c := range table {
		answers[c.name] = map[string]doorAnswer{}
	}

	// Submissions: one record a way of writing, in one batch.
	envs := make([]map[string]any, len(table))
	for i, c := range table {
		envs[i] = envelope("administrative_penalty", "upsert", sourceID("IDRULE", i), penalty(c.in))
	}
	var resp struct {
		Receipts []struct {
			Status     string `json:"status"`
			RecordID   string `json:"record_id"`
			Errors     []struct{ Code, Pointer, Message string }
			Normalized []struct{ Pointer, Rule, Message string }
		} `json:"receipts"`
	}
	if got := b.post(marketKey, "application/json", batch(envs...), &resp); got != http.StatusOK || len(resp.Receipts) != len(table) {
		t.Fatalf("submission answered %d with %d receipts, want 200 with %d", got, len(resp.Receipts), len(table))
	}
	recordOf := map[string]string{} // case, the record it submitted
	penalties := []string{first}
	for i, c := range table {
		rc, at := resp.Receipts[i], fmt.Sprintf("/records/%d/data/subject/id_number", i)
		switch rc.Status {
		case "accepted":
			answers[c.name]["submission"] = doorAnswer{accepted: true}
			recordOf[c.name] = rc.RecordID
			penalties = append(penalties, rc.RecordID)
			rules := []string{}
			for _, n := range rc.Normalized {
				rules = append(rules, n.Rule)
				if n.Pointer != at || n.Message == "" || holdsNumber(n.Message, c.in) {
					t.Errorf("%s: normalized %+v, want a message without the number at %s", c.name, n, at)
				}
			}
			if !slices.Equal(rules, c.rules) {
				t.Errorf("%s: the receipt reports the rules %v, want %v", c.name, rules, c.rules)
			}
		case "rejected":
			if len(rc.Errors) != 1 || rc.Errors[0].Code != "invalid_id_number" || rc.Errors[0].Pointer != at {
				t.Errorf("%s: rejected with %+v, want only invalid_id_number at %s", c.name, rc.Errors, at)
				continue
			}
			answers[c.name]["submission"] = doorAnswer{message: rc.Errors[0].Message}
		default:
			t.Fatalf("%s: receipt status %q", c.name, rc.Status)
		}
	}
	for _, c := range table {
		rid, ok := recordOf[c.name]
		if !ok {
			continue
		}
		v := b.waitVersion(rid, 1)
		if v.Subject.IDNumber != ident.MaskCitizenID(id) {
			t.Errorf("%s: the record's subject is %s, want %s", c.name, v.Subject.IDNumber, ident.MaskCitizenID(id))
		}
		// The version keeps the number as sent, for its department.
		var kept []string
		for _, r := range v.History[0].Rewritten {
			if r.Pointer != "/subject/id_number" || r.Original != c.in {
				t.Errorf("%s: the version keeps %+v, want the number as sent at /subject/id_number", c.name, r)
			}
			kept = append(kept, r.Rule)
		}
		if !slices.Equal(kept, c.rules) && len(kept)+len(c.rules) > 0 {
			t.Errorf("%s: the version keeps the rules %v, want %v", c.name, kept, c.rules)
		}
	}
	// Serious dishonesty is displayed publicly too.
	public := append(penalties, black.recordID)
	slices.Sort(public)

	// The public query and the lists query, which must find the person's
	// records: every penalty submitted above, whichever way its number
	// was written, and the black list entry.
	for _, c := range table {
		status, body := b.publicQuery(name, c.in)
		var answer struct {
			Records []struct {
				RecordID string `json:"record_id"`
			} `json:"records"`
			Message string `json:"message"`
			Code    string `json:"code"`
			Pointer string `json:"pointer"`
		}
		json.Unmarshal([]byte(body), &answer)
		switch status {
		case http.StatusOK:
			answers[c.name]["public query"] = doorAnswer{accepted: true}
			var ids []string
			for _, r := range answer.Records {
				ids = append(ids, r.RecordID)
			}
			if slices.Sort(ids); !slices.Equal(ids, public) {
				t.Errorf("%s: the public query shows %d records %v, want the person's %d %v", c.name, len(ids), ids, len(public), public)
			}
		case http.StatusBadRequest:
			if answer.Code != "invalid_id_number" || answer.Pointer != "/id_number" {
				t.Errorf("%s: the public query answered %s", c.name, body)
			}
			answers[c.name]["public query"] = doorAnswer{message: answer.Message}
		default:
			t.Errorf("%s: the public query answered %d %s", c.name, status, body)
		}

		a := b.raw(http.MethodPost, "/v1/lists/query", agencyKey, map[string]any{"id_number": c.in})
		var lists struct {
			listsAnswer
			Code, Message, Pointer string
		}
		json.Unmarshal([]byte(a.body), &lists)
		switch a.status {
		case http.StatusOK:
			answers[c.name]["lists query"] = doorAnswer{accepted: true}
			if _, got := lists.ids(); !slices.Equal(got, []string{black.recordID}) {
				t.Errorf("%s: the black list shows %v, want the person's entry %s", c.name, got, black.recordID)
			}
		case http.StatusBadRequest:
			if lists.Code != "invalid_id_number" || lists.Pointer != "/id_number" {
				t.Errorf("%s: the lists query answered %s", c.name, a.body)
			}
			answers[c.name]["lists query"] = doorAnswer{message: lists.Message}
		default:
			t.Errorf("%s: the lists query answered %d %s", c.name, a.status, a.body)
		}
	}

	// Objections, by the person with their ID token, naming themselves by
	// the number as written: about the record submitted with it, which
	// must be theirs, or the first one.
	token := b.idToken(name, id)
	for _, c := range table {
		rid := cmp.Or(recordOf[c.name], first)
		body := map[string]any{"record_id": rid, "name": name, "id_number": c.in, "grounds": "error", "statement": "罚款金额与处罚决定书不符。"}
		var e struct {
			Code   string `json:"code"`
			Errors []struct{ Code, Pointer, Message string }
		}
		switch got := b.call(http.MethodPost, "/v1/objections", token, body, &e); {
		case got == http.StatusCreated:
			answers[c.name]["objection"] = doorAnswer{accepted: true}
		case got == http.StatusBadRequest && len(e.Errors) == 1 && e.Errors[0].Code == "invalid_id_number" && e.Errors[0].Pointer == "/id_number":
			answers[c.name]["objection"] = doorAnswer{message: e.Errors[0].Message}
		default:
			t.Errorf("%s: the objection answered %d %+v", c.name, got, e)
		}
	}

	doors := []string{"submission", "public query", "lists query", "objection"}
	for _, c := range table {
		for _, door := range doors {
			a, ok := answers[c.name][door]
			switch {
			case !ok:
				continue // reported above
			case a.accepted != c.valid():
				t.Errorf("%s: %s accepted it: %v, want %v (%q)", c.name, door, a.accepted, c.valid(), a.message)
			case !c.valid() && !strings.Contains(a.message, c.reason):
				t.Errorf("%s: %s says %q, want it to say %q", c.name, door, a.message, c.reason)
			case holdsNumber(a.message, c.in):
				t.Errorf("%s: %s says %q, which holds the number", c.name, door, a.message)
			}
		}
	}
}
