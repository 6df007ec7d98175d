package hub_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/record"
)

// BenchmarkWebhookDelivery measures delivery to an agency's webhook on the
// real broker and database: records are submitted over HTTP, go through
// Kafka and the sink, become events, and one webhook subscription receives
// them at a local endpoint, signed. An op is one event delivered.
//
//	deploy/local/test.sh -run '^$' -bench WebhookDelivery/burst -benchtime 2000x ./hub/
//	deploy/local/test.sh -run '^$' -bench WebhookDelivery/single -benchtime 200x ./hub/
//
// "burst" submits b.N records at once from benchClients departments, so its
// deliveries/s is the rate at which one subscription keeps up with a burst
// of submissions (it cannot exceed the rate of ingest and sink), and its
// latencies include the wait in the backlog; "single" submits one record at
// a time and waits for its delivery, the latency of an idle hub. The
// latencies run from the moment the record's submission was sent to the
// moment the endpoint received its event. "fanout=10" is burst with ten
// subscriptions. "drain/subscriptions=N" submits b.N records while N
// subscriptions are held back, then times their delivery alone: the rate
// at which delivery drains a backlog.
//
// "receiver/conns=N" is the ceiling of the others in the same run: a
// trivial local endpoint, which reads the request and answers 204, taking
// b.N requests of an event's size over N kept-alive connections; compare
// "burst" with conns=1 and "fanout=10" with conns=8.
func BenchmarkWebhookDelivery(b *testing.B) {
	hb := setup(b, options{delivery: true})
	for _, conns := range []int{1, 8} {
		b.Run(fmt.Sprintf("receiver/conns=%d", conns), func(b *testing.B) {
			body, err := json.Marshal(envelope("administrative_penalty", "upsert", "receiver-ceiling", hb.realisticPenalty()))
			if err != nil {
				b.Fatal(err)
			}
			benchReceiver(b, conns, body)
		})
	}
	b.Run("burst", func(b *testing.B) {
		hb.t = b
		r, sub := hb.benchSubscription(b)
		defer hb.call(http.MethodDelete, "/v1/subscriptions/"+sub, agencyKey, nil, nil)
		ids := sourceIDs(b.N)
		bodies := make([][]byte, 0, b.N/submitBatch+1)
		for chunk := range slices.Chunk(ids, submitBatch) {
			envs := make([]map[string]any, len(chunk))
			for i, id := range chunk {
				envs[i] = envelope("administrative_penalty", "upsert", id, hb.realisticPenalty())
			}
			bodies = append(bodies, batch(envs...))
		}
		sent := make([]time.Time, len(bodies))
		b.ResetTimer()
		start := time.Now()
		runClients(b, len(bodies), benchClients, func(i int) error {
			sent[i] = time.Now()
			return hb.postBatch(bodies[i])
		})
		r.waitDistinct(b.N, time.Duration(b.N)*20*time.Millisecond+60*time.Second)
		elapsed := r.completedAt(b.N).Sub(start)
		b.StopTimer()
		submitted := map[string]time.Time{}
		for i, id := range ids {
			submitted[record.ID(hb.idKey, hb.market.Code, "administrative_penalty", id)] = sent[i/submitBatch]
		}
		reportDelivery(b, r, submitted, elapsed)
	})
	b.Run("fanout=10", func(b *testing.B) {
		hb.t = b
		const subscriptions = 10
		receivers := make([]*receiver, subscriptions)
		for i := range receivers {
			r, sub := hb.benchSubscription(b)
			defer hb.call(http.MethodDelete, "/v1/subscriptions/"+sub, agencyKey, nil, nil)
			receivers[i] = r
		}
		ids := sourceIDs(b.N)
		var bodies [][]byte
		for chunk := range slices.Chunk(ids, submitBatch) {
			envs := make([]map[string]any, len(chunk))
			for i, id := range chunk {
				envs[i] = envelope("administrative_penalty", "upsert", id, hb.realisticPenalty())
			}
			bodies = append(bodies, batch(envs...))
		}
		b.ResetTimer()
		start := time.Now()
		runClients(b, len(bodies), benchClients, func(i int) error { return hb.postBatch(bodies[i]) })
		elapsed := completed(receivers, b.N).Sub(start)
		b.StopTimer()
		b.ReportMetric(float64(subscriptions*b.N)/elapsed.Seconds(), "deliveries/s")
	})
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("drain/subscriptions=%d", n), func(b *testing.B) {
			hb.t = b
			receivers := make([]*receiver, n)
			subs := make([]string, n)
			for i := range receivers {
				receivers[i], subs[i] = hb.benchSubscription(b)
				defer hb.call(http.MethodDelete, "/v1/subscriptions/"+subs[i], agencyKey, nil, nil)
			}
			// Hold delivery back until every event is owed: what is timed
			// is delivery alone, of a backlog.
			if _, err := hb.db.Exec(b.Context(), `UPDATE subscriptions SET next_attempt_at = 'infinity' WHERE id = ANY ($1)`, subs); err != nil {
				b.Fatal(err)
			}
			var bodies [][]byte
			for chunk := range slices.Chunk(sourceIDs(b.N), submitBatch) {
				envs := make([]map[string]any, len(chunk))
				for i, id := range chunk {
					envs[i] = envelope("administrative_penalty", "upsert", id, hb.realisticPenalty())
				}
				bodies = append(bodies, batch(envs...))
			}
			runClients(b, len(bodies), benchClients, func(i int) error { return hb.postBatch(bodies[i]) })
			wait.For(b, time.Minute, "every event owed", func() bool {
				var owed int
				err := hb.db.QueryRow(b.Context(), `SELECT count(*) FROM subscription_events WHERE subscription_id = ANY ($1)`, subs).Scan(&owed)
				return err == nil && owed == n*b.N
			})
			b.ResetTimer()
			start := time.Now()
			if _, err := hb.db.Exec(b.Context(), `UPDATE subscriptions SET next_attempt_at = now() WHERE id = ANY ($1)`, subs); err != nil {
				b.Fatal(err)
			}
			elapsed := completed(receivers, b.N).Sub(start)
			b.StopTimer()
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "deliveries/s")
		})
	}
	b.Run("single", func(b *testing.B) {
		hb.t = b
		r, sub := hb.benchSubscription(b)
		defer hb.call(http.MethodDelete, "/v1/subscriptions/"+sub, agencyKey, nil, nil)
		submitted := map[string]time.Time{}
		b.ResetTimer()
		start := time.Now()
		for i, id := range sourceIDs(b.N) {
			body := batch(envelope("administrative_penalty", "upsert", id, hb.realisticPenalty()))
			submitted[record.ID(hb.idKey, hb.market.Code, "administrative_penalty", id)] = time.Now()
			if err := hb.postBatch(body); err != nil {
				b.Fatal(err)
			}
			r.waitDistinct(i+1, 30*time.Second)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		reportDelivery(b, r, submitted, elapsed)
	})
}

