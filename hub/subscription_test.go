package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/connectors/webhook"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/record"
	"github.com/credex/credex/subscription"
)

// subView is a subscription as the API answers it.
type subView struct {
	ID          string   `json:"id"`
	Agency      string   `json:"agency"`
	Types       []string `json:"types"`
	Mode        string   `json:"mode"`
	Status      string   `json:"status"`
	Reason      string   `json:"status_reason"`
	FullIDTypes []string `json:"full_id_types"`
	Topic       string   `json:"topic"`
	Secret      string   `json:"secret"`
}

// apiError is a whole-request error answer.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Pointer string `json:"pointer"`
}

// eventPage is an answer of GET /v1/subscriptions/{id}/events.
type eventPage struct {
	Events []json.RawMessage `json:"events"`
	Next   string            `json:"next"`
}

// call sends a JSON request as key (none when empty) and decodes the answer
// into out (when not nil); it returns the status.
func (b *bundle) call(method, path, key string, body, out any) int {
	b.t.Helper()
	a := b.raw(method, path, key, body)
	if out != nil && len(a.body) > 0 {
		if err := json.Unmarshal([]byte(a.body), out); err != nil {
			b.t.Fatalf("%s %s: decode answer (%d): %v: %s", method, path, a.status, err, a.body)
		}
	}
	return a.status
}

// subscribe creates a subscription as key and expects 201.
func (b *bundle) subscribe(key string, req map[string]any) subView {
	b.t.Helper()
	var v subView
	if got := b.call(http.MethodPost, "/v1/subscriptions", key, req, &v); got != http.StatusCreated {
		var e apiError
		b.call(http.MethodPost, "/v1/subscriptions", key, req, &e)
		b.t.Fatalf("create subscription %v answered %d (%+v), want 201", req, got, e)
	}
	return v
}

// webhookTo subscribes key's agency to types by webhook to r and gives r
// the signing secret.
func (b *bundle) webhookTo(key string, r *receiver, types ...string) subView {
	b.t.Helper()
	v := b.subscribe(key, map[string]any{"types": types, "mode": "webhook", "url": r.srv.URL + "/hook"})
	if v.Mode != "webhook" || !strings.HasPrefix(v.Secret, "whsec_") || v.Status != "active" {
		b.t.Fatalf("webhook subscription = %+v, want an active webhook with a whsec_ secret", v)
	}
	secret, err := webhook.ParseSecret(v.Secret)
	if err != nil {
		b.t.Fatal(err)
	}
	r.mu.Lock()
	r.secret = secret
	r.mu.Unlock()
	return v
}

// getSub reads a subscription as key.
func (b *bundle) getSub(key, id string) subView {
	b.t.Helper()
	var v subView
	if got := b.call(http.MethodGet, "/v1/subscriptions/"+id, key, nil, &v); got != http.StatusOK {
		b.t.Fatalf("GET subscription %s answered %d", id, got)
	}
	return v
}

// events reads a page of a subscription's events as key.
func (b *bundle) events(key, id, after string, wait int) eventPage {
	b.t.Helper()
	var p eventPage
	path := fmt.Sprintf("/v1/subscriptions/%s/events?after=%s&wait=%d", id, after, wait)
	if got := b.call(http.MethodGet, path, key, nil, &p); got != http.StatusOK {
		b.t.Fatalf("GET %s answered %d", path, got)
	}
	return p
}

// submitAs posts envelopes as key and expects every one accepted. A 503
// (nothing accepted) is sent again, as a department would, for up to 10s:
// the partitions of topics just created may not have a leader yet.
func (b *bundle) submitAs(key string, envelopes ...map[string]any) httpin.Response {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var resp httpin.Response
		got := b.post(key, "application/json", batch(envelopes...), &resp)
		if got == http.StatusServiceUnavailable && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if got != http.StatusOK || resp.Accepted != len(envelopes) {
			b.t.Fatalf("submission answered %d with %d of %d accepted: %+v", got, resp.Accepted, len(envelopes), resp)
		}
		return resp
	}
}

// about returns the catalogue's example of code about the person with ID
// number id, its facts (where the type has them) set to facts.
func (b *bundle) about(code, id, facts string) map[string]any {
	return b.example(code, func(d map[string]any) {
		d["subject"].(map[string]any)["id_number"] = id
		if _, ok := d["facts"]; ok && facts != "" {
			d["facts"] = facts
		}
	})
}

// arrival is one webhook request a receiver answered with 2xx.
type arrival struct {
	at     time.Time
	header string // webhook-id
	body   []byte
	event  subscription.Event
}

// receiver is an agency's webhook endpoint. It verifies the signature of
// every request against the subscription's secret and answers as answer
// says (204 when nil), given how many requests came before.
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	answer func(n int, now time.Time) (int, http.Header)
	delay  time.Duration // how long it takes over each request

	mu       sync.Mutex
	secret   webhook.Secret
	requests []time.Time // every request, in order of arrival
	got      []arrival
}

