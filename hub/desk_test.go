package hub_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/credex/credex/ident"
)

// keySignIn signs br in to area (/desk/ or /ops/) with key and returns the
// answer.
func (br *browser) keySignIn(area, key string) page {
	br.t.Helper()
	return br.postForm(area, area+"signin", url.Values{"key": {key}})
}

// mustSignIn signs br in and expects to be sent to the area.
func (br *browser) mustSignIn(area, key string) {
	br.t.Helper()
	if got := br.keySignIn(area, key); got.status != http.StatusSeeOther || got.header.Get("Location") != area {
		br.t.Fatalf("sign in to %s = %d to %q, want 303 to %s:\n%s", area, got.status, got.header.Get("Location"), area, got.body)
	}
}

func TestDeskSignIn(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true, noRelay: true})
	br := b.browser()

	first := br.get("/desk/")
	if first.status != http.StatusOK || !strings.Contains(first.body, `id="desk-signin"`) || !strings.Contains(first.body, `type="password"`) {
		t.Fatalf("GET /desk/ signed out = %d, want 200 with the sign-in form:\n%s", first.status, first.body)
	}
	for _, tt := range []struct {
		name, key string
		status    int
		sentence  string
	}{
		{"a wrong key", "not-a-key-of-anyone", http.StatusUnauthorized, "不存在或已被吊销"},
		{"an agency's key", agencyKey, http.StatusForbidden, "不属于数据提供部门"},
		{"an operator's key", opKey, http.StatusForbidden, "不属于数据提供部门"},
		{"no key", " ", http.StatusBadRequest, "请填写"},
	} {
		got := br.keySignIn("/desk/", tt.key)
		if got.status != tt.status || !strings.Contains(got.body, `id="signin-error"`) || !strings.Contains(got.body, tt.sentence) {
			t.Errorf("%s: sign-in = %d, want %d with %q:\n%s", tt.name, got.status, tt.status, tt.sentence, got.body)
		}
		if strings.Contains(br.get("/desk/").body, `id="desk-signout"`) {
			t.Errorf("%s: signed in", tt.name)
		}
	}

	got := br.keySignIn("/desk/", marketKey)
	if got.status != http.StatusSeeOther || got.header.Get("Location") != "/desk/" {
		t.Fatalf("sign-in with the department's key = %d to %q, want 303 to /desk/", got.status, got.header.Get("Location"))
	}
	for _, c := range got.header.Values("Set-Cookie") {
		if strings.Contains(c, marketKey) {
			t.Errorf("a cookie holds the key: %s", c)
		}
	}
	desk := br.get("/desk/")
	if desk.status != http.StatusOK || !strings.Contains(desk.body, `id="desk-signout"`) || !strings.Contains(desk.body, b.market.Name) {
		t.Fatalf("GET /desk/ signed in = %d, want the desk of %s:\n%s", desk.status, b.market.Name, desk.body)
	}
	if strings.Contains(desk.body, marketKey) {
		t.Error("the desk shows the key")
	}

	if got := br.postForm("/desk/", "/desk/signout", url.Values{}); got.status != http.StatusSeeOther {
		t.Errorf("sign-out = %d, want 303", got.status)
	}
	if after := br.get("/desk/"); !strings.Contains(after.body, `id="desk-signin"`) || strings.Contains(after.body, `id="desk-signout"`) {
		t.Errorf("after signing out, /desk/ is not the sign-in form:\n%s", after.body)
	}
}

