package hub_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/record"
	"github.com/credex/credex/subscription"
	"github.com/credex/credex/workday"
)

// objectionView is an objection as the API answers it.
type objectionView struct {
	ID            string    `json:"id"`
	TrackingToken string    `json:"tracking_token"`
	RecordID      string    `json:"record_id"`
	Department    string    `json:"department"`
	Grounds       string    `json:"grounds"`
	Statement     string    `json:"statement"`
	Status        string    `json:"status"`
	Overdue       bool      `json:"overdue"`
	FiledAt       time.Time `json:"filed_at"`
	AcceptBy      time.Time `json:"accept_by"`
	AcceptedAt    time.Time `json:"accepted_at"`
	DecideBy      time.Time `json:"decide_by"`
	ClosedAt      time.Time `json:"closed_at"`
	Outcome       string    `json:"outcome"`
	Reason        string    `json:"reason"`
	Evidence      []struct {
		Name      string `json:"name"`
		MediaType string `json:"media_type"`
		Size      int64  `json:"size"`
	} `json:"evidence"`
}

// fieldErrors is a 400 answer listing every problem of a request.
type fieldErrors struct {
	Code    string `json:"code"`
	Pointer string `json:"pointer"`
	Errors  []struct {
		Code    string `json:"code"`
		Pointer string `json:"pointer"`
	} `json:"errors"`
}

// has reports whether e lists a problem with code at pointer.
func (e fieldErrors) has(code, pointer string) bool {
	return slices.ContainsFunc(e.Errors, func(fe struct {
		Code    string `json:"code"`
		Pointer string `json:"pointer"`
	}) bool {
		return fe.Code == code && fe.Pointer == pointer
	})
}

// lifecycleView is the part of GET /v1/records/{id} that objections change.
type lifecycleView struct {
	State    string          `json:"state"`
	Version  int             `json:"version"`
	Disputed bool            `json:"disputed"`
	Data     json.RawMessage `json:"data"`
	History  []struct {
		Version int             `json:"version"`
		Op      string          `json:"op"`
		Reason  string          `json:"reason"`
		Data    json.RawMessage `json:"data"`
	} `json:"history"`
}

// person is the synthetic subject of a record.
type person struct{ name, idNumber string }

// recordAbout submits a penalty by the market regulator about a new
// synthetic person, decided yesterday so that it is publicly displayed, and
// waits until it is stored.
func (b *bundle) recordAbout(sourceID string) (string, person) {
	b.t.Helper()
	p := person{name: "王测试", idNumber: ident.NewCitizenID(b.rand)}
	data := b.example("administrative_penalty", func(d map[string]any) {
		d["subject"].(map[string]any)["id_number"] = p.idNumber
		d["subject"].(map[string]any)["name"] = p.name
		d["decision"].(map[string]any)["date"] = time.Now().In(workday.Location).AddDate(0, 0, -1).Format(time.DateOnly)
	})
	resp := b.submitAs(marketKey, envelope("administrative_penalty", "upsert", sourceID, data))
	id := resp.Receipts[0].RecordID
	b.waitVersion(id, 1)
	return id, p
}

// objection is the body of a filing about recordID by p.
func objection(recordID string, p person) map[string]any {
	return map[string]any{"record_id": recordID, "name": p.name, "id_number": p.idNumber,
		"grounds": "error", "statement": "罚款金额与处罚决定书不符。"}
}

// file files body with the ID token of the person it names and expects 201.
func (b *bundle) file(body map[string]any) objectionView {
	b.t.Helper()
	var v objectionView
	token := b.idToken(body["name"].(string), body["id_number"].(string))
	if got := b.call(http.MethodPost, "/v1/objections", token, body, &v); got != http.StatusCreated {
		b.t.Fatalf("filing answered %d, want 201", got)
	}
	return v
}

// lifecycleOf reads a record as the market regulator.
func (b *bundle) lifecycleOf(id string) lifecycleView {
	b.t.Helper()
	var v lifecycleView
	if got := b.call(http.MethodGet, "/v1/records/"+id, marketKey, nil, &v); got != http.StatusOK {
		b.t.Fatalf("GET record %s answered %d", id, got)
	}
	return v
}