func newReceiver(t testing.TB, answer func(n int, now time.Time) (int, http.Header)) *receiver {
	r := &receiver{t: t, answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	now := time.Now()
	r.mu.Lock()
	n := len(r.requests)
	r.requests = append(r.requests, now)
	secret := r.secret
	status, header := http.StatusNoContent, http.Header(nil)
	if r.answer != nil {
		status, header = r.answer(n, now)
	}
	var e subscription.Event
	switch {
	case err != nil:
		r.t.Errorf("receiver: read body: %v", err)
	case req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json":
		r.t.Errorf("receiver: %s with content type %q, want a JSON POST", req.Method, req.Header.Get("Content-Type"))
	case len(secret) == 0:
		r.t.Errorf("receiver: a request came before the subscription existed: %s", body)
	default:
		if err := webhook.Verify(secret, req.Header, body, now, 0); err != nil {
			r.t.Errorf("receiver: signature of %s does not verify: %v", req.Header.Get(webhook.HeaderID), err)
		}
		if err := json.Unmarshal(body, &e); err != nil {
			r.t.Errorf("receiver: body is not an event: %v: %s", err, body)
		}
		if status >= 200 && status < 300 {
			r.got = append(r.got, arrival{at: now, header: req.Header.Get(webhook.HeaderID), body: body, event: e})
		}
	}
	r.mu.Unlock()
	time.Sleep(r.delay)
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
}

// arrivals returns what the receiver accepted so far, in order.
func (r *receiver) arrivals() []arrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// requestTimes returns when every request came, in order.
func (r *receiver) requestTimes() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests)
}

// distinct counts the different event ids accepted.
func (r *receiver) distinct() int {
	seen := map[string]bool{}
	for _, a := range r.arrivals() {
		seen[a.event.ID] = true
	}
	return len(seen)
}

func (r *receiver) waitDistinct(n int, timeout time.Duration) {
	r.t.Helper()
	wait.For(r.t, timeout, fmt.Sprintf("want %d distinct events at the receiver", n), func() bool { return r.distinct() >= n })
}

// expected is what a test submitted: the event each record version makes,
// and whose record it is.
type expected struct {
	events  map[string]expectedEvent // by event id
	subject map[string]string        // record id -> person
	order   []string                 // event ids in submission order
}

type expectedEvent struct {
	recordID, typ string
	version       int
}

func newExpected() *expected {
	return &expected{events: map[string]expectedEvent{}, subject: map[string]string{}}
}

// add notes the receipts of envelopes, all about the people in persons (one
// per envelope).
func (x *expected) add(t testing.TB, resp httpin.Response, envelopes []map[string]any, persons []string) {
	t.Helper()
	for i, rc := range resp.Receipts {
		if rc.Status != "accepted" || rc.Unchanged {
			t.Fatalf("receipt %d = %+v, want a new version accepted", i, rc)
		}
		typ := record.EventUpdated
		switch {
		case envelopes[i]["op"] == "revoke":
			typ = record.EventRevoked
		case rc.Version == 1:
			typ = record.EventCreated
		}
		id := record.EventID(rc.RecordID, rc.Version)
		x.events[id] = expectedEvent{recordID: rc.RecordID, typ: typ, version: rc.Version}
		x.subject[rc.RecordID] = persons[i]
		x.order = append(x.order, id)
	}
}

// check verifies a stream of arrivals against what was submitted: every
// event arrived, nothing else did, a repeated id carries the same body, the
// webhook-id is the event id, and about each person the sequence numbers
// run 1, 2, 3... in order of first arrival with each record's versions in
// order. It returns how many arrivals repeated an earlier one.
func (x *expected) check(t testing.TB, got []arrival) (duplicates int) {
	t.Helper()
	first := map[string][]byte{}
	perSubject := map[string][]int64{}
	lastVersion := map[string]int{}
	for _, a := range got {
		e := a.event
		if a.header != e.ID {
			t.Errorf("webhook-id %q on the event %s", a.header, e.ID)
		}
		if body, ok := first[e.ID]; ok {
			duplicates++
			if !bytes.Equal(body, a.body) {
				t.Errorf("event %s delivered again with another body:\n%s\n%s", e.ID, body, a.body)
			}
			continue
		}
		first[e.ID] = a.body
		want, ok := x.events[e.ID]
		if !ok {
			t.Errorf("unexpected event %s: %s", e.ID, a.body)
			continue
		}
		if e.RecordID != want.recordID || e.Version != want.version || e.Type != want.typ {
			t.Errorf("event %s = %s %s v%d, want %s %s v%d", e.ID, e.Type, e.RecordID, e.Version, want.typ, want.recordID, want.version)
		}
		if v := lastVersion[e.RecordID]; e.Version <= v {
			t.Errorf("record %s: version %d arrived after version %d", e.RecordID, e.Version, v)
		}
		lastVersion[e.RecordID] = e.Version
		person := x.subject[e.RecordID]
		perSubject[person] = append(perSubject[person], e.Sequence)
	}
	for id := range x.events {
		if _, ok := first[id]; !ok {
			t.Errorf("event %s (%+v) never arrived", id, x.events[id])
		}
	}
	for person, seqs := range perSubject {
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Errorf("person %s: sequences in order of arrival %v, want 1, 2, 3...", person, seqs)
				break
			}
		}
	}
	return duplicates
}

