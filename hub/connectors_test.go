package hub_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/record"
)

// A door is one way a department's records come in, driven as the
// department drives it.
type door interface {
	// send offers envelopes to the connector's source: a POST, a file, rows
	// of a table, messages of a topic.
	send(t *testing.T, envelopes []map[string]any)
	// receipts returns the receipts that reached the department so far, by
	// source_id (the latest of each).
	receipts(t *testing.T) map[string]doorReceipt
	// restart stops the connector abruptly, mid-work if it is working, and
	// starts it again.
	restart(t *testing.T)
}

// doorReceipt is a receipt as the department reads it from its door.
type doorReceipt struct {
	status   string // accepted or rejected
	recordID string
	version  int
	codes    []string // the error codes of a rejection
}

// doors are every connector, each opened for the market regulator of a
// fresh hub.
var doors = map[string]func(t *testing.T, b *bundle) door{
	"http":     newHTTPDoor,
	"database": newDatabaseDoor,
	"kafka":    newKafkaDoor,
	"files":    newFileDoor,
}

// TestConnectors holds every connector to the same promises: a restart
// mid-stream loses nothing and stores nothing twice; a bad record never
// stops the stream; every record gets a receipt that reaches the
// department; the same content again adds no version.
func TestConnectors(t *testing.T) {
	for name, open := range doors {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, options{})
			d := open(t, b)
			const n = 600
			envelopes := make([]map[string]any, n)
			bad := map[string]bool{}
			for i := range envelopes {
				data := b.penalty()
				if i%50 == 7 { // a mistyped check character
					subject := data["subject"].(map[string]any)
					subject["id_number"] = mistype(subject["id_number"].(string))
					bad[sourceID(name, i)] = true
				}
				envelopes[i] = envelope("administrative_penalty", "upsert", sourceID(name, i), data)
			}

			d.send(t, envelopes[:n/2])
			wait.For(t, time.Minute, "a first receipt", func() bool { return len(d.receipts(t)) > 0 })
			d.restart(t)
			d.send(t, envelopes[n/2:])
			got := awaitReceipts(t, d, n)

			idOf := func(i int) string {
				return record.ID(b.idKey, b.market.Code, "administrative_penalty", sourceID(name, i))
			}
			var ids []string
			for i := range envelopes {
				sid := sourceID(name, i)
				rc, ok := got[sid]
				switch {
				case !ok:
					t.Errorf("%s: no receipt reached the department", sid)
				case bad[sid] && (rc.status != "rejected" || !slices.Contains(rc.codes, "invalid_id_number")):
					t.Errorf("%s, a mistyped ID number: receipt %+v, want rejected with invalid_id_number", sid, rc)
				case !bad[sid] && (rc.status != "accepted" || rc.recordID != idOf(i) || rc.version != 1):
					t.Errorf("%s: receipt %+v, want accepted as %s at version 1", sid, rc, idOf(i))
				case !bad[sid]:
					ids = append(ids, rc.recordID)
				}
			}
			want := n - len(bad)
			assertStoredOnce(t, b, ids, want)

			// The same content again: accepted at the same versions, nothing new.
			again := envelopes[:40]
			d.send(t, again)
			valid := slices.DeleteFunc(slices.Clone(again), func(e map[string]any) bool { return bad[e["source_id"].(string)] })
			wait.For(t, time.Minute, "the records sent again admitted again", func() bool {
				return countSubmittedTwice(b, valid) == len(valid)
			})
			if n := b.count(`SELECT count(*) FROM record_heads WHERE version > 1`); n != 0 {
				t.Errorf("%d records got a second version from the same content", n)
			}
			assertStoredOnce(t, b, ids, want)
		})
	}
}

// countSubmittedTwice counts the envelopes whose records were admitted in
// two batches or more: the same content sent again is admitted unchanged,
// and the audit log has an entry for each admission.
func countSubmittedTwice(b *bundle, envelopes []map[string]any) int {
	var ids []string
	for _, e := range envelopes {
		ids = append(ids, record.ID(b.idKey, b.market.Code, "administrative_penalty", e["source_id"].(string)))
	}
	return b.count(`SELECT count(*) FROM (SELECT resource FROM audit_log WHERE action = 'record.submitted'
		AND resource = ANY($1) GROUP BY resource HAVING count(*) >= 2) twice`, ids)
}