// waitDisputed waits until the record shows disputed as want at version.
func (b *bundle) waitDisputed(id string, version int, want bool) lifecycleView {
	b.t.Helper()
	var v lifecycleView
	wait.For(b.t, 20*time.Second, "the record's dispute flag", func() bool {
		v = b.lifecycleOf(id)
		return v.Version == version && v.Disputed == want
	})
	return v
}

// decide posts a decision as key; it returns the status and decodes into out.
func (b *bundle) decide(key, id string, body map[string]any, out any) int {
	b.t.Helper()
	return b.call(http.MethodPost, "/v1/objections/"+id+"/decision", key, body, out)
}

// track reads an objection with a bearer credential.
func (b *bundle) track(cred, id string) (int, objectionView) {
	b.t.Helper()
	var v objectionView
	return b.call(http.MethodGet, "/v1/objections/"+id, cred, nil, &v), v
}

func (b *bundle) countObjections() int {
	return b.count(`SELECT count(*) FROM objections`)
}

func TestObjectionFiledOnlyByTheSubject(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	id, p := b.recordAbout("OBJ-SUBJECT")
	other := ident.NewCitizenID(b.rand)

	token := b.idToken(p.name, p.idNumber)
	var refusals []string
	for name, c := range map[string]struct {
		token string
		edit  func(map[string]any)
	}{
		"a wrong name":      {token, func(o map[string]any) { o["name"] = "李测试" }},
		"a wrong ID number": {token, func(o map[string]any) { o["id_number"] = other }},
		"no such record": {token, func(o map[string]any) {
			o["record_id"] = record.ID(b.idKey, b.market.Code, "administrative_penalty", "NONE")
		}},
		"another person's token":                {b.idToken("李测试", other), func(map[string]any) {}},
		"another person's token, naming no one": {b.idToken("李测试", other), func(o map[string]any) { delete(o, "name"); delete(o, "id_number") }},
	} {
		body := objection(id, p)
		c.edit(body)
		var e apiError
		if got := b.call(http.MethodPost, "/v1/objections", c.token, body, &e); got != http.StatusNotFound || e.Code != "not_the_subject" {
			t.Errorf("filing with %s answered %d %+v, want 404 not_the_subject", name, got, e)
		}
		raw, _ := json.Marshal(e)
		refusals = append(refusals, string(raw))
	}
	if len(slices.Compact(slices.Sorted(slices.Values(refusals)))) != 1 {
		t.Errorf("the refusals differ, telling which part was wrong: %v", refusals)
	}
	if n := b.countObjections(); n != 0 {
		t.Fatalf("%d objections stored after refusals, want none", n)
	}

	o := b.file(objection(id, p))
	cal := workday.Default()
	if !strings.HasPrefix(o.ID, "obj_") || !strings.HasPrefix(o.TrackingToken, "otk_") || o.Status != "accepted" ||
		o.RecordID != id || o.Department != b.market.Code || o.Overdue {
		t.Errorf("filed %+v, want an accepted objection with a tracking token", o)
	}
	if !o.AcceptedAt.Equal(o.FiledAt) || !o.AcceptBy.Equal(cal.AddWorkdays(o.FiledAt, 2).Truncate(time.Microsecond)) ||
		!o.DecideBy.Equal(cal.AddWorkdays(o.FiledAt, 10).Truncate(time.Microsecond)) {
		t.Errorf("deadlines %s, %s from %s; want 2 and 10 working days", o.AcceptBy, o.DecideBy, o.FiledAt)
	}
	if n := b.count(`SELECT count(*) FROM objections o WHERE token_hash = $1 OR row_to_json(o)::text LIKE '%' || $2 || '%'`,
		o.TrackingToken, p.idNumber); n != 0 {
		t.Error("the tracking token or the ID number is stored in the clear")
	}
	v := b.waitDisputed(id, 2, true)
	if last := v.History[len(v.History)-1]; last.Op != "dispute" || !strings.Contains(string(last.Data), o.ID) {
		t.Errorf("the dispute version is %+v, want op dispute naming the objection", last)
	}

	var e apiError
	if got := b.call(http.MethodPost, "/v1/objections", token, objection(id, p), &e); got != http.StatusConflict || e.Code != "objection_open" {
		t.Errorf("a second objection answered %d %+v, want 409 objection_open", got, e)
	}
}