// A desk session lasts while the key it was opened with is valid: revoking
// the key signs it out at the next page, and no one else.
func TestDeskSessionEndsWithItsKey(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true, noRelay: true})
	second := b.rotate(marketKey, "desk")
	withSecond, withFirst := b.browser(), b.browser()
	withSecond.mustSignIn("/desk/", second.Key)
	withFirst.mustSignIn("/desk/", marketKey)
	if desk := withSecond.get("/desk/"); !strings.Contains(desk.body, `id="desk-signout"`) {
		t.Fatalf("signed in with the second key, /desk/ = %d without the desk:\n%s", desk.status, desk.body)
	}

	if got := b.raw(http.MethodDelete, "/v1/keys/"+second.ID, marketKey, nil); got.status != http.StatusOK {
		t.Fatalf("DELETE /v1/keys/%s = %d, want 200:\n%s", second.ID, got.status, got.body)
	}
	if desk := withSecond.get("/desk/"); !strings.Contains(desk.body, `id="desk-signin"`) || strings.Contains(desk.body, `id="desk-signout"`) {
		t.Errorf("after its key was revoked, the session still opens the desk:\n%s", desk.body)
	}
	if desk := withFirst.get("/desk/"); !strings.Contains(desk.body, `id="desk-signout"`) {
		t.Errorf("revoking another key signed out the session of the first:\n%s", desk.body)
	}
}

// TestDeskSignInCountsFailuresWithTheAPI: failed sign-ins and failed API
// calls from one address count against one limit.
func TestDeskSignInCountsFailuresWithTheAPI(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true, noRelay: true})
	b.cfg.FailedAuthLimit.Rate, b.cfg.FailedAuthLimit.Burst = 0.001, 2
	b = b.sibling(t) // a hub of this limit
	br := b.browser()
	if got := br.keySignIn("/desk/", "wrong-key-1"); got.status != http.StatusUnauthorized {
		t.Fatalf("first failure = %d, want 401", got.status)
	}
	if got := b.raw(http.MethodGet, "/v1/keys", "wrong-key-2", nil); got.status != http.StatusUnauthorized {
		t.Fatalf("second failure, at the API = %d, want 401", got.status)
	}
	got := br.keySignIn("/desk/", marketKey)
	if got.status != http.StatusTooManyRequests || got.header.Get("Retry-After") == "" || !strings.Contains(got.body, "次数太多") {
		t.Errorf("a sign-in past the limit, even with the right key = %d, want 429 with Retry-After and a sentence:\n%s", got.status, got.body)
	}
}

// objectionOn files an objection about a new record of the market
// regulator and returns its id and the record's.
func (b *bundle) objectionOn(sourceID string) (objectionID, recordID string) {
	b.t.Helper()
	recordID, p := b.recordAbout(sourceID)
	o := b.file(objection(recordID, p))
	b.waitDisputed(recordID, 2, true)
	return o.ID, recordID
}

func TestDeskShowsADepartmentItsOwnCasesOnly(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	objectionID, recordID := b.objectionOn("DESK-OWN-1")

	market := b.browser()
	market.mustSignIn("/desk/", marketKey)
	desk := market.get("/desk/")
	if !strings.Contains(desk.body, `id="case-`+objectionID+`"`) || !strings.Contains(desk.body, "还剩") {
		t.Errorf("the market regulator's desk lacks its open objection with its working days left:\n%s", desk.body)
	}
	page := market.get("/desk/objections/" + objectionID)
	if page.status != http.StatusOK || !strings.Contains(page.body, recordID) || !strings.Contains(page.body, `id="decision-form"`) {
		t.Errorf("the case page = %d, want the record and the decision form:\n%s", page.status, page.body)
	}

	tax := b.browser()
	tax.mustSignIn("/desk/", taxKey)
	if other := tax.get("/desk/"); strings.Contains(other.body, objectionID) || strings.Contains(other.body, recordID) {
		t.Errorf("another department's desk shows the case:\n%s", other.body)
	}
	for _, path := range []string{"/desk/objections/" + objectionID, "/desk/objections/" + objectionID + "/evidence/0"} {
		if got := tax.get(path); got.status != http.StatusNotFound || strings.Contains(got.body, recordID) {
			t.Errorf("another department: GET %s = %d, want 404 without the record", path, got.status)
		}
	}
	got := tax.postForm("/desk/", "/desk/objections/"+objectionID+"/decision", url.Values{"outcome": {"upheld"}, "reason": {"不成立"}})
	if got.status != http.StatusNotFound {
		t.Errorf("another department deciding = %d, want 404", got.status)
	}
	if v := b.lifecycleOf(recordID); !v.Disputed || v.Version != 2 {
		t.Errorf("after another department's attempt the record is at version %d, disputed %v; want 2, disputed", v.Version, v.Disputed)
	}
}

