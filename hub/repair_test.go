package hub_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/workday"
)

// testClock is the API's clock in these tests: the real time, moved on at
// will.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }
func monthsAgo(m int) string {
	return time.Now().In(workday.Location).AddDate(0, -m, 0).Format(time.DateOnly)
}
func repairDate(s string) (t time.Time, err error) {
	return time.ParseInLocation(time.DateOnly, s, workday.Location)
}

// repairView is a repair application as the API answers it.
type repairView struct {
	ID            string    `json:"id"`
	TrackingToken string    `json:"tracking_token"`
	RecordID      string    `json:"record_id"`
	Department    string    `json:"department"`
	Status        string    `json:"status"`
	ReviewBy      time.Time `json:"review_by"`
	ReviewedAt    time.Time `json:"reviewed_at"`
	Overdue       bool      `json:"overdue"`
	Reasons       []string  `json:"reasons"`
	Proof         []struct {
		Name string `json:"name"`
		Size int    `json:"size"`
	} `json:"proof"`
	// ApplyFrom comes with repair_too_early.
	Code      string `json:"code"`
	ApplyFrom string `json:"apply_from"`
}

// applicant is a person with a record: what they prove themselves with.
type applicant struct{ recordID, name, idNumber string }

// penaltyAbout publishes, as the market regulator, a general administrative
// penalty (shown 3 to 12 months) about the person with idNumber, decided
// monthsBefore months ago.
func (b *bundle) penaltyAbout(idNumber, sourceID string, monthsBefore int) applicant {
	b.t.Helper()
	d := b.about("administrative_penalty", idNumber, "")
	d["severity"] = "general"
	d["decision"].(map[string]any)["date"] = monthsAgo(monthsBefore)
	return b.publishAbout(marketKey, "administrative_penalty", sourceID, d)
}

// publishAbout publishes data as key and waits until the record is stored.
func (b *bundle) publishAbout(key, code, sourceID string, data map[string]any) applicant {
	b.t.Helper()
	id := b.submitAs(key, envelope(code, "upsert", sourceID, data)).Receipts[0].RecordID
	b.waitVersionAs(id, 1)
	subject := data["subject"].(map[string]any)
	return applicant{id, subject["name"].(string), subject["id_number"].(string)}
}

var syntheticPDF = []byte("%PDF-1.4\n% synthetic proof\n")

// application is a complete repair application by a.
func (a applicant) application() map[string]any {
	file := func(name string) []map[string]any {
		return []map[string]any{{"name": name, "media_type": "application/pdf",
			"content_base64": base64.StdEncoding.EncodeToString(syntheticPDF)}}
	}
	return map[string]any{"record_id": a.recordID, "name": a.name, "id_number": a.idNumber,
		"statement": "罚款已全额缴纳，违法行为已整改。", "proof": file("receipt.pdf"), "commitment": file("commitment.pdf")}
}

// token is the applicant's ID token.
func (b *bundle) token(a applicant) string { return b.idToken(a.name, a.idNumber) }

// apply submits an application with the applicant's ID token and expects
// 201.
func (b *bundle) apply(a applicant) repairView {
	b.t.Helper()
	var v repairView
	if got := b.call(http.MethodPost, "/v1/repairs", b.token(a), a.application(), &v); got != http.StatusCreated {
		b.t.Fatalf("repair application answered %d (%+v), want 201", got, v)
	}
	if v.Status != "submitted" || v.TrackingToken == "" || v.ReviewBy.IsZero() {
		b.t.Fatalf("receipt = %+v, want submitted with a tracking token and a review deadline", v)
	}
	return v
}

// decideRepair posts a decision as key.
func (b *bundle) decideRepair(key, id string, body map[string]any, out any) int {
	b.t.Helper()
	return b.call(http.MethodPost, "/v1/repairs/"+id+"/decision", key, body, out)
}

