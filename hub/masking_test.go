package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
	"github.com/credex/credex/subscription"
)

// fullIDs returns every full, valid citizen ID number in text, however it
// is written, looking also into every string and key of text when it is
// JSON (where an escape could hide a digit from a plain scan).
func fullIDs(text string) []string {
	texts := []string{text}
	var v any
	if json.Unmarshal([]byte(text), &v) == nil {
		texts = append(texts, jsonStrings(v)...)
	}
	var found []string
	for _, s := range texts {
		for _, id := range ident.FindCitizenIDs(s) {
			if ident.CheckCitizenID(id) == nil && !slices.Contains(found, id) {
				found = append(found, id)
			}
		}
	}
	return found
}

func jsonStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, jsonStrings(x)...)
		}
		return out
	case map[string]any:
		var out []string
		for k, x := range v {
			out = append(append(out, k), jsonStrings(x)...)
		}
		return out
	}
	return nil
}

// Ways of writing an ID number in free text.
func fullWidth(id string) string {
	return strings.Map(func(r rune) rune {
		if r == 'X' {
			return 'Ｘ'
		}
		return r - '0' + '０'
	}, id)
}
func spaced(id string) string     { return id[:6] + " " + id[6:14] + " " + id[14:] }
func hyphenated(id string) string { return id[:6] + "-" + id[6:14] + "-" + id[14:] }

