package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// result is what a scenario showed.
type result struct {
	scenario string
	// accepted counts the versions accepted or pending, pending the
	// pending ones.
	accepted, pending, stored, uncertain int
	lost, altered, unexpected, stored2   int
	// The pull subscriber.
	delivered, undelivered, duplicates, order int
	// The webhook subscriber.
	hooked, unhooked, rehooked, hookOrder, unstable, unsigned int
	recovery                                                  time.Duration
	recovered                                                 bool
	answers, outageAnswers                                    map[int]int
	outage                                                    bool
	outageAccepted                                            int
}

func (r result) ok() bool {
	return r.lost == 0 && r.altered == 0 && r.unexpected == 0 && r.stored2 == 0 &&
		r.undelivered == 0 && r.duplicates == 0 && r.order == 0 &&
		r.unhooked == 0 && r.hookOrder == 0 && r.unstable == 0 && r.unsigned == 0 &&
		r.outageAccepted == 0 && r.recovered && r.accepted > 0
}

func (r result) String() string {
	verdict := "PASS"
	if !r.ok() {
		verdict = "FAIL"
	}
	recovery := fmt.Sprintf("%.1fs", r.recovery.Seconds())
	if !r.recovered {
		recovery = "never"
	}
	s := fmt.Sprintf("%s %s: accepted=%d pending=%d stored=%d lost=%d altered=%d unexpected=%d db-duplicates=%d "+
		"delivered=%d undelivered=%d duplicates=%d out-of-order=%d "+
		"webhook-at-least-once=%d webhook-missing=%d webhook-redelivered=%d webhook-out-of-order=%d webhook-unstable-ids=%d webhook-unsigned=%d "+
		"uncertain=%d recovery=%s answers=%s",
		verdict, r.scenario, r.accepted-r.pending, r.pending, r.stored, r.lost, r.altered, r.unexpected, r.stored2,
		r.delivered, r.undelivered, r.duplicates, r.order,
		r.hooked, r.unhooked, r.rehooked, r.hookOrder, r.unstable, r.unsigned,
		r.uncertain, recovery, statuses(r.answers))
	if r.outage {
		s += fmt.Sprintf(" outage-answers=%s outage-accepted=%d", statuses(r.outageAnswers), r.outageAccepted)
	}
	return s
}

func statuses(m map[int]int) string {
	var s []string
	for _, code := range slices.Sorted(maps.Keys(m)) {
		s = append(s, fmt.Sprintf("%d:%d", code, m[code]))
	}
	return strings.Join(s, ",")
}

// check waits until the database and the subscribers have settled, then
// compares them with the receipts.
func (h *harness) check(sub string) (result, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, h.dbURL)
	if err != nil {
		return result{}, err
	}
	defer conn.Close(ctx)
	// Settled: every accepted version is stored, the outbox is empty and
	// nothing more came for three seconds; or three minutes passed (a
	// restarted sink may wait for its group to rebalance).
	h.mu.Lock()
	accepted := len(h.accepted)
	h.mu.Unlock()
	var stored map[string]int64
	var times map[int64]int // amount -> rows holding it
	last, steady := -1, 0
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); {
		time.Sleep(time.Second)
		s, t, err := storedVersions(ctx, conn)
		if err != nil {
			continue
		}
		stored, times = s, t
		var waiting int
		conn.QueryRow(ctx, `SELECT count(*) FROM ledger_outbox`).Scan(&waiting)
		if len(stored) == last && waiting == 0 {
			steady++
		} else {
			steady = 0
		}
		last = len(stored)
		if steady >= 3 && h.missing(stored) == 0 {
			break
		}
	}
	if stored == nil {
		return result{}, fmt.Errorf("could not read the stored versions for three minutes")
	}

	events, err := h.pullAll(sub, accepted)
	if err != nil {
		return result{}, err
	}
	// The webhook subscriber gets three minutes more to receive every
	// accepted version: a retry may be due 30 s after the last.
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline) && h.receiver.has(h.accepted) < accepted; {
		time.Sleep(time.Second)
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	r := result{scenario: h.scenario, accepted: len(h.accepted), pending: h.pending, stored: len(stored), uncertain: len(h.uncertain),
		recovery: h.recover, recovered: !h.down, answers: h.answers,
		outage: len(h.outageAnswers) > 0, outageAnswers: h.outageAnswers, outageAccepted: h.outageAccepted}
	for key, a := range h.accepted {
		got, ok := stored[key]
		switch {
		case !ok:
			r.lost++
		case got != a:
			r.altered++
		}
	}
	for key, a := range stored {
		if _, ok := h.accepted[key]; !ok && !h.uncertain[a] {
			r.unexpected++
		}
	}
	for _, n := range times {
		r.stored2 += n - 1
	}
	seen := map[string]int{}
	lastVersion := map[string]int{}
	for _, e := range events {
		key := fmt.Sprintf("%s/%d", e.RecordID, e.Version)
		if seen[key]++; seen[key] > 1 {
			r.duplicates++
		}
		if e.Version <= lastVersion[e.RecordID] {
			r.order++
		}
		lastVersion[e.RecordID] = e.Version
		if _, ok := h.accepted[key]; ok {
			r.delivered++
		}
	}
	for key := range h.accepted {
		if seen[key] == 0 {
			r.undelivered++
		}
	}

	rc := h.receiver
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for key := range h.accepted {
		if _, ok := rc.ids[key]; ok {
			r.hooked++
		} else {
			r.unhooked++
		}
	}
	for _, n := range rc.times {
		r.rehooked += n - 1
	}
	r.hookOrder, r.unstable, r.unsigned = rc.order, rc.unstable, rc.unsigned
	return r, nil
}

// storedVersions reads the amount of every stored record version, and how
// many rows hold each amount.
func storedVersions(ctx context.Context, conn *pgx.Conn) (map[string]int64, map[int64]int, error) {
	stored, times := map[string]int64{}, map[int64]int{}
	rows, err := conn.Query(ctx, `SELECT record_id, version, (data->>'amount_yuan')::bigint FROM record_versions`)
	if err != nil {
		return nil, nil, err
	}
	var id string
	var version int
	var amount int64
	_, err = pgx.ForEachRow(rows, []any{&id, &version, &amount}, func() error {
		stored[fmt.Sprintf("%s/%d", id, version)] = amount
		times[amount]++
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return stored, times, nil
}

// missing counts the accepted versions not in stored.
func (h *harness) missing(stored map[string]int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for k := range h.accepted {
		if _, ok := stored[k]; !ok {
			n++
		}
	}
	return n
}

type event struct {
	RecordID string `json:"record_id"`
	Version  int    `json:"version"`
}

// pullAll reads the subscription from its start until it has at least want
// events and a read brings nothing new, or a minute passes.
func (h *harness) pullAll(sub string, want int) ([]event, error) {
	var all []event
	cursor := "0"
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		var page struct {
			Events []event `json:"events"`
			Next   string  `json:"next"`
		}
		status, err := call(h.hubs[0].addr, http.MethodGet, "/v1/subscriptions/"+sub+"/events?after="+cursor+"&wait=1", nil, &page)
		if err != nil || status != http.StatusOK {
			time.Sleep(time.Second)
			continue
		}
		all = append(all, page.Events...)
		cursor = page.Next
		if len(page.Events) == 0 && len(all) >= want {
			break
		}
	}
	return all, nil
}