// mistype changes the check character of an ID number to a wrong one.
func mistype(id string) string {
	last := id[len(id)-1]
	wrong := byte('0')
	if last == '0' {
		wrong = '1'
	}
	return id[:len(id)-1] + string(wrong)
}

// awaitReceipts waits until n receipts reached the department.
func awaitReceipts(t *testing.T, d door, n int) map[string]doorReceipt {
	t.Helper()
	var got map[string]doorReceipt
	wait.For(t, 3*time.Minute, fmt.Sprintf("%d receipts", n), func() bool {
		got = d.receipts(t)
		return len(got) >= n
	})
	return got
}

// assertStoredOnce checks that the ledger and the public credit database
// hold each record of ids once, at version 1, and no other record.
func assertStoredOnce(t *testing.T, b *bundle, ids []string, want int) {
	t.Helper()
	if len(ids) != want {
		t.Errorf("%d records accepted, want %d", len(ids), want)
	}
	if n := b.count(`SELECT count(*) FROM record_heads`); n != want {
		t.Errorf("the ledger holds %d records, want %d", n, want)
	}
	wait.For(t, time.Minute, fmt.Sprintf("%d versions stored", want), func() bool {
		return b.count(`SELECT count(*) FROM record_versions`) >= want
	})
	if n := b.count(`SELECT count(*) FROM record_versions WHERE record_id = ANY($1) AND version = 1`, ids); n != want {
		t.Errorf("%d of the accepted records are stored at version 1, want %d", n, want)
	}
	if n := b.count(`SELECT count(*) FROM record_versions`); n != want {
		t.Errorf("the database holds %d versions, want %d", n, want)
	}
}

// httpDoor is POST /v1/submissions, driven by a department's client that
// posts batches of 100 and, after its process died, posts again every batch
// it had no answer to.
type httpDoor struct {
	b *bundle
	t *testing.T

	mu      sync.Mutex
	got     map[string]doorReceipt
	pending [][]map[string]any // batches posted without an answer yet
	cancel  context.CancelFunc
	ctx     context.Context
	wg      sync.WaitGroup
}

func newHTTPDoor(t *testing.T, b *bundle) door {
	d := &httpDoor{b: b, t: t, got: map[string]doorReceipt{}}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	t.Cleanup(func() {
		d.cancel()
		d.wg.Wait()
	})
	return d
}

func (d *httpDoor) send(t *testing.T, envelopes []map[string]any) {
	for batch := range slices.Chunk(envelopes, 100) {
		d.mu.Lock()
		d.pending = append(d.pending, batch)
		ctx := d.ctx
		d.mu.Unlock()
		d.wg.Go(func() { d.post(ctx, batch) })
	}
}

// post sends one batch and keeps its receipts; a batch cut off by a restart
// stays pending.
func (d *httpDoor) post(ctx context.Context, envelopes []map[string]any) {
	var resp struct {
		Receipts []struct {
			Status   string `json:"status"`
			RecordID string `json:"record_id"`
			Version  int    `json:"version"`
			Errors   []struct {
				Code string `json:"code"`
			} `json:"errors"`
		} `json:"receipts"`
	}
	status, err := d.b.postContext(ctx, marketKey, "application/json", batch(envelopes...), &resp)
	if err != nil || status != http.StatusOK && status != http.StatusUnprocessableEntity {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, rc := range resp.Receipts {
		r := doorReceipt{status: rc.Status, recordID: rc.RecordID, version: rc.Version}
		for _, e := range rc.Errors {
			r.codes = append(r.codes, e.Code)
		}
		d.got[envelopes[i]["source_id"].(string)] = r
	}
	d.pending = slices.DeleteFunc(d.pending, func(p []map[string]any) bool { return &p[0] == &envelopes[0] })
}

func (d *httpDoor) receipts(*testing.T) map[string]doorReceipt {
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.got)
}

// restart cuts off the requests in flight and posts their batches again.
func (d *httpDoor) restart(t *testing.T) {
	d.cancel()
	d.wg.Wait()
	d.mu.Lock()
	d.ctx, d.cancel = context.WithCancel(context.Background())
	again := d.pending
	d.pending = nil
	d.mu.Unlock()
	for _, batch := range again {
		d.send(t, batch)
	}
}

// runConnector runs c for the bundle's hub until the test ends; stop
// stops it sooner.
func (b *bundle) runConnector(t testing.TB, c source.Connector) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, err := b.hub.Connector(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("connector %s: %v", c.Name, err)
			}
		}
	}
	t.Cleanup(stop)
	return stop
}