// world submits records about persons people: three of each (two penalties
// and a licence), then updates the first penalty of half of them and
// revokes the second penalty of others. It returns what it submitted and
// the people's ID numbers.
func (b *bundle) world(people int, prefix string) (*expected, []string) {
	b.t.Helper()
	x := newExpected()
	ids := make([]string, people)
	var first []map[string]any
	var firstOf []string
	for i := range ids {
		ids[i] = ident.NewCitizenID(b.rand)
		first = append(first,
			envelope("administrative_penalty", "upsert", sourceID(prefix+"A", i), b.about("administrative_penalty", ids[i], "")),
			envelope("administrative_penalty", "upsert", sourceID(prefix+"B", i), b.about("administrative_penalty", ids[i], "")),
			envelope("administrative_licence", "upsert", sourceID(prefix+"L", i), b.about("administrative_licence", ids[i], "")))
		firstOf = append(firstOf, ids[i], ids[i], ids[i])
	}
	x.add(b.t, b.submitAs(marketKey, first...), first, firstOf)
	var second []map[string]any
	var secondOf []string
	for i := range people / 2 {
		second = append(second, envelope("administrative_penalty", "upsert", sourceID(prefix+"A", i),
			b.about("administrative_penalty", ids[i], "未取得许可从事经营活动，复核后更正。")))
		secondOf = append(secondOf, ids[i])
	}
	for i := people / 3; i < people; i += 2 {
		second = append(second, envelope("administrative_penalty", "revoke", sourceID(prefix+"B", i),
			map[string]any{"reason": "decision withdrawn on review"}))
		secondOf = append(secondOf, ids[i])
	}
	x.add(b.t, b.submitAs(marketKey, second...), second, secondOf)
	return x, ids
}

// TestWebhookDeliversEverySignedEventInOrder: every change of several
// records about several people reaches the agency's endpoint once, signed
// with the secret it was given, and about each person in order.
func TestWebhookDeliversEverySignedEventInOrder(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delivery: true})
	r := newReceiver(t, nil)
	b.webhookTo(agencyKey, r, "administrative_penalty", "administrative_licence")

	x, ids := b.world(6, "W")

	r.waitDistinct(len(x.events), 30*time.Second)
	got := r.arrivals()
	if dup := x.check(t, got); dup != 0 {
		t.Errorf("%d redeliveries to an endpoint that accepted every request", dup)
	}
	if len(x.events) != 6*3+3+2 {
		t.Fatalf("submitted %d changes, want 23", len(x.events))
	}
	// A government agency sees the ID numbers of penalties and licences in full.
	full := 0
	for _, a := range got {
		for _, id := range ids {
			if bytes.Contains(a.body, []byte(id)) {
				full++
			}
		}
	}
	if want := 6*3 + 3; full != want {
		t.Errorf("%d events carry a full ID number, want %d (every upsert)", full, want)
	}
}

// TestWebhookKeepsEachPersonsOrderUnderConcurrency: with many people's
// events sent at once to a slow endpoint that refuses every seventh
// request, each person's events still arrive in order, every one of them.
func TestWebhookKeepsEachPersonsOrderUnderConcurrency(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delivery: true, schedule: "20ms" + strings.Repeat(",20ms", 15)})
	r := newReceiver(t, func(n int, _ time.Time) (int, http.Header) {
		if n%7 == 3 {
			return http.StatusServiceUnavailable, nil
		}
		return http.StatusNoContent, nil
	})
	r.delay = 2 * time.Millisecond
	b.webhookTo(agencyKey, r, "administrative_penalty", "administrative_licence")

	x, _ := b.world(40, "C")

	r.waitDistinct(len(x.events), 60*time.Second)
	if dup := x.check(t, r.arrivals()); dup != 0 {
		t.Errorf("%d redeliveries to an endpoint that answered every request", dup)
	}
	if refused := len(r.requestTimes()) - len(r.arrivals()); refused < 10 {
		t.Errorf("%d requests refused, want at least 10 (the failures prove nothing)", refused)
	}
}

// TestWebhookOutageDrainsInOrderWithoutStarvingOthers: an endpoint that
// answers 503 for a while gets every event, in order, once it is back; a
// healthy endpoint of another subscription is served during the outage.
func TestWebhookOutageDrainsInOrderWithoutStarvingOthers(t *testing.T) {
	t.Parallel()
	// Retries for about 8s, longer than the outage.
	b := setup(t, options{delivery: true, schedule: "50ms,100ms,200ms" + strings.Repeat(",300ms", 25)})
	// The failing endpoint answers 503 until a second after every event is
	// stored: the healthy one has that second to get all of them.
	var upAt atomic.Int64 // Unix nanoseconds
	upAt.Store(math.MaxInt64)
	failing := newReceiver(t, func(n int, now time.Time) (int, http.Header) {
		if now.UnixNano() < upAt.Load() {
			return http.StatusServiceUnavailable, nil
		}
		return http.StatusOK, nil
	})
	healthy := newReceiver(t, nil)
	fs := b.webhookTo(agencyKey, failing, "administrative_penalty", "administrative_licence")
	b.webhookTo(bankKey, healthy, "administrative_penalty", "administrative_licence")

	x, _ := b.world(5, "O")
	wait.For(t, 20*time.Second, "the events are not stored", func() bool {
		return b.count(`SELECT count(*) FROM subscription_events WHERE subscription_id = $1`, fs.ID) == len(x.events)
	})
	upAt.Store(time.Now().Add(time.Second).UnixNano())

	healthy.waitDistinct(len(x.events), 20*time.Second)
	failing.waitDistinct(len(x.events), 30*time.Second)
	back := time.Unix(0, upAt.Load())
	h := healthy.arrivals()
	if last := h[len(h)-1].at; !last.Before(back) {
		t.Errorf("the healthy endpoint got its last event %s after the failing one came back: starved", last.Sub(back))
	}
	failed := 0
	for _, at := range failing.requestTimes() {
		if at.Before(back) {
			failed++
		}
	}
	if failed < 3 {
		t.Errorf("%d attempts during the outage, want at least 3 (the outage proves nothing)", failed)
	}
	if dup := x.check(t, failing.arrivals()); dup != 0 {
		t.Errorf("%d redeliveries after the outage", dup)
	}
	if dup := x.check(t, h); dup != 0 {
		t.Errorf("%d redeliveries to the healthy endpoint", dup)
	}
}