// syncBuffer is a buffer that a hub's logger may write while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// TestReadersNotEntitledNeverSeeAFullIDNumber publishes records whose free
// text holds ID numbers, written in every evasive way, and reads them as
// every kind of reader not entitled to full numbers: the public (query and
// record), a bank by webhook, pull and its Kafka topic, by inquiry and list
// query, the person's access log and the hub's logs. None shows a full ID
// number, each shows the masked text; a government agency and the source
// department still see the numbers in full.
func TestReadersNotEntitledNeverSeeAFullIDNumber(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	b := setup(t, options{delivery: true, logs: logs})
	person, other := ident.NewCitizenID(b.rand), ident.NewCitizenID(b.rand)
	const name = "王测试"
	hidden := fmt.Sprintf("当事人身份证号%s，同案人员编号1%s，另记为%s、%s、%s。",
		person, other, fullWidth(person), spaced(other), hyphenated(person))
	listName := "严重失信主体名单（关联人 " + spaced(other) + "）"
	reason := "撤销：误将身份证号" + hyphenated(person) + "录入"
	purpose := "贷前核查，关联人" + other
	about := func(code string, monthsBefore int) map[string]any {
		d := b.about(code, person, hidden)
		d["subject"].(map[string]any)["name"] = name
		d["decision"].(map[string]any)["date"] = monthsAgo(monthsBefore)
		if code == "administrative_penalty" {
			d["severity"] = "general" // displayed 3 to 12 months
		}
		if code == "serious_dishonesty" {
			d["list_name"] = listName
		}
		return d
	}

	types := []string{"administrative_penalty", "serious_dishonesty"}
	bankHook, govHook := newReceiver(t, nil), newReceiver(t, nil)
	b.webhookTo(bankKey, bankHook, types...)
	b.webhookTo(agencyKey, govHook, types...)
	pull := b.subscribe(bankKey, map[string]any{"types": types, "mode": "pull"})
	topic := b.subscribe(bankKey, map[string]any{"types": types, "mode": "kafka"}).Topic
	// An endpoint that refuses every connection: each failure, which names
	// its URL, is logged when the event is dead-lettered.
	b.subscribe(bankKey, map[string]any{"types": types, "mode": "webhook", "url": "http://127.0.0.1:1/hook?person=" + person})

	penalty := b.publishAbout(marketKey, "administrative_penalty", "MASK-PEN-1", about("administrative_penalty", 1))
	withdrawn := b.publishAbout(marketKey, "administrative_penalty", "MASK-PEN-2", about("administrative_penalty", 1))
	listing := b.publishAbout(taxKey, "serious_dishonesty", "MASK-SD-1", about("serious_dishonesty", 2))
	b.publishAbout(taxKey, "tax_credit", "MASK-TAX-1", about("tax_credit", 1))
	revoke := envelope("administrative_penalty", "revoke", "MASK-PEN-2", nil)
	revoke["reason"] = reason
	b.submitAs(marketKey, revoke)
	b.waitVersionAs(withdrawn.recordID, 2)
	const events = 4 // two penalties, the listing, the revocation

	read := map[string][]string{} // reader -> what it received
	bankHook.waitDistinct(events, 30*time.Second)
	govHook.waitDistinct(events, 30*time.Second)
	for _, a := range bankHook.arrivals() {
		read["webhook"] = append(read["webhook"], string(a.body))
	}
	var page eventPage
	wait.For(t, 30*time.Second, "pull events", func() bool {
		page = b.events(bankKey, pull.ID, "0", 0)
		return len(page.Events) == events
	})
	for _, e := range page.Events {
		read["pull"] = append(read["pull"], string(e))
	}
	wait.For(t, 30*time.Second, "the events did not reach the bank's topic", func() bool { return b.topicCount(topic) >= events })
	for _, m := range kafkatest.ReadAll(t, b.cfg.Kafka.Brokers, topic) {
		read["kafka delivery"] = append(read["kafka delivery"], string(m.Value), string(m.Key))
	}
	status, body := b.publicQuery(name, person)
	if status != http.StatusOK || !strings.Contains(body, penalty.recordID) {
		t.Fatalf("public query answered %d without the penalty %s", status, penalty.recordID)
	}
	read["public query"] = []string{body}
	status, body = b.publicGet(penalty.recordID)
	if status != http.StatusOK {
		t.Fatalf("public record answered %d", status)
	}
	read["public record"] = []string{body}
	var grant struct{ Token string }
	if got := b.call(http.MethodPost, "/v1/authorisations", b.idToken(name, person), map[string]any{"agency": "commercial-bank",
		"purpose": purpose, "types": []string{"tax_credit"}, "valid_days": 1}, &grant); got != http.StatusCreated {
		t.Fatalf("the person's authorisation of the bank answered %d", got)
	}
	inquiry := map[string]any{"id_number": person, "purpose": purpose, "authorisation": grant.Token, "types": []string{"tax_credit"}}
	a := b.raw(http.MethodPost, "/v1/inquiries", bankKey, inquiry)
	var answer inquiryAnswer
	if json.Unmarshal([]byte(a.body), &answer); a.status != http.StatusOK || len(answer.Records) != 1 {
		t.Fatalf("inquiry answered %d with %d records, want the tax credit record", a.status, len(answer.Records))
	}
	read["inquiry"] = []string{a.body}
	a = b.raw(http.MethodPost, "/v1/lists/query", bankKey, map[string]any{"id_number": person})
	if a.status != http.StatusOK || !strings.Contains(a.body, listing.recordID) {
		t.Fatalf("list query answered %d without the listing %s", a.status, listing.recordID)
	}
	read["list query"] = []string{a.body}
	a = b.raw(http.MethodPost, "/v1/public/access-log", b.idToken(name, person), map[string]any{"name": name, "id_number": person})
	if a.status != http.StatusOK || !strings.Contains(a.body, "inquiry.read") {
		t.Fatalf("access log answered %d without the inquiry", a.status)
	}
	read["access log"] = []string{a.body}
	wait.For(t, 30*time.Second, "no event was dead-lettered", func() bool { return strings.Contains(logs.String(), "dead-lettered") })
	read["logs"] = []string{logs.String()}

	for reader, texts := range read {
		for _, text := range texts {
			for _, id := range fullIDs(text) {
				t.Errorf("%s shows a full ID number, %s", reader, ident.MaskCitizenID(id))
			}
		}
	}

	// What the masked readers see is the masked text.
	maskedFacts, maskedReason := ident.MaskText(hidden), ident.MaskText(reason)
	for _, transport := range []string{"webhook", "pull"} {
		var facts, reasons, idNumbers int
		for _, text := range read[transport] {
			var e struct {
				subscription.Event
				Data struct {
					Subject struct {
						IDNumber string `json:"id_number"`
					} `json:"subject"`
					Facts string `json:"facts"`
				} `json:"data"`
			}
			json.Unmarshal([]byte(text), &e)
			facts += count(e.Data.Facts == maskedFacts)
			reasons += count(e.Reason == maskedReason)
			idNumbers += count(e.Data.Subject.IDNumber == ident.MaskCitizenID(person))
		}
		if facts != 3 || reasons != 1 || idNumbers != 3 {
			t.Errorf("%s: %d masked facts, %d masked reasons, %d masked id_numbers; want 3, 1 and 3", transport, facts, reasons, idNumbers)
		}
	}
	if k := strings.Join(read["kafka delivery"], "\n"); !strings.Contains(k, jsonString(maskedFacts)) || !strings.Contains(k, jsonString(maskedReason)) {
		t.Errorf("the bank's topic lacks the masked facts and reason")
	}
	for _, reader := range []string{"public query", "public record", "inquiry"} {
		if !strings.Contains(read[reader][0], jsonString(maskedFacts)) {
			t.Errorf("%s lacks the masked facts: %s", reader, ident.MaskText(read[reader][0]))
		}
	}
	var lists listsAnswer
	json.Unmarshal([]byte(read["list query"][0]), &lists)
	if len(lists.Black) != 1 || lists.Black[0].Title != ident.MaskText(listName) || lists.Black[0].IDNumber != ident.MaskCitizenID(person) {
		t.Errorf("the bank's black list = %+v, want the listing titled %q", lists.Black, ident.MaskText(listName))
	}
	if !strings.Contains(read["access log"][0], jsonString(ident.MaskText(purpose))) {
		t.Errorf("the access log lacks the masked purpose: %s", ident.MaskText(read["access log"][0]))
	}
	if !strings.Contains(read["logs"][0], "person="+ident.MaskText(person)) {
		t.Errorf("the logs lack the masked URL:\n%s", ident.MaskText(read["logs"][0]))
	}

	// Those entitled see the numbers in full.
	full := 0
	for _, a := range govHook.arrivals() {
		var e struct {
			subscription.Event
			Data struct {
				Subject struct {
					IDNumber string `json:"id_number"`
				} `json:"subject"`
				Facts string `json:"facts"`
			} `json:"data"`
		}
		json.Unmarshal(a.body, &e)
		full += count(e.Data.Facts == hidden && e.Data.Subject.IDNumber == person) + count(e.Reason == reason)
	}
	if full != 4 {
		t.Errorf("%d government events show the facts and ID number or the reason in full, want 4", full)
	}
	a = b.raw(http.MethodPost, "/v1/inquiries", courtKey, map[string]any{"id_number": person, "purpose": purpose,
		"legal_basis": testLegalBasis, "types": []string{"tax_credit"}})
	if a.status != http.StatusOK || !strings.Contains(a.body, jsonString(hidden)) {
		t.Errorf("an enforcement court's inquiry under its legal basis answered %d without the facts in full", a.status)
	}
	json.Unmarshal([]byte(b.raw(http.MethodPost, "/v1/lists/query", agencyKey, map[string]any{"id_number": person}).body), &lists)
	if len(lists.Black) != 1 || lists.Black[0].Title != listName || lists.Black[0].IDNumber != person {
		t.Errorf("a government agency's black list does not show the listing in full")
	}
	if _, v := b.get(marketKey, penalty.recordID); !strings.Contains(string(v.Data), jsonString(hidden)) {
		t.Errorf("the source department does not see its record's facts in full")
	}
}