// repairsListed lists applications as key with query and returns their ids.
func (b *bundle) repairsListed(key, query string) []string {
	b.t.Helper()
	var page struct{ Repairs []repairView }
	if got := b.call(http.MethodGet, "/v1/repairs"+query, key, nil, &page); got != http.StatusOK {
		b.t.Fatalf("GET /v1/repairs%s answered %d", query, got)
	}
	var ids []string
	for _, r := range page.Repairs {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestRepairApprovedEndsDisplayAndTellsSubscribers(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	sub := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"})
	person := ident.NewCitizenID(b.rand)
	early := b.penaltyAbout(person, "REP-EARLY", 1)
	due := b.penaltyAbout(person, "REP-DUE", 6)

	t.Run("before the minimum display period it is refused with the date to apply from", func(t *testing.T) {
		var v repairView
		if got := b.with(t).call(http.MethodPost, "/v1/repairs", b.token(early), early.application(), &v); got != http.StatusConflict || v.Code != "repair_too_early" {
			t.Fatalf("early application = %d %q, want 409 repair_too_early", got, v.Code)
		}
		decided, _ := repairDate(monthsAgo(1))
		minEnd, _ := lifecycle.Window(decided, lifecycle.Period{MinMonths: 3, MaxMonths: 12})
		if want := minEnd.AddDate(0, 0, 1).Format(time.DateOnly); v.ApplyFrom != want {
			t.Errorf("apply_from = %q, want %q", v.ApplyFrom, want)
		}
	})

	t.Run("a wrong name, ID number, record or person is refused alike", func(t *testing.T) {
		b := b.with(t)
		wrongName, wrongID, wrongRecord := due, due, due
		wrongName.name = "李不对"
		wrongID.idNumber = ident.NewCitizenID(b.rand)
		wrongRecord.recordID = "rec_doesnotexistdoesnotexist"
		var messages []string
		for _, c := range []struct {
			token string
			a     applicant
		}{{b.token(due), wrongName}, {b.token(due), wrongID}, {b.token(due), wrongRecord}, {b.token(wrongID), due}} {
			a := c.a
			var e apiError
			if got := b.call(http.MethodPost, "/v1/repairs", c.token, a.application(), &e); got != http.StatusNotFound || e.Code != "not_the_subject" {
				t.Errorf("application %+v = %d %q, want 404 not_the_subject", a, got, e.Code)
			}
			messages = append(messages, e.Message)
		}
		if len(slices.Compact(slices.Clone(messages))) != 1 {
			t.Errorf("the refusals differ, telling which part was wrong: %q", messages)
		}
	})

	app := b.apply(due)

	t.Run("one application under review per record", func(t *testing.T) {
		var e apiError
		if got := b.with(t).call(http.MethodPost, "/v1/repairs", b.token(due), due.application(), &e); got != http.StatusConflict || e.Code != "repair_pending" {
			t.Errorf("second application = %d %q, want 409 repair_pending", got, e.Code)
		}
	})

	t.Run("the applicant, the deciding department and operators follow it; no one else", func(t *testing.T) {
		b := b.with(t)
		for _, c := range []struct {
			who, bearer string
			want        int
		}{
			{"its tracking token", app.TrackingToken, http.StatusOK},
			{"the deciding department", marketKey, http.StatusOK},
			{"an operator", opKey, http.StatusOK},
			{"another department", taxKey, http.StatusNotFound},
			{"an agency", agencyKey, http.StatusNotFound},
			{"a wrong token", app.TrackingToken + "x", http.StatusUnauthorized},
			{"nobody", "", http.StatusUnauthorized},
		} {
			var v repairView
			got := b.call(http.MethodGet, "/v1/repairs/"+app.ID, c.bearer, nil, &v)
			if got != c.want || (got == http.StatusOK && (v.Status != "submitted" || v.RecordID != due.recordID || v.Overdue)) {
				t.Errorf("GET as %s = %d %+v, want %d (submitted, not overdue)", c.who, got, v, c.want)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, b.url+"/v1/repairs/"+app.ID+"/files/proof/0", nil)
		req.Header.Set("Authorization", "Bearer "+marketKey)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || string(body) != string(syntheticPDF) || res.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("proof file = %d %q %q, want the PDF as attached", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		if ids := b.repairsListed(marketKey, "?status=submitted"); !slices.Contains(ids, app.ID) {
			t.Errorf("the deciding department's submitted applications %v miss %s", ids, app.ID)
		}
		if ids := b.repairsListed(taxKey, ""); slices.Contains(ids, app.ID) {
			t.Errorf("another department lists %s", app.ID)
		}
		var e apiError
		if got := b.call(http.MethodGet, "/v1/repairs", agencyKey, nil, &e); got != http.StatusForbidden || e.Code != "not_a_department" {
			t.Errorf("an agency's listing = %d %q, want 403 not_a_department", got, e.Code)
		}
	})

	t.Run("only the record's source department decides", func(t *testing.T) {
		b := b.with(t)
		var e apiError
		if got := b.decideRepair(taxKey, app.ID, map[string]any{"outcome": "approved"}, &e); got != http.StatusNotFound || e.Code != "repair_not_found" {
			t.Errorf("decision by another department = %d %q, want 404 repair_not_found", got, e.Code)
		}
		if got := b.decideRepair(agencyKey, app.ID, map[string]any{"outcome": "approved"}, &e); got != http.StatusForbidden || e.Code != "not_a_department" {
			t.Errorf("decision by an agency = %d %q, want 403 not_a_department", got, e.Code)
		}
	})

	var decided repairView
	if got := b.decideRepair(marketKey, app.ID, map[string]any{"outcome": "approved"}, &decided); got != http.StatusOK || decided.Status != "approved" {
		t.Fatalf("approval = %d %+v, want 200 approved", got, decided)
	}

	t.Run("the record is no longer displayed and its history says why", func(t *testing.T) {
		b := b.with(t)
		b.waitVersionAs(due.recordID, 2)
		if n := b.count(`SELECT count(*) FROM records WHERE record_id = $1 AND display = 'repaired' AND state = 'active'`, due.recordID); n != 1 {
			t.Errorf("records.display of %s is not repaired", due.recordID)
		}
		_, rec := b.get(marketKey, due.recordID)
		if last := rec.History[len(rec.History)-1]; last.Op != "repair" || last.Version != 2 {
			t.Errorf("GET /v1/records: last version %+v, want version 2 op repair", last)
		}
		if n := b.count(`SELECT count(*) FROM records WHERE record_id = $1 AND display = 'displayed'`, early.recordID); n != 1 {
			t.Errorf("the person's other record is no longer displayed")
		}
	})

	t.Run("every subscriber of the type receives record.repaired", func(t *testing.T) {
		b := b.with(t)
		cursor := "0"
		wait.For(t, 30*time.Second, "record.repaired reaches the subscriber", func() bool {
			page := b.events(agencyKey, sub.ID, cursor, 1)
			cursor = page.Next
			for _, raw := range page.Events {
				var e struct {
					Type     string `json:"type"`
					RecordID string `json:"record_id"`
				}
				json.Unmarshal(raw, &e)
				if e.Type == "record.repaired" && e.RecordID == due.recordID {
					return true
				}
			}
			return false
		})
	})

	t.Run("a decided application stays decided, and its applicant sees so", func(t *testing.T) {
		b := b.with(t)
		var e apiError
		if got := b.decideRepair(marketKey, app.ID, map[string]any{"outcome": "refused", "reasons": []string{"late"}}, &e); got != http.StatusConflict || e.Code != "repair_decided" {
			t.Errorf("second decision = %d %q, want 409 repair_decided", got, e.Code)
		}
		var v repairView
		b.call(http.MethodGet, "/v1/repairs/"+app.ID, app.TrackingToken, nil, &v)
		if v.Status != "approved" || v.ReviewedAt.IsZero() {
			t.Errorf("tracked application = %+v, want approved with its review time", v)
		}
		var refused apiError
		if got := b.call(http.MethodPost, "/v1/repairs", b.token(due), due.application(), &refused); got != http.StatusConflict || refused.Code != "display_ended" {
			t.Errorf("applying again for the repaired record = %d %q, want 409 display_ended", got, refused.Code)
		}
	})
}

func TestRepairRefusedWithReasons(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	due := b.penaltyAbout(ident.NewCitizenID(b.rand), "REP-REFUSE", 5)
	app := b.apply(due)

	for _, c := range []struct {
		name    string
		reasons []string
		pointer string
	}{
		{"no reasons", nil, "/reasons"},
		{"a blank reason", []string{"receipt missing", " "}, "/reasons/1"},
	} {
		var e fieldErrors
		decision := map[string]any{"outcome": "refused"}
		if c.reasons != nil {
			decision["reasons"] = c.reasons
		}
		got := b.decideRepair(marketKey, app.ID, decision, &e)
		if got != http.StatusBadRequest || e.Code != "invalid_decision" || !e.has("required", c.pointer) {
			t.Errorf("refusal with %s = %d %+v, want 400 invalid_decision with required at %s", c.name, got, e, c.pointer)
		}
	}
	var e apiError
	if got := b.decideRepair(marketKey, app.ID, map[string]any{"outcome": "maybe"}, &e); got != http.StatusBadRequest || e.Code != "invalid_outcome" {
		t.Errorf("outcome maybe = %d %q, want 400 invalid_outcome", got, e.Code)
	}

	var v repairView
	reasons := []string{"未提交罚款缴纳凭证"}
	if got := b.decideRepair(marketKey, app.ID, map[string]any{"outcome": "refused", "reasons": reasons}, &v); got != http.StatusOK {
		t.Fatalf("refusal = %d, want 200", got)
	}
	b.call(http.MethodGet, "/v1/repairs/"+app.ID, app.TrackingToken, nil, &v)
	if v.Status != "refused" || !slices.Equal(v.Reasons, reasons) {
		t.Errorf("tracked application = %+v, want refused with reasons %q", v, reasons)
	}
	if n := b.count(`SELECT count(*) FROM records WHERE record_id = $1 AND display = 'displayed' AND version = 1`, due.recordID); n != 1 {
		t.Error("a refused application changed the record")
	}
	if again := b.apply(due); again.ID == app.ID {
		t.Error("a new application after a refusal got the old id")
	}
}

func TestRepairRefusedForWhatCannotBeRepaired(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	person := ident.NewCitizenID(b.rand)
	past := b.penaltyAbout(person, "REP-PAST", 13) // a general penalty is shown at most 12 months
	revoked := b.penaltyAbout(person, "REP-REVOKED", 6)
	b.submitAs(marketKey, envelope("administrative_penalty", "revoke", "REP-REVOKED", nil))
	b.waitVersionAs(revoked.recordID, 2)
	honour := b.publishAbout(civilKey, "honour_commendation", "HON-1",
		b.about("honour_commendation", person, ""))

	for _, c := range []struct {
		name string
		a    applicant
		code string
	}{
		{"past its maximum display period", past, "display_ended"},
		{"revoked", revoked, "display_ended"},
		{"a red list honour", honour, "not_repairable"},
	} {
		var e apiError
		if got := b.call(http.MethodPost, "/v1/repairs", b.token(c.a), c.a.application(), &e); got != http.StatusConflict || e.Code != c.code {
			t.Errorf("%s: = %d %q, want 409 %s", c.name, got, e.Code, c.code)
		}
	}

	due := b.penaltyAbout(person, "REP-FIELDS", 6)
	for _, c := range []struct {
		name          string
		edit          func(map[string]any)
		code, pointer string
	}{
		{"no commitment", func(m map[string]any) { delete(m, "commitment") }, "required", "/commitment"},
		{"no statement", func(m map[string]any) { m["statement"] = " " }, "required", "/statement"},
		{"a Word file", func(m map[string]any) {
			m["proof"].([]map[string]any)[0]["media_type"] = "application/msword"
		}, "media_type", "/proof/0/media_type"},
		{"content not base64", func(m map[string]any) {
			m["proof"].([]map[string]any)[0]["content_base64"] = "%%%"
		}, "invalid_base64", "/proof/0/content_base64"},
	} {
		body := due.application()
		c.edit(body)
		var e fieldErrors
		if got := b.call(http.MethodPost, "/v1/repairs", b.token(due), body, &e); got != http.StatusBadRequest || e.Code != "invalid_repair" || !e.has(c.code, c.pointer) {
			t.Errorf("%s: = %d %+v, want 400 invalid_repair with %s at %s", c.name, got, e, c.code, c.pointer)
		}
	}
	if n := b.count(`SELECT count(*) FROM repairs`); n != 0 {
		t.Errorf("%d applications stored, want none", n)
	}
}

func TestRepairOverdueListedAndCounted(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	b := setup(t, options{now: clock.now})
	app := b.apply(b.penaltyAbout(ident.NewCitizenID(b.rand), "REP-LATE", 6))
	if ids := b.repairsListed(opKey, "?overdue=true"); len(ids) != 0 || gauge(t, b, "credex_repairs_overdue") != 0 {
		t.Fatalf("just submitted: overdue %v, gauge %v; want none", ids, gauge(t, b, "credex_repairs_overdue"))
	}
	clock.advance(app.ReviewBy.Sub(clock.now()) - time.Minute)
	if ids := b.repairsListed(opKey, "?overdue=true"); len(ids) != 0 {
		t.Fatalf("a minute before the deadline: overdue %v, want none", ids)
	}
	clock.advance(2 * time.Minute)
	for _, key := range []string{opKey, marketKey} {
		if ids := b.repairsListed(key, "?overdue=true"); !slices.Equal(ids, []string{app.ID}) {
			t.Errorf("past the deadline, overdue as %s = %v, want [%s]", key, ids, app.ID)
		}
	}
	if ids := b.repairsListed(taxKey, "?overdue=true"); len(ids) != 0 {
		t.Errorf("another department's overdue = %v, want none", ids)
	}
	if g := gauge(t, b, "credex_repairs_overdue"); g != 1 {
		t.Errorf("credex_repairs_overdue = %v, want 1", g)
	}
	var v repairView
	b.call(http.MethodGet, "/v1/repairs/"+app.ID, app.TrackingToken, nil, &v)
	if !v.Overdue {
		t.Error("the applicant is not shown the review is overdue")
	}
	if got := b.decideRepair(marketKey, app.ID, map[string]any{"outcome": "approved"}, &v); got != http.StatusOK || v.Overdue {
		t.Errorf("late approval = %d overdue %v, want 200, no longer overdue", got, v.Overdue)
	}
	if g := gauge(t, b, "credex_repairs_overdue"); g != 0 {
		t.Errorf("after the decision, credex_repairs_overdue = %v, want 0", g)
	}
}

// listsAnswer is an answer of POST /v1/lists/query.
type listsAnswer struct {
	Red         []listEntry `json:"red"`
	Black       []listEntry `json:"black"`
	NotEntitled []string    `json:"not_entitled"`
}

type listEntry struct {
	RecordID string          `json:"record_id"`
	Type     string          `json:"type"`
	Title    string          `json:"title"`
	Grounds  string          `json:"grounds"`
	Until    *string         `json:"until"`
	IDNumber string          `json:"id_number"`
	Data     json.RawMessage `json:"data"`
}

func (l listsAnswer) ids() (red, black []string) {
	for _, e := range l.Red {
		red = append(red, e.RecordID)
	}
	for _, e := range l.Black {
		black = append(black, e.RecordID)
	}
	slices.Sort(red)
	slices.Sort(black)
	return red, black
}

// queryLists asks the lists as key about a person.
func (b *bundle) queryLists(key string, body map[string]any) listsAnswer {
	b.t.Helper()
	var l listsAnswer
	if got := b.call(http.MethodPost, "/v1/lists/query", key, body, &l); got != http.StatusOK {
		b.t.Fatalf("list query %v as %s = %d, want 200", body, key, got)
	}
	return l
}

func sorted(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

func TestListsShowRedAndBlackEntries(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	person, name := ident.NewCitizenID(b.rand), "钱测试"
	about := func(code string, months int) map[string]any {
		return b.example(code, func(d map[string]any) {
			d["subject"] = map[string]any{"name": name, "id_number": person}
			d["decision"].(map[string]any)["date"] = monthsAgo(months)
		})
	}
	recent := b.publishAbout(taxKey, "serious_dishonesty", "SD-RECENT", about("serious_dishonesty", 2))
	old := b.publishAbout(taxKey, "serious_dishonesty", "SD-OLD", about("serious_dishonesty", 14)) // shown 12 to 36 months
	honour := b.publishAbout(civilKey, "honour_commendation", "HON-1", about("honour_commendation", 1))
	volunteer := b.publishAbout(civilKey, "volunteer_service", "VOL-1", about("volunteer_service", 1))
	other := ident.NewCitizenID(b.rand)
	b.penaltyAbout(other, "PEN-OTHER", 2)

	t.Run("a government agency sees both lists in full, with grounds and until", func(t *testing.T) {
		b := b.with(t)
		l := b.queryLists(agencyKey, map[string]any{"id_number": person})
		red, black := l.ids()
		if !slices.Equal(red, sorted(honour.recordID, volunteer.recordID)) || !slices.Equal(black, sorted(recent.recordID, old.recordID)) {
			t.Fatalf("red %v black %v, want the honour and volunteer service, and both dishonesty entries", red, black)
		}
		if len(l.NotEntitled) != 0 {
			t.Errorf("not_entitled = %v, want none for a government agency", l.NotEntitled)
		}
		e := l.Black[slices.IndexFunc(l.Black, func(e listEntry) bool { return e.RecordID == recent.recordID })]
		decided, _ := repairDate(monthsAgo(2))
		_, maxEnd := lifecycle.Window(decided, lifecycle.Period{MinMonths: 12, MaxMonths: 36})
		if e.Grounds != "tax_evasion" || e.Title != "重大税收违法失信主体名单" || e.Until == nil || *e.Until != maxEnd.Format(time.DateOnly) {
			t.Errorf("black list entry = %+v, want grounds tax_evasion, its list's name, until %s", e, maxEnd.Format(time.DateOnly))
		}
		if e.IDNumber != person {
			t.Errorf("a government agency sees id_number %q, want it in full", e.IDNumber)
		}
		v := l.Red[slices.IndexFunc(l.Red, func(e listEntry) bool { return e.RecordID == volunteer.recordID })]
		if v.Until != nil {
			t.Errorf("volunteer service (no display period) until = %q, want null", *v.Until)
		}
	})

	t.Run("a financial institution sees only what it is entitled to, masked", func(t *testing.T) {
		b := b.with(t)
		l := b.queryLists(bankKey, map[string]any{"id_number": person, "name": name})
		if red, _ := l.ids(); !slices.Equal(red, []string{honour.recordID}) || !slices.Contains(l.NotEntitled, "volunteer_service") {
			t.Errorf("red %v not_entitled %v, want only the honour, and volunteer_service not entitled", red, l.NotEntitled)
		}
		masked := ident.MaskCitizenID(person)
		for _, e := range append(l.Red, l.Black...) {
			var d struct {
				Subject struct {
					IDNumber string `json:"id_number"`
				}
			}
			json.Unmarshal(e.Data, &d)
			if e.IDNumber != masked || d.Subject.IDNumber != masked {
				t.Errorf("%s: id_number %q, in data %q; want both %q", e.RecordID, e.IDNumber, d.Subject.IDNumber, masked)
			}
		}
	})

	t.Run("only the person asked about, under the name given", func(t *testing.T) {
		b := b.with(t)
		for _, body := range []map[string]any{
			{"id_number": other},
			{"id_number": person, "name": "李不对"},
		} {
			if red, black := b.queryLists(agencyKey, body).ids(); len(red)+len(black) != 0 {
				t.Errorf("query %v: red %v black %v, want none", body, red, black)
			}
		}
		var e apiError
		if got := b.call(http.MethodPost, "/v1/lists/query", marketKey, map[string]any{"id_number": person}, &e); got != http.StatusForbidden || e.Code != "not_an_agency" {
			t.Errorf("query by a department = %d %q, want 403 not_an_agency", got, e.Code)
		}
		if got := b.call(http.MethodPost, "/v1/lists/query", agencyKey, map[string]any{"id_number": flipCheck(person)}, &e); got != http.StatusBadRequest || e.Code != "invalid_id_number" {
			t.Errorf("query with a bad check character = %d %q, want 400 invalid_id_number", got, e.Code)
		}
	})

	t.Run("revoked and repaired entries leave the list", func(t *testing.T) {
		b := b.with(t)
		b.submitAs(taxKey, envelope("serious_dishonesty", "revoke", "SD-RECENT", nil))
		b.waitVersionAs(recent.recordID, 2)
		app := b.apply(old)
		var v repairView
		if got := b.decideRepair(taxKey, app.ID, map[string]any{"outcome": "approved"}, &v); got != http.StatusOK {
			t.Fatalf("approval = %d, want 200", got)
		}
		b.waitVersionAs(old.recordID, 2)
		red, black := b.queryLists(agencyKey, map[string]any{"id_number": person}).ids()
		if len(black) != 0 || len(red) != 2 {
			t.Errorf("after revocation and repair: red %v black %v, want the two red entries only", red, black)
		}
	})
}