// TestRetryAfterIsHonoured: after a 429 with Retry-After: 1 the next attempt
// waits a second, although the schedule would retry after 50ms.
func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delivery: true})
	r := newReceiver(t, func(n int, _ time.Time) (int, http.Header) {
		if n == 0 {
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}
		}
		return http.StatusNoContent, nil
	})
	b.webhookTo(agencyKey, r, "administrative_penalty")
	b.submitAs(marketKey, envelope("administrative_penalty", "upsert", "RA-1", b.penalty()))
	r.waitDistinct(1, 20*time.Second)
	times := r.requestTimes()
	if len(times) != 2 {
		t.Fatalf("%d requests, want 2 (one refused, one accepted)", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < time.Second || gap > 5*time.Second {
		t.Errorf("second attempt %s after the 429, want Retry-After's 1s (and not much more)", gap)
	}
}

// TestGoneDisablesSubscription: a 410 disables the subscription and nothing
// more is sent to it, while another subscription keeps getting events.
func TestGoneDisablesSubscription(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delivery: true})
	gone := newReceiver(t, func(int, time.Time) (int, http.Header) { return http.StatusGone, nil })
	other := newReceiver(t, nil)
	sub := b.webhookTo(agencyKey, gone, "administrative_penalty")
	b.webhookTo(agencyKey, other, "administrative_penalty")

	b.submitAs(marketKey, envelope("administrative_penalty", "upsert", "G-1", b.penalty()))
	wait.For(t, 20*time.Second, "the subscription is not disabled after a 410", func() bool {
		return b.getSub(agencyKey, sub.ID).Status == "disabled"
	})
	if v := b.getSub(agencyKey, sub.ID); !strings.Contains(v.Reason, "410") {
		t.Errorf("status reason %q, want it to name the 410", v.Reason)
	}
	b.submitAs(marketKey, envelope("administrative_penalty", "upsert", "G-2", b.penalty()),
		envelope("administrative_penalty", "upsert", "G-3", b.penalty()))
	other.waitDistinct(3, 20*time.Second)
	if n := len(gone.requestTimes()); n != 1 {
		t.Errorf("the gone endpoint got %d requests, want 1", n)
	}
}