// completed waits until every receiver has accepted n distinct events and
// returns when the last of them had: the end of the deliveries, not of the
// polling that saw it.
func completed(receivers []*receiver, n int) time.Time {
	var end time.Time
	for _, r := range receivers {
		r.waitDistinct(n, time.Duration(n)*20*time.Millisecond+60*time.Second)
		if at := r.completedAt(n); at.After(end) {
			end = at
		}
	}
	return end
}

// completedAt returns when the receiver had accepted n distinct events.
func (r *receiver) completedAt(n int) time.Time {
	seen := map[string]bool{}
	for _, a := range r.arrivals() {
		if !seen[a.event.ID] {
			seen[a.event.ID] = true
			if len(seen) == n {
				return a.at
			}
		}
	}
	r.t.Fatalf("the receiver accepted %d distinct events, not %d", len(seen), n)
	return time.Time{}
}

// benchSubscription subscribes the government agency to penalties by
// webhook to a new local endpoint; it returns the endpoint and the
// subscription's id.
func (b *bundle) benchSubscription(tb testing.TB) (*receiver, string) {
	r := newReceiver(tb, nil)
	return r, b.webhookTo(agencyKey, r, "administrative_penalty").ID
}

// postBatch submits one JSON submission as the market regulator; every
// record must be accepted. It is safe for concurrent use.
func (b *bundle) postBatch(body []byte) error {
	req, err := http.NewRequest(http.MethodPost, b.url+"/v1/submissions", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+marketKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var resp httpin.Response
	if err := json.NewDecoder(res.Body).Decode(&resp); err != nil {
		return fmt.Errorf("decode answer (%s): %w", res.Status, err)
	}
	if res.StatusCode != http.StatusOK || resp.Rejected != 0 {
		return fmt.Errorf("submission answered %s with %d accepted, %d rejected (%s)", res.Status, resp.Accepted, resp.Rejected, resp.Code)
	}
	return nil
}

// reportDelivery reports deliveries per second and the percentiles of the
// latency from submission to receipt.
func reportDelivery(b *testing.B, r *receiver, submitted map[string]time.Time, elapsed time.Duration) {
	var lat []time.Duration
	seen := map[string]bool{}
	for _, a := range r.arrivals() {
		if seen[a.event.ID] {
			continue
		}
		seen[a.event.ID] = true
		at, ok := submitted[a.event.RecordID]
		if !ok {
			b.Fatalf("event %s of a record not submitted here", a.event.ID)
		}
		lat = append(lat, a.at.Sub(at))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
}

// benchReceiver posts body b.N times to a trivial local endpoint over conns
// connections, conns requests at a time, and reports requests/s.
func benchReceiver(b *testing.B, conns int, body []byte) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns}}
	defer client.CloseIdleConnections()
	b.ResetTimer()
	start := time.Now()
	runClients(b, b.N, conns, func(int) error {
		res, err := client.Post(srv.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			return fmt.Errorf("receiver answered %s", res.Status)
		}
		return nil
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "requests/s")
}