var recordData = regexp.MustCompile(`(?s)<textarea id="decision-data"[^>]*>(.*?)</textarea>`)

func TestDeskDecidesAnObjectionAsCorrected(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	objectionID, recordID := b.objectionOn("DESK-CORR-1")
	br := b.browser()
	br.mustSignIn("/desk/", marketKey)
	casePath := "/desk/objections/" + objectionID

	m := recordData.FindStringSubmatch(br.get(casePath).body)
	if m == nil {
		t.Fatal("the decision form has no data field")
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &data); err != nil {
		t.Fatalf("the data field does not hold the record's data: %v\n%s", err, m[1])
	}

	// A corrected ID number that is not valid is shown next to the field,
	// as a sentence, and nothing changes.
	bad := map[string]any{}
	for k, v := range data {
		bad[k] = v
	}
	bad["subject"] = map[string]any{"name": "王测试", "id_number": flipCheck(data["subject"].(map[string]any)["id_number"].(string))}
	badJSON, _ := json.Marshal(bad)
	got := br.postForm(casePath, casePath+"/decision", url.Values{"outcome": {"corrected"}, "reason": {"金额录入有误。"}, "data": {string(badJSON)}})
	if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, `id="data-errors"`) || !strings.Contains(got.body, "subject.id_number 不是有效的身份证号码") {
		t.Errorf("a corrected payload with a bad ID number = %d, want 422 with the error next to the data field:\n%s", got.status, got.body)
	}
	if got := br.postForm(casePath, casePath+"/decision", url.Values{"outcome": {"corrected"}, "reason": {"x"}, "data": {"{not json"}}); got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, "不是有效的 JSON") {
		t.Errorf("data that is not JSON = %d, want 422 with a sentence", got.status)
	}
	if v := b.lifecycleOf(recordID); v.Version != 2 {
		t.Fatalf("refused decisions changed the record: version %d, want 2", v.Version)
	}

	data["amount_yuan"] = 2000
	good, _ := json.Marshal(data)
	got = br.postForm(casePath, casePath+"/decision", url.Values{"outcome": {"corrected"}, "reason": {"处罚决定书载明罚款二千元，录入有误。"}, "data": {string(good)}})
	if got.status != http.StatusSeeOther || got.header.Get("Location") != casePath+"?decided=1" {
		t.Fatalf("the correction = %d to %q, want 303 back to the case:\n%s", got.status, got.header.Get("Location"), got.body)
	}
	v := b.waitDisputed(recordID, 3, false)
	var stored map[string]any
	json.Unmarshal(v.Data, &stored)
	if stored["amount_yuan"] != 2000.0 || v.History[2].Op != "correct" {
		t.Errorf("the record after the correction: %v, last op %s; want amount 2000 by a correction", stored["amount_yuan"], v.History[2].Op)
	}
	after := br.get(casePath + "?decided=1")
	if !strings.Contains(after.body, `id="decision-recorded"`) || strings.Contains(after.body, `id="decision-form"`) {
		t.Errorf("the case page after the decision shows no confirmation, or still the form:\n%s", after.body)
	}
}

func TestDeskRefusesADecisionWithoutItsCSRFToken(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	objectionID, recordID := b.objectionOn("DESK-CSRF-1")
	br := b.browser()
	br.mustSignIn("/desk/", marketKey)
	casePath := "/desk/objections/" + objectionID
	for name, form := range map[string]url.Values{
		"no token":    {"outcome": {"upheld"}, "reason": {"成立"}, "csrf": nil},
		"a wrong one": {"outcome": {"upheld"}, "reason": {"成立"}, "csrf": {"forged"}},
	} {
		if got := br.postForm(casePath, casePath+"/decision", form); got.status != http.StatusForbidden || !strings.Contains(got.body, `id="error-message"`) {
			t.Errorf("%s: decision = %d, want 403 with a sentence", name, got.status)
		}
	}
	if got := br.postForm("/desk/", "/desk/signin", url.Values{"key": {marketKey}, "csrf": nil}); got.status != http.StatusForbidden {
		t.Errorf("sign-in without the token = %d, want 403", got.status)
	}
	if v := b.lifecycleOf(recordID); v.Version != 2 || !v.Disputed {
		t.Errorf("the record after refused posts: version %d, disputed %v; want 2, disputed", v.Version, v.Disputed)
	}
}

