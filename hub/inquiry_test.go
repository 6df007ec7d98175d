package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/record"
	"github.com/credex/credex/workday"
)

const (
	testAuthorisationKey = "test-authorisation-key-0123456789"
	testLegalBasis       = "LB-TEST-ENFORCEMENT"
)

// inquiryAnswer is POST /v1/inquiries' answer, or its error.
type inquiryAnswer struct {
	Records []struct {
		RecordID string         `json:"record_id"`
		Type     string         `json:"type"`
		Data     map[string]any `json:"data"`
	} `json:"records"`
	NotEntitled []string `json:"not_entitled"`
	Basis       string   `json:"basis"`
	Code        string   `json:"code"`
	Message     string   `json:"message"`
	Pointer     string   `json:"pointer"`
}

func (a inquiryAnswer) ids() []string {
	var ids []string
	for _, r := range a.Records {
		ids = append(ids, r.RecordID)
	}
	return ids
}

func TestAuthorisedInquiry(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	b := setup(t, options{now: clock.now})
	person := b.publishAbout(taxKey, "tax_credit", "TAX-INQ-1", b.about("tax_credit", ident.NewCitizenID(b.rand), ""))
	other := b.publishAbout(taxKey, "tax_credit", "TAX-INQ-2", b.about("tax_credit", ident.NewCitizenID(b.rand), ""))
	const purpose = "住房按揭贷款审批"

	personToken := b.idToken(person.name, person.idNumber)
	grant := func(body map[string]any) (int, map[string]any) {
		var out map[string]any
		return b.call(http.MethodPost, "/v1/authorisations", personToken, body, &out), out
	}
	grantBody := func(edit func(map[string]any)) map[string]any {
		g := map[string]any{"name": person.name, "id_number": person.idNumber, "agency": "commercial-bank",
			"purpose": purpose, "types": []string{"tax_credit"}, "valid_days": 30}
		if edit != nil {
			edit(g)
		}
		return g
	}
	status, granted := grant(grantBody(nil))
	if status != http.StatusCreated || granted["token"] == "" || granted["expires_at"] == nil {
		t.Fatalf("grant answered %d %v, want 201 with a token and its expiry", status, granted)
	}
	token := granted["token"].(string)

	t.Run("grant refused alike for any mismatch with the ID token", func(t *testing.T) {
		_, wrongName := grant(grantBody(func(g map[string]any) { g["name"] = "张冒名" }))
		_, wrongID := grant(grantBody(func(g map[string]any) { g["id_number"] = ident.NewCitizenID(b.rand) }))
		if wrongName["code"] != "person_mismatch" || wrongName["message"] != wrongID["message"] {
			t.Fatalf("mismatches answered %v and %v, want the same person_mismatch", wrongName, wrongID)
		}
		for name, edit := range map[string]func(map[string]any){
			"too long":     func(g map[string]any) { g["valid_days"] = 91 },
			"public type":  func(g map[string]any) { g["types"] = []string{"administrative_penalty"} },
			"no purpose":   func(g map[string]any) { delete(g, "purpose") },
			"unknown type": func(g map[string]any) { g["types"] = []string{"nonsense"} },
		} {
			if status, out := grant(grantBody(edit)); status != http.StatusBadRequest {
				t.Errorf("%s: answered %d %v, want 400", name, status, out)
			}
		}
	})

	inquire := func(key string, body map[string]any) (int, inquiryAnswer) {
		var out inquiryAnswer
		return b.call(http.MethodPost, "/v1/inquiries", key, body, &out), out
	}
	ask := func(edit func(map[string]any)) map[string]any {
		q := map[string]any{"id_number": person.idNumber, "purpose": purpose, "authorisation": token}
		if edit != nil {
			edit(q)
		}
		return q
	}

	t.Run("the authorised agency sees the record, ID numbers masked", func(t *testing.T) {
		status, out := inquire(bankKey, ask(nil))
		if status != http.StatusOK || len(out.Records) != 1 || out.Records[0].RecordID != person.recordID {
			t.Fatalf("answered %d %+v, want the tax credit record %s", status, out, person.recordID)
		}
		if got := out.Records[0].Data["subject"].(map[string]any)["id_number"]; got == person.idNumber {
			t.Fatalf("a financial institution saw the ID number in full")
		}
		if n := b.count(`SELECT count(*) FROM audit_log WHERE action = 'inquiry.read' AND result = 'ok' AND purpose LIKE $1`, purpose+"%"); n != 1 {
			t.Fatalf("%d audit entries of the inquiry with its purpose, want 1", n)
		}
	})

	for name, c := range map[string]struct {
		key    string
		edit   func(map[string]any)
		status int
		code   string
	}{
		"no authorisation":   {bankKey, func(q map[string]any) { delete(q, "authorisation") }, 403, "authorisation_required"},
		"forged token":       {bankKey, func(q map[string]any) { q["authorisation"] = tamper(token) }, 403, "authorisation_invalid"},
		"another agency":     {agencyKey, nil, 403, "authorisation_mismatch"},
		"other types":        {bankKey, func(q map[string]any) { q["types"] = []string{"student_credit"} }, 403, "authorisation_mismatch"},
		"another subject":    {bankKey, func(q map[string]any) { q["id_number"] = other.idNumber }, 403, "authorisation_mismatch"},
		"another purpose":    {bankKey, func(q map[string]any) { q["purpose"] = "营销" }, 403, "authorisation_mismatch"},
		"purpose required":   {bankKey, func(q map[string]any) { delete(q, "purpose") }, 400, "missing_purpose"},
		"unknown legal code": {agencyKey, func(q map[string]any) { delete(q, "authorisation"); q["legal_basis"] = "LB-NONE" }, 403, "legal_basis_unknown"},
		"not an agency":      {taxKey, nil, 403, "not_an_agency"},
	} {
		t.Run(name, func(t *testing.T) {
			status, out := inquire(c.key, ask(c.edit))
			if status != c.status || out.Code != c.code || len(out.Records) != 0 {
				t.Fatalf("answered %d %+v, want %d %s", status, out, c.status, c.code)
			}
		})
	}

	t.Run("a legal basis of the agency's own needs no authorisation", func(t *testing.T) {
		status, out := inquire(courtKey, map[string]any{"id_number": other.idNumber, "purpose": "强制执行财产调查",
			"legal_basis": testLegalBasis})
		if status != http.StatusOK || len(out.Records) != 1 || out.Records[0].RecordID != other.recordID {
			t.Fatalf("answered %d %+v, want the other person's record %s", status, out, other.recordID)
		}
	})

	t.Run("the person withdraws it, and only they can", func(t *testing.T) {
		type listed struct {
			ID, Agency, Purpose, Status string
			Types                       []string
			WithdrawnAt                 *time.Time `json:"withdrawn_at"`
		}
		list := func(token string) []listed {
			var out struct{ Authorisations []listed }
			if status := b.call(http.MethodGet, "/v1/authorisations", token, nil, &out); status != http.StatusOK {
				t.Fatalf("a person's list answered %d, want 200", status)
			}
			return out.Authorisations
		}
		if l := list(personToken); len(l) != 1 || l[0].Status != "in_force" || l[0].WithdrawnAt != nil {
			t.Fatalf("the person's authorisations are %+v, want the one granted, in force", l)
		}
		path := "/v1/authorisations/" + granted["id"].(string)
		for name, c := range map[string]struct{ token, path string }{
			"another person": {b.idToken(other.name, other.idNumber), path},
			"an unknown id":  {personToken, "/v1/authorisations/auz_00000000000000000000000000000000"},
			"not an id":      {personToken, "/v1/authorisations/anything"},
		} {
			var out apiError
			if status := b.call(http.MethodDelete, c.path, c.token, nil, &out); status != http.StatusNotFound || out.Code != "authorisation_not_found" {
				t.Fatalf("%s: answered %d %+v, want 404 authorisation_not_found", name, status, out)
			}
		}
		if status, out := inquire(bankKey, ask(nil)); status != http.StatusOK || len(out.Records) != 1 {
			t.Fatalf("after refused withdrawals the inquiry answered %d %+v, want the record", status, out)
		}
		subject := record.SubjectKey(b.cfg.SubjectKey, person.idNumber)
		const refused = `SELECT count(*) FROM audit_log WHERE action = 'inquiry.read' AND result = 'refused' AND subject = $1`
		refusedBefore := b.count(refused, subject)
		for range 2 { // withdrawing it again is no error
			if status := b.call(http.MethodDelete, path, personToken, nil, nil); status != http.StatusNoContent {
				t.Fatalf("the person's withdrawal answered %d, want 204", status)
			}
		}
		if l := list(personToken); len(l) != 1 || l[0].ID != granted["id"] || l[0].Agency != "commercial-bank" ||
			l[0].Purpose != purpose || !slices.Equal(l[0].Types, []string{"tax_credit"}) || l[0].Status != "withdrawn" || l[0].WithdrawnAt == nil {
			t.Fatalf("the person's authorisations are %+v, want the one granted, withdrawn", l)
		}
		if l := list(b.idToken(other.name, other.idNumber)); len(l) != 0 {
			t.Fatalf("another person's list holds %+v, want none", l)
		}
		status, out := inquire(bankKey, ask(nil))
		if status != http.StatusForbidden || out.Code != "authorisation_withdrawn" || out.Pointer != "/authorisation" || len(out.Records) != 0 {
			t.Fatalf("an inquiry under the withdrawn authorisation answered %d %+v, want 403 authorisation_withdrawn", status, out)
		}
		if n := b.count(`SELECT count(*) FROM audit_log WHERE action = 'authorisation.withdrawn' AND subject = $1`, subject); n != 2 {
			t.Fatalf("%d audit entries of the withdrawal about the person, want 2", n)
		}
		if n := b.count(refused, subject); n != refusedBefore+1 {
			t.Fatalf("%d refused inquiries in the audit log, want %d", n, refusedBefore+1)
		}
	})

	t.Run("an expired authorisation is refused", func(t *testing.T) {
		clock.advance(31 * 24 * time.Hour)
		if status, out := inquire(bankKey, ask(nil)); status != 403 || out.Code != "authorisation_expired" {
			t.Fatalf("answered %d %+v, want 403 authorisation_expired", status, out)
		}
	})
}