// TestReplayDeliversAgainWithSameIDs: a replay from cursor 0 or from a time
// sends the events again, with their ids; for a pull subscription the
// answer's cursor reads the same events again.
func TestReplayDeliversAgainWithSameIDs(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delivery: true})
	r := newReceiver(t, nil)
	push := b.webhookTo(agencyKey, r, "administrative_penalty")
	pull := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"})

	b.submitAs(marketKey, envelope("administrative_penalty", "upsert", "R-1", b.penalty()),
		envelope("administrative_penalty", "upsert", "R-2", b.penalty()),
		envelope("administrative_penalty", "upsert", "R-3", b.penalty()))
	r.waitDistinct(3, 20*time.Second)
	from := time.Now()
	b.submitAs(marketKey, envelope("administrative_penalty", "upsert", "R-4", b.penalty()),
		envelope("administrative_penalty", "upsert", "R-5", b.penalty()))
	r.waitDistinct(5, 20*time.Second)
	original := r.arrivals()
	if len(original) != 5 {
		t.Fatalf("%d arrivals, want 5", len(original))
	}
	// A replay resends what the hub had recorded as delivered; an event
	// that arrived but is not recorded yet is still being sent.
	wait.For(t, 20*time.Second, "the 5 events to be marked delivered", func() bool {
		return b.count(`SELECT count(*) FROM subscription_events WHERE subscription_id = $1 AND status = 'delivered'`, push.ID) == 5
	})

	replay := func(id string, body map[string]any) (cursor string, n int) {
		t.Helper()
		var out struct {
			Cursor       string `json:"cursor"`
			Redelivering int    `json:"redelivering"`
		}
		if got := b.call(http.MethodPost, "/v1/subscriptions/"+id+"/replay", agencyKey, body, &out); got != http.StatusOK {
			t.Fatalf("replay %v answered %d", body, got)
		}
		return out.Cursor, out.Redelivering
	}
	if _, n := replay(push.ID, map[string]any{"after": "0"}); n != 5 {
		t.Errorf("replay after 0 redelivers %d, want 5", n)
	}
	wait.For(t, 20*time.Second, "the replay after 0 to arrive and be marked delivered", func() bool {
		return len(r.arrivals()) >= 10 &&
			b.count(`SELECT count(*) FROM subscription_events WHERE subscription_id = $1 AND status <> 'delivered'`, push.ID) == 0
	})
	if _, n := replay(push.ID, map[string]any{"from": from}); n != 2 {
		t.Errorf("replay from %s redelivers %d, want 2", from, n)
	}
	wait.For(t, 20*time.Second, "the replay from a time did not arrive", func() bool { return len(r.arrivals()) >= 12 })
	got := r.arrivals()
	if len(got) != 12 {
		t.Fatalf("%d arrivals, want 5 + 5 + 2", len(got))
	}
	// Events about different persons may arrive in any order between them:
	// each replay brings the same events, with the same ids and bodies.
	body := map[string][]byte{}
	for _, a := range original {
		body[a.event.ID] = a.body
	}
	ids := func(arrivals []arrival) []string {
		var out []string
		for _, a := range arrivals {
			out = append(out, a.event.ID)
			if !bytes.Equal(a.body, body[a.event.ID]) {
				t.Errorf("replayed %s has another body than its first delivery", a.event.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	if first, again := ids(original), ids(got[5:10]); !slices.Equal(first, again) {
		t.Errorf("the replay after 0 brought %v, want %v", again, first)
	}

	// Pull: the cursor of a replay reads the same events again.
	all := b.events(agencyKey, pull.ID, "0", 0)
	if len(all.Events) != 5 {
		t.Fatalf("pull subscription has %d events, want 5", len(all.Events))
	}
	cursor, n := replay(pull.ID, map[string]any{"after": "0"})
	if again := b.events(agencyKey, pull.ID, cursor, 0); cursor != "0" || n != 0 || !reflect.DeepEqual(again.Events, all.Events) {
		t.Errorf("pull replay after 0: cursor %q, %d redelivering, %d events; want cursor 0 and the same 5 events", cursor, n, len(again.Events))
	}
	cursor, _ = replay(pull.ID, map[string]any{"from": from})
	later := b.events(agencyKey, pull.ID, cursor, 0)
	if !reflect.DeepEqual(later.Events, all.Events[3:]) {
		t.Errorf("pull replay from %s reads %d events from cursor %q, want the last 2", from, len(later.Events), cursor)
	}
	var pulled []string
	for _, raw := range all.Events {
		var e subscription.Event
		json.Unmarshal(raw, &e)
		pulled = append(pulled, e.ID)
	}
	if fromTime, again := slices.Sorted(slices.Values(pulled[3:])), ids(got[10:]); !slices.Equal(fromTime, again) {
		t.Errorf("the replay from a time brought %v, want the events stored after it, %v", again, fromTime)
	}
	if slices.Sort(pulled); !slices.Equal(pulled, ids(original)) {
		t.Errorf("the pull subscription has the events %v, the webhook's are %v: ids differ between subscriptions", pulled, ids(original))
	}
}

// TestPullLongPollAndStableCursors: a waiting request returns as soon as an
// event is there, an idle one after its wait, and a cursor always reads the
// same events.
func TestPullLongPollAndStableCursors(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	sub := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"})
	b.submitAs(marketKey, envelope("administrative_penalty", "upsert", "PL-1", b.penalty()),
		envelope("administrative_penalty", "upsert", "PL-2", b.penalty()))
	wait.For(t, 20*time.Second, "two events to pull", func() bool { return len(b.events(agencyKey, sub.ID, "0", 0).Events) == 2 })

	page := b.events(agencyKey, sub.ID, "0", 0)
	if again := b.events(agencyKey, sub.ID, "0", 0); !reflect.DeepEqual(again, page) {
		t.Errorf("the same cursor read different events:\n%v\n%v", page, again)
	}
	start := time.Now()
	idle := b.events(agencyKey, sub.ID, page.Next, 1)
	if took := time.Since(start); len(idle.Events) != 0 || idle.Next != page.Next || took < 900*time.Millisecond || took > 3*time.Second {
		t.Errorf("idle long poll with wait=1: %d events, next %q, after %s; want none, next %q, after about 1s",
			len(idle.Events), idle.Next, took, page.Next)
	}

	polled := make(chan eventPage, 1)
	var returned atomic.Int64
	go func() {
		p := b.events(agencyKey, sub.ID, page.Next, 5)
		returned.Store(time.Now().UnixNano())
		polled <- p
	}()
	time.Sleep(300 * time.Millisecond) // let the request start waiting
	if returned.Load() != 0 {
		t.Fatal("the long poll returned before anything new was submitted")
	}
	submitted := time.Now()
	resp := b.submitAs(marketKey, envelope("administrative_penalty", "upsert", "PL-3", b.penalty()))
	var p eventPage
	select {
	case p = <-polled:
	case <-time.After(10 * time.Second):
		t.Fatal("the long poll did not return")
	}
	if took := time.Unix(0, returned.Load()).Sub(submitted); took > 3*time.Second {
		t.Errorf("the long poll returned %s after the submission, want well before its 5s wait", took)
	}
	var e subscription.Event
	if len(p.Events) != 1 || json.Unmarshal(p.Events[0], &e) != nil || e.RecordID != resp.Receipts[0].RecordID {
		t.Fatalf("long poll answered %d events, want the one submitted", len(p.Events))
	}
	if again := b.events(agencyKey, sub.ID, page.Next, 0); !reflect.DeepEqual(again, p) {
		t.Errorf("cursor %q read again gives %v, want %v", page.Next, again, p)
	}
	whole := b.events(agencyKey, sub.ID, "0", 0)
	if len(whole.Events) != 3 || !reflect.DeepEqual(whole.Events[:2], page.Events) || whole.Next != p.Next {
		t.Errorf("from 0: %d events ending at %q, want the first page then the new one, ending at %q", len(whole.Events), whole.Next, p.Next)
	}
	var e400 apiError
	if got := b.call(http.MethodGet, "/v1/subscriptions/"+sub.ID+"/events?after=x", agencyKey, nil, &e400); got != http.StatusBadRequest || e400.Code != "invalid_cursor" {
		t.Errorf("a bad cursor answered %d %+v, want 400 invalid_cursor", got, e400)
	}
}

// TestDeadLettersAndRedelivery: an event that fails every attempt of the
// schedule goes to the dead letters, and is sent again on request.
func TestDeadLettersAndRedelivery(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delivery: true}) // 50ms, 100ms, 200ms: four attempts
	var working atomic.Bool
	r := newReceiver(t, func(int, time.Time) (int, http.Header) {
		if working.Load() {
			return http.StatusNoContent, nil
		}
		return http.StatusInternalServerError, nil
	})
	sub := b.webhookTo(agencyKey, r, "administrative_penalty")
	resp := b.submitAs(marketKey, envelope("administrative_penalty", "upsert", "D-1", b.penalty()))
	id := record.EventID(resp.Receipts[0].RecordID, 1)

	type dead struct {
		ID        string `json:"id"`
		Attempts  int    `json:"attempts"`
		LastError string `json:"last_error"`
	}
	var page struct {
		Events []dead `json:"events"`
	}
	wait.For(t, 20*time.Second, "no dead letter", func() bool {
		b.call(http.MethodGet, "/v1/subscriptions/"+sub.ID+"/dead-letters", agencyKey, nil, &page)
		return len(page.Events) > 0
	})
	if d := page.Events; len(d) != 1 || d[0].ID != id || d[0].Attempts != 4 || !strings.Contains(d[0].LastError, "500") {
		t.Errorf("dead letters = %+v, want %s after 4 attempts, failing with 500", d, id)
	}
	if n := len(r.requestTimes()); n != 4 {
		t.Errorf("%d attempts, want 4", n)
	}

	working.Store(true)
	var out struct {
		Redelivering int `json:"redelivering"`
	}
	if got := b.call(http.MethodPost, "/v1/subscriptions/"+sub.ID+"/dead-letters/redeliver", agencyKey, nil, &out); got != http.StatusOK || out.Redelivering != 1 {
		t.Errorf("redeliver answered %d %+v, want 200 with 1 redelivering", got, out)
	}
	r.waitDistinct(1, 20*time.Second)
	if a := r.arrivals(); a[0].event.ID != id {
		t.Errorf("redelivered %s, want %s", a[0].event.ID, id)
	}
	b.call(http.MethodGet, "/v1/subscriptions/"+sub.ID+"/dead-letters", agencyKey, nil, &page)
	if len(page.Events) != 0 {
		t.Errorf("dead letters after redelivery = %+v, want none", page.Events)
	}
}

// TestEntitlementAndApproval: an agency cannot subscribe to a type not
// shared with it, and a subscription to a type disclosed only on authorised
// inquiry gets nothing until an operator approves it.
func TestEntitlementAndApproval(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	for _, c := range []struct {
		types   []string
		pointer string
	}{
		{[]string{"administrative_penalty", "identity_registration"}, "/types/1"},
		{[]string{"traffic_violation"}, "/types/0"},
	} {
		var e apiError
		got := b.call(http.MethodPost, "/v1/subscriptions", bankKey, map[string]any{"types": c.types, "mode": "pull"}, &e)
		if got != http.StatusForbidden || e.Code != "type_not_entitled" || e.Pointer != c.pointer {
			t.Errorf("a bank subscribing to %v: %d %+v, want 403 type_not_entitled at %s", c.types, got, e, c.pointer)
		}
	}

	sub := b.subscribe(bankKey, map[string]any{"types": []string{"tax_credit"}, "mode": "pull"})
	if sub.Status != "pending_approval" {
		t.Fatalf("subscription to tax_credit is %q, want pending_approval", sub.Status)
	}
	before := b.submitAs(taxKey, envelope("tax_credit", "upsert", "T-1", b.about("tax_credit", ident.NewCitizenID(b.rand), "")))
	wait.For(t, 20*time.Second, "the tax credit record is not stored", func() bool {
		status, v := b.get(taxKey, before.Receipts[0].RecordID)
		return status == http.StatusOK && v.Version == 1
	})
	if p := b.events(bankKey, sub.ID, "0", 0); len(p.Events) != 0 {
		t.Errorf("a subscription waiting for approval got %d events", len(p.Events))
	}
	var e apiError
	if got := b.call(http.MethodPost, "/v1/subscriptions/"+sub.ID+"/approval", bankKey, nil, &e); got != http.StatusForbidden || e.Code != "not_an_operator" {
		t.Errorf("the agency approving itself: %d %+v, want 403 not_an_operator", got, e)
	}
	var approved subView
	if got := b.call(http.MethodPost, "/v1/subscriptions/"+sub.ID+"/approval", opKey, nil, &approved); got != http.StatusOK || approved.Status != "active" {
		t.Fatalf("approval answered %d %+v, want 200 active", got, approved)
	}
	if got := b.call(http.MethodPost, "/v1/subscriptions/"+sub.ID+"/approval", opKey, nil, &e); got != http.StatusConflict || e.Code != "not_pending" {
		t.Errorf("approving twice: %d %+v, want 409 not_pending", got, e)
	}
	if v := b.getSub(bankKey, sub.ID); v.Status != "active" {
		t.Errorf("after approval the subscription is %q", v.Status)
	}

	after := b.submitAs(taxKey, envelope("tax_credit", "upsert", "T-2", b.about("tax_credit", ident.NewCitizenID(b.rand), "")))
	var p eventPage
	wait.For(t, 20*time.Second, "no event after approval", func() bool {
		p = b.events(bankKey, sub.ID, "0", 0)
		return len(p.Events) > 0
	})
	var ev subscription.Event
	json.Unmarshal(p.Events[0], &ev)
	if len(p.Events) != 1 || ev.RecordID != after.Receipts[0].RecordID {
		t.Errorf("after approval: %d events, the first about %s; want only %s's", len(p.Events), ev.RecordID, after.Receipts[0].RecordID)
	}
}

// TestIDNumbersMaskedForFinancialInstitutions: a bank never sees an ID number
// in full, by webhook or pull; a government agency, with whom the type is
// shared by name, does.
func TestIDNumbersMaskedForFinancialInstitutions(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delivery: true})
	gov, bank := newReceiver(t, nil), newReceiver(t, nil)
	gs := b.webhookTo(agencyKey, gov, "administrative_penalty", "administrative_licence")
	bs := b.webhookTo(bankKey, bank, "administrative_penalty", "administrative_licence")
	pull := b.subscribe(bankKey, map[string]any{"types": []string{"administrative_penalty", "administrative_licence"}, "mode": "pull"})
	if want := []string{"administrative_penalty", "administrative_licence"}; !reflect.DeepEqual(gs.FullIDTypes, want) || len(bs.FullIDTypes) != 0 {
		t.Errorf("full ID types: government %v, bank %v; want %v and none", gs.FullIDTypes, bs.FullIDTypes, want)
	}

	x, ids := b.world(4, "M")
	gov.waitDistinct(len(x.events), 20*time.Second)
	bank.waitDistinct(len(x.events), 20*time.Second)
	var pulled eventPage
	wait.For(t, 20*time.Second, "pull events", func() bool {
		pulled = b.events(bankKey, pull.ID, "0", 0)
		return len(pulled.Events) == len(x.events)
	})
	bodies := [][]byte{}
	for _, a := range bank.arrivals() {
		bodies = append(bodies, a.body)
	}
	for _, raw := range pulled.Events {
		bodies = append(bodies, raw)
	}
	masked := 0
	for _, body := range bodies {
		for _, id := range ids {
			if bytes.Contains(body, []byte(id)) {
				t.Errorf("a bank received the full ID number %s: %s", id, body)
			}
			if bytes.Contains(body, []byte(ident.MaskCitizenID(id))) {
				masked++
			}
		}
	}
	if want := 2 * (4*3 + 2); masked != want {
		t.Errorf("%d bank events carry a masked ID number, want %d (every upsert, by webhook and pull)", masked, want)
	}
	full := 0
	for _, a := range gov.arrivals() {
		for _, id := range ids {
			if bytes.Contains(a.body, []byte(id)) {
				full++
			}
		}
	}
	if want := 4*3 + 2; full != want {
		t.Errorf("%d government events carry a full ID number, want %d", full, want)
	}
	x.check(t, bank.arrivals())
}