func TestDeskShowsSubmissionsAndRejectionsByCode(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	bad := b.penalty()
	bad["subject"].(map[string]any)["id_number"] = flipCheck(bad["subject"].(map[string]any)["id_number"].(string))
	resp := b.submit(http.StatusOK,
		envelope("administrative_penalty", "upsert", "DESK-SUB-1", b.penalty()),
		envelope("administrative_penalty", "upsert", "DESK-SUB-2", bad))
	br := b.browser()
	br.mustSignIn("/desk/", marketKey)
	desk := br.get("/desk/")
	for _, want := range []string{`id="submission-` + resp.SubmissionID + `"`, "共 2 条：接收 1 条（其中内容未变 0 条），退回 1 条",
		"<code>invalid_id_number</code>", "<code>/data/subject/id_number</code>"} {
		if !strings.Contains(desk.body, want) {
			t.Errorf("the desk lacks %q:\n%s", want, desk.body)
		}
	}
	if strings.Contains(desk.body, bad["subject"].(map[string]any)["id_number"].(string)) {
		t.Error("the desk shows the rejected record's ID number")
	}
	tax := b.browser()
	tax.mustSignIn("/desk/", taxKey)
	if other := tax.get("/desk/"); strings.Contains(other.body, resp.SubmissionID) || strings.Contains(other.body, "invalid_id_number") {
		t.Error("another department's desk shows the submission")
	}
}

func TestDeskReviewsARepairApplication(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	a := b.penaltyAbout(ident.NewCitizenID(b.rand), "DESK-REP-1", 6)
	app := b.apply(a)
	br := b.browser()
	br.mustSignIn("/desk/", marketKey)
	casePath := "/desk/repairs/" + app.ID

	if desk := br.get("/desk/"); !strings.Contains(desk.body, `id="case-`+app.ID+`"`) {
		t.Errorf("the desk does not list the application:\n%s", desk.body)
	}
	page := br.get(casePath)
	if page.status != http.StatusOK || !strings.Contains(page.body, `id="repair-decision-form"`) || !strings.Contains(page.body, "receipt.pdf") {
		t.Fatalf("the application's page = %d, want the review form and the proof:\n%s", page.status, page.body)
	}
	file := br.get(casePath + "/files/proof/0")
	if file.status != http.StatusOK || file.body != string(syntheticPDF) || !strings.HasPrefix(file.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("the proof = %d %q (%s), want the file as filed, as an attachment", file.status, file.body, file.header.Get("Content-Disposition"))
	}
	other := b.browser()
	other.mustSignIn("/desk/", taxKey)
	if got := other.get(casePath + "/files/proof/0"); got.status != http.StatusNotFound || got.body == string(syntheticPDF) {
		t.Errorf("another department reads the proof: %d", got.status)
	}

	// A refusal needs its reasons, said next to their field.
	got := br.postForm(casePath, casePath+"/decision", url.Values{"outcome": {"refused"}, "reasons": {"  "}})
	if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, `id="reasons-errors"`) {
		t.Errorf("a refusal without reasons = %d, want 422 with the error at the reasons:\n%s", got.status, got.body)
	}
	got = br.postForm(casePath, casePath+"/decision", url.Values{"outcome": {"approved"}})
	if got.status != http.StatusSeeOther {
		t.Fatalf("the approval = %d, want 303:\n%s", got.status, got.body)
	}
	if after := br.get(casePath); !strings.Contains(after.body, "已通过") || strings.Contains(after.body, `id="repair-decision-form"`) {
		t.Errorf("the application's page after approval:\n%s", after.body)
	}
	if again := br.postForm(casePath, casePath+"/decision", url.Values{"outcome": {"approved"}}); again.status != http.StatusUnprocessableEntity || !strings.Contains(again.body, "已经作出决定") {
		t.Errorf("deciding again = %d, want 422 saying it is decided already", again.status)
	}
}