// An agency's quota of inquiries a day holds across its inquiries, counts
// only the inquiries it may make, and starts again at midnight.
func TestInquiryQuotaPerAgencyADay(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	b := setup(t, options{now: clock.now})
	if _, err := b.db.Exec(context.Background(), `UPDATE principals SET inquiries_per_day = 2 WHERE name = 'court-enforcement'`); err != nil {
		t.Fatal(err)
	}
	inquire := func(key string, q map[string]any) (int, inquiryAnswer, string) {
		body, _ := json.Marshal(q)
		req, _ := http.NewRequest(http.MethodPost, b.url+"/v1/inquiries", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out inquiryAnswer
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out, res.Header.Get("Retry-After")
	}
	const purpose = "强制执行财产调查"
	court := map[string]any{"id_number": ident.NewCitizenID(b.rand), "purpose": purpose, "legal_basis": testLegalBasis}
	for i := range 2 {
		if status, out, _ := inquire(courtKey, court); status != http.StatusOK {
			t.Fatalf("inquiry %d of 2 answered %d %+v, want 200", i+1, status, out)
		}
	}
	if status, out, _ := inquire(courtKey, map[string]any{"id_number": court["id_number"], "purpose": purpose, "legal_basis": "LB-NONE"}); status != http.StatusForbidden || out.Code != "legal_basis_unknown" {
		t.Fatalf("an inquiry without a basis answered %d %+v, want 403 legal_basis_unknown: refused before it counts", status, out)
	}
	status, out, retry := inquire(courtKey, court)
	now := clock.now().In(workday.Location)
	y, m, d := now.Date()
	midnight := time.Date(y, m, d+1, 0, 0, 0, 0, workday.Location).Sub(now)
	if wait, _ := strconv.Atoi(retry); status != http.StatusTooManyRequests || out.Code != "inquiry_quota_exceeded" ||
		(time.Duration(wait)*time.Second-midnight).Abs() > 5*time.Second {
		t.Fatalf("the third inquiry of the day answered %d %+v, Retry-After %q; want 429 inquiry_quota_exceeded until midnight, in %s",
			status, out, retry, midnight.Round(time.Second))
	}
	if n := b.count(`SELECT count(*) FROM audit_log WHERE principal = 'court-enforcement' AND action = 'inquiry.read' AND result = 'refused'`); n != 2 {
		t.Fatalf("%d refused inquiries of the court in the audit log, want 2 (no basis, no quota left)", n)
	}
	p := person{"周授权", ident.NewCitizenID(b.rand)}
	var grant struct{ Token string }
	if status := b.call(http.MethodPost, "/v1/authorisations", b.idToken(p.name, p.idNumber), map[string]any{"agency": "commercial-bank",
		"purpose": purpose, "types": []string{"tax_credit"}, "valid_days": 1}, &grant); status != http.StatusCreated {
		t.Fatalf("the grant answered %d, want 201", status)
	}
	if status, out, _ := inquire(bankKey, map[string]any{"id_number": p.idNumber, "purpose": purpose, "authorisation": grant.Token}); status != http.StatusOK {
		t.Fatalf("another agency's inquiry answered %d %+v, want 200: the quota is the court's", status, out)
	}
	clock.advance(midnight + time.Minute)
	if status, out, _ := inquire(courtKey, court); status != http.StatusOK {
		t.Fatalf("the first inquiry of the next day answered %d %+v, want 200", status, out)
	}
}

// tamper returns s with its middle character changed, a character that
// counts whole in base64 too.
func tamper(s string) string {
	b := []byte(s)
	if i := len(b) / 2; b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