func TestObjectionRequestChecked(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	id, p := b.recordAbout("OBJ-CHECKED")
	pdf := func(size int) map[string]any {
		return map[string]any{"name": "decision.pdf", "media_type": "application/pdf",
			"content_base64": base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{'%'}, size))}
	}
	many := make([]any, 11)
	for i := range many {
		many[i] = pdf(10)
	}
	tests := []struct {
		name          string
		edit          func(map[string]any)
		code, pointer string
	}{
		{"grounds not listed", func(o map[string]any) { o["grounds"] = "unfair" }, "not_allowed", "/grounds"},
		{"no grounds", func(o map[string]any) { delete(o, "grounds") }, "required", "/grounds"},
		{"blank statement", func(o map[string]any) { o["statement"] = "  " }, "required", "/statement"},
		{"ID number fails its check", func(o map[string]any) { o["id_number"] = p.idNumber[:17] + flip(p.idNumber[17]) }, "invalid_id_number", "/id_number"},
		{"eleven files", func(o map[string]any) { o["evidence"] = many }, "too_many", "/evidence"},
		{"a Word file", func(o map[string]any) {
			f := pdf(10)
			f["media_type"] = "application/msword"
			o["evidence"] = []any{f}
		}, "media_type", "/evidence/0/media_type"},
		{"an empty file", func(o map[string]any) { o["evidence"] = []any{pdf(1), pdf(0)} }, "empty", "/evidence/1/content_base64"},
		{"not base64", func(o map[string]any) {
			f := pdf(10)
			f["content_base64"] = "not base64!"
			o["evidence"] = []any{f}
		}, "invalid_base64", "/evidence/0/content_base64"},
	}
	token := b.idToken(p.name, p.idNumber)
	for _, tt := range tests {
		body := objection(id, p)
		tt.edit(body)
		var e fieldErrors
		if got := b.call(http.MethodPost, "/v1/objections", token, body, &e); got != http.StatusBadRequest ||
			e.Code != "invalid_objection" || !e.has(tt.code, tt.pointer) {
			t.Errorf("%s: answered %d %+v, want 400 invalid_objection with %s at %s", tt.name, got, e, tt.code, tt.pointer)
		}
	}
	// Without proof of who files it, an objection's files fit in 256 KiB.
	tooLarge := objection(id, p)
	tooLarge["evidence"] = []any{pdf(200 << 10)}
	var big apiError
	if got := b.call(http.MethodPost, "/v1/objections", "", tooLarge, &big); got != http.StatusRequestEntityTooLarge || big.Code != "body_too_large" {
		t.Errorf("a keyless objection over 256 KiB answered %d %+v, want 413 body_too_large", got, big)
	}
	var e fieldErrors
	b.call(http.MethodPost, "/v1/objections", token, map[string]any{"grounds": "unfair"}, &e)
	if e.Pointer != "/record_id" || len(e.Errors) != 3 {
		t.Errorf("an objection with three problems answered %+v, want each, the first at /record_id", e)
	}
	if n := b.countObjections(); n != 0 {
		t.Fatalf("%d objections stored after refusals, want none", n)
	}

	body := objection(id, p)
	png := []byte("\x89PNG\r\n\x1a\n a photo of the receipt")
	body["evidence"] = []any{pdf(150 << 10), map[string]any{"name": "receipt.png", "media_type": "image/png",
		"content_base64": base64.StdEncoding.EncodeToString(png)}}
	o := b.file(body)
	if len(o.Evidence) != 2 || o.Evidence[0].Size != 150<<10 || o.Evidence[1].Name != "receipt.png" || o.Evidence[1].Size != int64(len(png)) {
		t.Errorf("evidence %+v, want the two files with their sizes", o.Evidence)
	}
	var stored []byte
	if err := b.db.QueryRow(context.Background(), `SELECT content FROM objection_evidence WHERE objection_id = $1 AND position = 1`, o.ID).Scan(&stored); err != nil || !bytes.Equal(stored, png) {
		t.Errorf("the second file is stored as %q (%v), want its content", stored, err)
	}
}