// TestEachAgencyKnowsAPersonByItsOwnPseudonym: agencies subscribed to the
// same type receive different pseudonyms of one person, and each receives
// one pseudonym for all of that person's records, by every transport, as
// the event's subject and the Kafka key; none receives the hub's subject
// hash.
func TestEachAgencyKnowsAPersonByItsOwnPseudonym(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delivery: true})
	const bureauKey = "test-credit-bureau-key"
	bureau := principal.SeedEntry{Kind: principal.Agency, Name: "credit-bureau", Key: bureauKey, Scope: "credit_service_agency"}
	if err := b.hub.Store().SavePrincipals(context.Background(), []principal.SeedEntry{bureau}); err != nil {
		t.Fatal(err)
	}
	types := []string{"administrative_penalty"}
	pullOf := func(key string) string { return b.subscribe(key, map[string]any{"types": types, "mode": "pull"}).ID }
	bankPull, bureauPull, govPull := pullOf(bankKey), pullOf(bureauKey), pullOf(agencyKey)
	topic := b.subscribe(bankKey, map[string]any{"types": types, "mode": "kafka"}).Topic
	hook := newReceiver(t, nil)
	b.webhookTo(bureauKey, hook, types...)

	person, other := ident.NewCitizenID(b.rand), ident.NewCitizenID(b.rand)
	persons := []string{person, person, other}
	var envs []map[string]any
	for i, id := range persons {
		envs = append(envs, envelope("administrative_penalty", "upsert", sourceID("PSN", i), b.about("administrative_penalty", id, "")))
	}
	resp := b.submitAs(marketKey, envs...)
	personOf := map[string]string{}
	for i, r := range resp.Receipts {
		personOf[r.RecordID] = persons[i]
	}

	// streams are what each agency received by each transport: the
	// events, and the Kafka keys.
	type stream struct {
		agency string
		events []subscription.Event
		bodies []string
		keys   []string
	}
	pulled := func(agency, key, id string) stream {
		var p eventPage
		wait.For(t, 30*time.Second, agency+"'s pull events", func() bool {
			p = b.events(key, id, "0", 0)
			return len(p.Events) == len(persons)
		})
		s := stream{agency: agency}
		for _, raw := range p.Events {
			var e subscription.Event
			json.Unmarshal(raw, &e)
			s.events, s.bodies = append(s.events, e), append(s.bodies, string(raw))
		}
		return s
	}
	streams := map[string]stream{
		"bank by pull":          pulled("bank", bankKey, bankPull),
		"credit bureau by pull": pulled("credit bureau", bureauKey, bureauPull),
		"government by pull":    pulled("government", agencyKey, govPull),
	}
	hook.waitDistinct(len(persons), 30*time.Second)
	s := stream{agency: "credit bureau"}
	for _, a := range hook.arrivals() {
		s.events, s.bodies = append(s.events, a.event), append(s.bodies, string(a.body))
	}
	streams["credit bureau by webhook"] = s
	wait.For(t, 30*time.Second, "the events did not reach the bank's topic", func() bool { return b.topicCount(topic) >= len(persons) })
	s = stream{agency: "bank"}
	for _, m := range kafkatest.ReadAll(t, b.cfg.Kafka.Brokers, topic) {
		var e subscription.Event
		json.Unmarshal(m.Value, &e)
		s.events, s.bodies, s.keys = append(s.events, e), append(s.bodies, string(m.Value)), append(s.keys, string(m.Key))
	}
	streams["bank by Kafka"] = s

	hashes := []string{record.SubjectKey(b.cfg.SubjectKey, person), record.SubjectKey(b.cfg.SubjectKey, other)}
	pseudonyms := map[string]map[string]string{} // agency -> person -> pseudonym
	for name, s := range streams {
		if len(s.events) != len(persons) {
			t.Fatalf("%s: %d events, want %d", name, len(s.events), len(persons))
		}
		if pseudonyms[s.agency] == nil {
			pseudonyms[s.agency] = map[string]string{}
		}
		for i, e := range s.events {
			p := personOf[e.RecordID]
			if !strings.HasPrefix(e.Subject, "psn_") {
				t.Errorf("%s: event %s has subject %q, want a pseudonym", name, e.ID, e.Subject)
			}
			if known, ok := pseudonyms[s.agency][p]; ok && known != e.Subject {
				t.Errorf("%s: %s's events carry %q and %q, want one pseudonym", name, e.RecordID, known, e.Subject)
			}
			pseudonyms[s.agency][p] = e.Subject
			if s.keys != nil && s.keys[i] != e.Subject {
				t.Errorf("%s: message of event %s keyed %q, want its subject %q", name, e.ID, s.keys[i], e.Subject)
			}
			for _, h := range hashes {
				if strings.Contains(s.bodies[i], h) || s.keys != nil && s.keys[i] == h {
					t.Errorf("%s: event %s carries the hub's subject hash", name, e.ID)
				}
			}
		}
	}
	seen := map[string]string{} // pseudonym -> agency and person
	for agency, of := range pseudonyms {
		if len(of) != 2 {
			t.Errorf("%s knows %d persons, want 2", agency, len(of))
		}
		for p, psn := range of {
			who := agency + "/" + ident.MaskCitizenID(p)
			if earlier, ok := seen[psn]; ok {
				t.Errorf("%s and %s share the pseudonym %s", earlier, who, psn)
			}
			seen[psn] = who
		}
	}
}

func count(ok bool) int {
	if ok {
		return 1
	}
	return 0
}

// jsonString is s as a JSON string, without its quotes.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