// TestSubscriptionOfAnotherAgencyDoesNotExist: every route answers another
// agency as if the subscription did not exist, and changes nothing.
func TestSubscriptionOfAnotherAgencyDoesNotExist(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	own := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"})
	routes := []struct{ method, path string }{
		{http.MethodGet, ""},
		{http.MethodDelete, ""},
		{http.MethodGet, "/events?after=0"},
		{http.MethodPost, "/replay"},
		{http.MethodGet, "/dead-letters"},
		{http.MethodPost, "/dead-letters/redeliver"},
		{http.MethodPost, "/secrets"},
		{http.MethodPost, "/approval"},
	}
	for _, r := range routes {
		var body any
		if r.path == "/replay" {
			body = map[string]any{"after": "0"}
		}
		var theirs, none apiError
		got := b.call(r.method, "/v1/subscriptions/"+own.ID+r.path, bankKey, body, &theirs)
		missing := b.call(r.method, "/v1/subscriptions/sbn_doesnotexist"+r.path, bankKey, body, &none)
		if got != missing || theirs != none {
			t.Errorf("%s %s of another agency: %d %+v; for no subscription: %d %+v; want the same", r.method, r.path, got, theirs, missing, none)
		}
		if r.path != "/approval" && (got != http.StatusNotFound || theirs.Code != "subscription_not_found") {
			t.Errorf("%s %s of another agency: %d %+v, want 404 subscription_not_found", r.method, r.path, got, theirs)
		}
	}
	var list struct {
		Subscriptions []subView `json:"subscriptions"`
	}
	b.call(http.MethodGet, "/v1/subscriptions", bankKey, nil, &list)
	if len(list.Subscriptions) != 0 {
		t.Errorf("another agency lists %+v", list.Subscriptions)
	}
	if v := b.getSub(agencyKey, own.ID); v.Status != "active" {
		t.Errorf("after another agency's requests the subscription is %q", v.Status)
	}
}