// flip returns another check character than c.
func flip(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

func TestObjectionTrackedWithItsToken(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	id1, p1 := b.recordAbout("OBJ-TRACK-1")
	id2, p2 := b.recordAbout("OBJ-TRACK-2")
	o1, o2 := b.file(objection(id1, p1)), b.file(objection(id2, p2))

	if got, v := b.track(o1.TrackingToken, o1.ID); got != http.StatusOK || v.Status != "accepted" || !v.DecideBy.Equal(o1.DecideBy) || v.TrackingToken != "" {
		t.Errorf("tracking with the token answered %d %+v, want the accepted objection without its token", got, v)
	}
	var v objectionView
	if got := b.call(http.MethodGet, "/v1/objections/"+o1.ID+"?token="+o1.TrackingToken, "", nil, &v); got != http.StatusOK || v.ID != o1.ID {
		t.Errorf("tracking with ?token= answered %d, want 200", got)
	}
	// A principal that may not see it is told it does not exist; a
	// credential that is neither a key nor its token is refused, whether
	// or not the objection exists.
	for name, c := range map[string]struct {
		cred, code string
		status     int
	}{
		"another objection's token": {o2.TrackingToken, "invalid_credentials", http.StatusUnauthorized},
		"a made-up token":           {"otk_made_up", "invalid_credentials", http.StatusUnauthorized},
		"its token in upper case":   {strings.ToUpper(o1.TrackingToken), "invalid_credentials", http.StatusUnauthorized},
		"a department not deciding": {taxKey, "objection_not_found", http.StatusNotFound},
		"an agency":                 {agencyKey, "objection_not_found", http.StatusNotFound},
	} {
		var e apiError
		if got := b.call(http.MethodGet, "/v1/objections/"+o1.ID, c.cred, nil, &e); got != c.status || e.Code != c.code {
			t.Errorf("tracking with %s answered %d %+v, want %d %s", name, got, e, c.status, c.code)
		}
	}
	var e apiError
	if got := b.call(http.MethodGet, "/v1/objections/obj_nosuchobjection", o1.TrackingToken, nil, &e); got != http.StatusUnauthorized || e.Code != "invalid_credentials" {
		t.Errorf("tracking an unknown id answered %d %+v, want 401 invalid_credentials, as for a wrong token", got, e)
	}
	if got := b.call(http.MethodGet, "/v1/objections/"+o1.ID, "", nil, &e); got != http.StatusUnauthorized || e.Code != "missing_credentials" {
		t.Errorf("tracking without a token answered %d %+v, want 401 missing_credentials", got, e)
	}
	for _, key := range []string{marketKey, opKey} {
		if got, v := b.track(key, o1.ID); got != http.StatusOK || v.ID != o1.ID {
			t.Errorf("reading the objection with key %s answered %d, want 200", key, got)
		}
	}
}

func TestObjectionsListedAndDecidedOnlyByTheSourceDepartment(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	id, p := b.recordAbout("OBJ-LIST")
	o := b.file(objection(id, p))

	var list struct{ Objections []objectionView }
	if got := b.call(http.MethodGet, "/v1/objections?status=open", marketKey, nil, &list); got != http.StatusOK ||
		len(list.Objections) != 1 || list.Objections[0].ID != o.ID || list.Objections[0].Statement == "" {
		t.Errorf("the market regulator's open objections: %d %+v, want the one filed", got, list)
	}
	if b.call(http.MethodGet, "/v1/objections?status=closed", marketKey, nil, &list); len(list.Objections) != 0 {
		t.Errorf("closed objections: %+v, want none", list)
	}
	if got := b.call(http.MethodGet, "/v1/objections?status=open", taxKey, nil, &list); got != http.StatusOK || len(list.Objections) != 0 {
		t.Errorf("another department's objections: %d %+v, want none", got, list)
	}
	var e apiError
	if got := b.call(http.MethodGet, "/v1/objections", agencyKey, nil, &e); got != http.StatusForbidden || e.Code != "not_a_department" {
		t.Errorf("an agency listing answered %d %+v, want 403 not_a_department", got, e)
	}
	if got := b.call(http.MethodGet, "/v1/objections?status=pending", marketKey, nil, &e); got != http.StatusBadRequest || e.Code != "invalid_parameter" || e.Pointer != "/status" {
		t.Errorf("status=pending answered %d %+v, want 400 invalid_parameter at /status", got, e)
	}
	upheld := map[string]any{"outcome": "upheld", "reason": "处罚决定无误。"}
	for _, key := range []string{taxKey, opKey, agencyKey} {
		if got := b.decide(key, o.ID, upheld, &e); got != http.StatusNotFound || e.Code != "objection_not_found" {
			t.Errorf("a decision with key %s answered %d %+v, want 404 objection_not_found", key, got, e)
		}
	}

	// Overdue: the department's deadline passed yesterday.
	if _, err := b.db.Exec(context.Background(), `UPDATE objections SET decide_by = now() - interval '1 day' WHERE objection_id = $1`, o.ID); err != nil {
		t.Fatal(err)
	}
	if got := b.call(http.MethodGet, "/v1/objections?overdue=true", opKey, nil, &list); got != http.StatusOK || len(list.Objections) != 1 || !list.Objections[0].Overdue {
		t.Errorf("the operator's overdue objections: %d %+v, want the one filed, overdue", got, list)
	}
	for range 2 {
		if err := b.hub.EscalateCases(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := gauge(t, b, "credex_objections_overdue"); n != 1 {
		t.Errorf("credex_objections_overdue = %v, want 1", n)
	}
	escalated := b.count(`SELECT count(*) FROM objections WHERE escalated_at IS NOT NULL`)
	if escalated != 1 {
		t.Errorf("%d objections escalated, want 1", escalated)
	}

	// A late decision is still taken; then the objection is closed.
	var decided objectionView
	if got := b.decide(marketKey, o.ID, upheld, &decided); got != http.StatusOK || decided.Status != "decided" || decided.Outcome != "upheld" || decided.Overdue {
		t.Fatalf("the late decision answered %d %+v, want decided, upheld, no longer overdue", got, decided)
	}
	if err := b.hub.EscalateCases(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := gauge(t, b, "credex_objections_overdue"); n != 0 {
		t.Errorf("credex_objections_overdue = %v after the decision, want 0", n)
	}
	if got := b.decide(marketKey, o.ID, upheld, &e); got != http.StatusConflict || e.Code != "objection_closed" {
		t.Errorf("deciding again answered %d %+v, want 409 objection_closed", got, e)
	}
}

// with is b for the subtest t.
func (b *bundle) with(t testing.TB) *bundle {
	c := *b
	c.t = t
	return &c
}

// gauge reads a gauge of the hub's registry.
func gauge(t *testing.T, b *bundle, name string) float64 {
	t.Helper()
	families, err := b.hub.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func TestObjectionOutcomes(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})

	t.Run("decision checked", func(t *testing.T) {
		b := b.with(t)
		id, p := b.recordAbout("OBJ-CHECK-DECISION")
		o := b.file(objection(id, p))
		bad := b.example("administrative_penalty", func(d map[string]any) { d["severity"] = "huge" })
		// A decision the document refuses is 400 invalid_decision; a
		// correction the catalogue refuses, which the document cannot say,
		// is 422 invalid_data.
		tests := []struct {
			name          string
			body          map[string]any
			status        int
			error         string
			code, pointer string
		}{
			{"unknown outcome", map[string]any{"outcome": "maybe", "reason": "r"}, 400, "invalid_decision", "not_allowed", "/outcome"},
			{"no reason", map[string]any{"outcome": "upheld"}, 400, "invalid_decision", "required", "/reason"},
			{"correction without data", map[string]any{"outcome": "corrected", "reason": "r"}, 400, "invalid_decision", "required", "/data"},
			{"upheld with data", map[string]any{"outcome": "upheld", "reason": "r", "data": b.penalty()}, 400, "invalid_decision", "not_allowed", "/data"},
			{"invalid correction without a reason", map[string]any{"outcome": "corrected", "reason": " ", "data": bad}, 400, "invalid_decision", "required", "/reason"},
			{"invalid correction", map[string]any{"outcome": "corrected", "reason": "r", "data": bad}, 422, "invalid_data", "not_allowed_value", "/data/severity"},
		}
		for _, tt := range tests {
			var e fieldErrors
			if got := b.decide(marketKey, o.ID, tt.body, &e); got != tt.status || e.Code != tt.error || !e.has(tt.code, tt.pointer) {
				t.Errorf("%s: answered %d %+v, want %d %s with %s at %s", tt.name, got, e, tt.status, tt.error, tt.code, tt.pointer)
			}
		}
		if _, v := b.track(o.TrackingToken, o.ID); v.Status != "accepted" {
			t.Errorf("refused decisions left the objection %s, want accepted", v.Status)
		}
	})

	t.Run("upheld", func(t *testing.T) {
		b := b.with(t)
		id, p := b.recordAbout("OBJ-UPHELD")
		o := b.file(objection(id, p))
		b.waitDisputed(id, 2, true)
		reason := "经复核，处罚决定书与记录一致。"
		if got := b.decide(marketKey, o.ID, map[string]any{"outcome": "upheld", "reason": reason}, nil); got != http.StatusOK {
			t.Fatalf("upheld answered %d", got)
		}
		v := b.waitDisputed(id, 3, false)
		if last := v.History[2]; v.State != "active" || last.Op != "resolve" || last.Reason != reason {
			t.Errorf("after upheld: %s, last version %+v; want active, resolved with the reason", v.State, last)
		}
		if _, tracked := b.track(o.TrackingToken, o.ID); tracked.Outcome != "upheld" || tracked.Reason != reason || tracked.ClosedAt.IsZero() {
			t.Errorf("the person sees %+v, want the outcome and its reason", tracked)
		}
	})

	t.Run("revoked", func(t *testing.T) {
		b := b.with(t)
		id, p := b.recordAbout("OBJ-REVOKED")
		o := b.file(objection(id, p))
		b.waitDisputed(id, 2, true)
		reason := "处罚决定已被复议机关撤销。"
		if got := b.decide(marketKey, o.ID, map[string]any{"outcome": "revoked", "reason": reason}, nil); got != http.StatusOK {
			t.Fatalf("revoked answered %d", got)
		}
		var v lifecycleView
		wait.For(t, 20*time.Second, "the revocation", func() bool { v = b.lifecycleOf(id); return v.Version == 3 })
		if last := v.History[2]; v.State != "revoked" || v.Disputed || last.Op != "revoke" || last.Reason != reason {
			t.Errorf("after revoked: %s, disputed %v, last version %+v; want revoked, not disputed, op revoke with the reason",
				v.State, v.Disputed, last)
		}
		var e apiError
		if got := b.call(http.MethodPost, "/v1/objections", b.idToken(p.name, p.idNumber), objection(id, p), &e); got != http.StatusConflict || e.Code != "record_revoked" {
			t.Errorf("an objection to a revoked record answered %d %+v, want 409 record_revoked", got, e)
		}
	})
}

// TestObjectionCorrectedEndToEnd follows an objection from its filing to a
// correction: the agency's subscription sees the record disputed, then
// corrected with the new data; the record shows disputed while the
// objection is open, and its history keeps the reason.
func TestObjectionCorrectedEndToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	sub := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"})
	id, p := b.recordAbout("OBJ-E2E")

	o := b.file(objection(id, p))
	v := b.waitDisputed(id, 2, true)
	original := v.Data

	corrected := b.example("administrative_penalty", func(d map[string]any) {
		json.Unmarshal(original, &d)
		d["amount_yuan"] = 2000
		d["facts"] = "经复核，罚款金额更正为两千元。"
	})
	reason := "处罚决定书载明罚款二千元，录入有误，予以更正。"
	var decided objectionView
	if got := b.decide(marketKey, o.ID, map[string]any{"outcome": "corrected", "reason": reason, "data": corrected}, &decided); got != http.StatusOK {
		t.Fatalf("the correction answered %d", got)
	}
	if decided.Status != "decided" || decided.Outcome != "corrected" || decided.Reason != reason {
		t.Errorf("decided %+v, want corrected with the reason", decided)
	}

	v = b.waitDisputed(id, 3, false)
	var data map[string]any
	json.Unmarshal(v.Data, &data)
	if last := v.History[2]; data["amount_yuan"] != 2000.0 || last.Op != "correct" || last.Reason != reason {
		t.Errorf("after the correction: data %v, last version %+v; want the corrected data, op correct with the reason", data, last)
	}
	if _, tracked := b.track(o.TrackingToken, o.ID); tracked.Status != "decided" || tracked.Outcome != "corrected" {
		t.Errorf("the person sees %+v, want decided as corrected", tracked)
	}

	var events []subscription.Event
	wait.For(t, 20*time.Second, "three events", func() bool {
		page := b.events(agencyKey, sub.ID, "0", 1)
		events = events[:0]
		for _, raw := range page.Events {
			var e subscription.Event
			json.Unmarshal(raw, &e)
			if e.RecordID == id {
				events = append(events, e)
			}
		}
		return len(events) >= 3
	})
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	if !slices.Equal(types, []string{"record.created", "record.disputed", "record.corrected"}) {
		t.Fatalf("the agency received %v, want created, disputed, corrected", types)
	}
	if !strings.Contains(string(events[1].Data), o.ID) {
		t.Errorf("the disputed event's data %s does not name the objection", events[1].Data)
	}
	var got map[string]any
	json.Unmarshal(events[2].Data, &got)
	if got["amount_yuan"] != 2000.0 || events[2].Version != 3 {
		t.Errorf("the corrected event: version %d, data %s; want version 3 with the corrected data", events[2].Version, events[2].Data)
	}
	if events[0].Disputed || !events[1].Disputed || events[2].Disputed || events[2].Reason == "" {
		t.Errorf("disputed flags %v, %v, %v and the correction's reason %q; want false, true, false and the department's reason",
			events[0].Disputed, events[1].Disputed, events[2].Disputed, events[2].Reason)
	}

	// The public sees the correction.
	var public struct {
		Records []struct {
			RecordID string          `json:"record_id"`
			Disputed bool            `json:"disputed"`
			Data     json.RawMessage `json:"data"`
		} `json:"records"`
	}
	if status := b.call(http.MethodPost, "/v1/public/query", "", map[string]any{"name": p.name, "id_number": p.idNumber}, &public); status != http.StatusOK {
		t.Fatalf("public query answered %d", status)
	}
	found := slices.IndexFunc(public.Records, func(r struct {
		RecordID string          `json:"record_id"`
		Disputed bool            `json:"disputed"`
		Data     json.RawMessage `json:"data"`
	}) bool {
		return r.RecordID == id
	})
	if found < 0 {
		t.Fatalf("the public query does not show the record: %+v", public)
	}
	json.Unmarshal(public.Records[found].Data, &got)
	if got["amount_yuan"] != 2000.0 || public.Records[found].Disputed {
		t.Errorf("the public sees %s (disputed %v), want the correction, not disputed", public.Records[found].Data, public.Records[found].Disputed)
	}
}