// TestWebhookURLToPrivateAddressRefused: a hub without an allowlist refuses
// webhook URLs to private, link-local and loopback addresses.
func TestWebhookURLToPrivateAddressRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	for _, url := range []string{
		"http://10.0.0.1/hook",
		"http://169.254.169.254/latest/meta-data/",
		"http://127.0.0.1:8080/hook",
		"https://[::1]/hook",
		"http://192.168.1.20/hook",
		"http://0x7f.1/hook",
	} {
		var e apiError
		got := b.call(http.MethodPost, "/v1/subscriptions", agencyKey,
			map[string]any{"types": []string{"administrative_penalty"}, "mode": "webhook", "url": url}, &e)
		if got != http.StatusBadRequest || e.Code != "url_not_allowed" || e.Pointer != "/url" {
			t.Errorf("webhook to %s: %d %+v, want 400 url_not_allowed at /url", url, got, e)
		}
	}
	if n := b.count(`SELECT count(*) FROM subscriptions`); n != 0 {
		t.Errorf("%d subscriptions stored", n)
	}
}

// TestKafkaSubscriptionGetsKeyedEvents: a kafka subscription's events reach
// its topic, keyed by person, in order, with the JSON the pull API shows.
func TestKafkaSubscriptionGetsKeyedEvents(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delivery: true})
	sub := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty", "administrative_licence"}, "mode": "kafka"})
	if sub.Topic != b.cfg.Kafka.Topics.Delivery(sub.ID) {
		t.Errorf("topic %q, want %q", sub.Topic, b.cfg.Kafka.Topics.Delivery(sub.ID))
	}
	x, _ := b.world(4, "K")
	wait.For(t, 30*time.Second, "the events did not reach the topic", func() bool {
		return b.topicCount(sub.Topic) >= len(x.events)
	})

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: b.cfg.Kafka.Brokers, GroupID: b.cfg.Kafka.Topics.Prefix + "agency-reader",
		Topic: sub.Topic, StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var msgs []kafka.Message
	for len(msgs) < len(x.events) {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("read %s after %d messages: %v", sub.Topic, len(msgs), err)
		}
		if err := r.CommitMessages(ctx, m); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	pulled := map[string]any{}
	for _, raw := range b.events(agencyKey, sub.ID, "0", 0).Events {
		var v map[string]any
		json.Unmarshal(raw, &v)
		pulled[v["id"].(string)] = v
	}
	keyOf := map[string]string{} // person -> key
	keys := map[string]bool{}
	var got []arrival
	for _, m := range msgs {
		var v map[string]any
		if err := json.Unmarshal(m.Value, &v); err != nil {
			t.Fatalf("message is not JSON: %s", m.Value)
		}
		var e subscription.Event
		json.Unmarshal(m.Value, &e)
		if !reflect.DeepEqual(v, pulled[e.ID]) {
			t.Errorf("kafka event %s differs from the pull API's:\n%s\n%v", e.ID, m.Value, pulled[e.ID])
		}
		if header(m, "credex-event-id") != e.ID {
			t.Errorf("credex-event-id %q on event %s", header(m, "credex-event-id"), e.ID)
		}
		person := x.subject[e.RecordID]
		if k, ok := keyOf[person]; ok && k != string(m.Key) || len(m.Key) == 0 {
			t.Errorf("event %s about %s keyed %q, earlier ones %q", e.ID, person, m.Key, k)
		}
		keyOf[person] = string(m.Key)
		keys[string(m.Key)] = true
		got = append(got, arrival{header: e.ID, body: m.Value, event: e})
	}
	if len(keyOf) != 4 || len(keys) != 4 {
		t.Errorf("%d people under %d keys, want 4 and 4", len(keyOf), len(keys))
	}
	if dup := x.check(t, got); dup != 0 {
		t.Errorf("%d duplicates on the topic", dup)
	}
}

// TestDeliveryKilledMidStreamDeliversEveryEvent kills the delivery process
// with SIGKILL while it is sending, starts another, and checks that every
// event arrives, duplicates only with the same id and body, in order about
// each person.
func TestDeliveryKilledMidStreamDeliversEveryEvent(t *testing.T) {
	t.Parallel()
	b := setup(t, options{loopback: true})
	r := newReceiver(t, nil)
	r.delay = 3 * time.Millisecond
	b.webhookTo(agencyKey, r, "administrative_penalty")

	const people, perPerson = 100, 3
	x := newExpected()
	var envs []map[string]any
	var of []string
	for i := range people {
		id := ident.NewCitizenID(b.rand)
		for j := range perPerson {
			envs = append(envs, envelope("administrative_penalty", "upsert", sourceID(fmt.Sprintf("X%d-", j), i), b.about("administrative_penalty", id, "")))
			of = append(of, id)
		}
	}
	for i := 0; i < len(envs); i += 100 {
		x.add(t, b.submitAs(marketKey, envs[i:i+100]...), envs[i:i+100], of[i:i+100])
	}
	total := len(x.events)

	first := b.startChild("delivery")
	wait.For(t, 30*time.Second, "the first delivery process delivered fewer than 60 events", func() bool { return r.distinct() >= 60 })
	first.Process.Kill() // SIGKILL: no release of the lease, no record of the request under way
	first.Wait()
	killedAt := r.distinct()
	if killedAt >= total {
		t.Fatalf("all %d events were delivered before the kill; the test proves nothing", total)
	}
	b.startChild("delivery")
	r.waitDistinct(total, 45*time.Second)
	dup := x.check(t, r.arrivals())
	t.Logf("killed after %d of %d events; %d delivered twice", killedAt, total, dup)
}
