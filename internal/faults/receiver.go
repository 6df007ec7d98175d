package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/credex/credex/connectors/webhook"
)

// receiver is an agency's webhook endpoint. It checks each request's
// signature and notes every event: how often its id came, whether a record
// version always came with the same id, and whether the events about one
// person first came in the order of their sequence.
type receiver struct {
	addr, url string

	mu     sync.Mutex
	srv    *http.Server
	secret *webhook.Secret
	// times maps event id to deliveries; ids maps record/version to the
	// event id it came with; last maps a person's pseudonym to the
	// sequence of the last new event about them.
	times    map[string]int
	ids      map[string]string
	last     map[string]int64
	unsigned int // requests without a valid signature
	unstable int // record versions that came with a second id
	order    int // new events about a person older than one before
}

func newReceiver() (*receiver, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	r := &receiver{addr: addr, times: map[string]int{}, ids: map[string]string{}, last: map[string]int64{}}
	return r, r.up()
}

// up starts serving; down stops at once, closing every connection.
func (r *receiver) up() error {
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		return fmt.Errorf("webhook receiver: %w", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
	r.mu.Lock()
	r.srv = srv
	r.mu.Unlock()
	go srv.Serve(ln)
	return nil
}

func (r *receiver) down() {
	r.mu.Lock()
	srv := r.srv
	r.srv = nil
	r.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (r *receiver) setSecret(s string) error {
	secret, err := webhook.ParseSecret(s)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = &secret
	return nil
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	var e struct {
		ID       string `json:"id"`
		RecordID string `json:"record_id"`
		Version  int    `json:"version"`
		Sequence int64  `json:"sequence"`
		Subject  string `json:"subject"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.ID == "" {
		http.Error(w, "not an event", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.secret == nil || webhook.Verify(*r.secret, req.Header, body, time.Now(), 5*time.Minute) != nil {
		r.unsigned++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	key := fmt.Sprintf("%s/%d", e.RecordID, e.Version)
	if id, ok := r.ids[key]; ok && id != e.ID {
		r.unstable++
	}
	r.ids[key] = e.ID
	if r.times[e.ID]++; r.times[e.ID] == 1 {
		if e.Sequence <= r.last[e.Subject] {
			r.order++
		}
		r.last[e.Subject] = max(r.last[e.Subject], e.Sequence)
	}
	w.WriteHeader(http.StatusNoContent)
}

// has reports how many of keys (record/version) came at least once.
func (r *receiver) has(keys map[string]int64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for k := range keys {
		if _, ok := r.ids[k]; ok {
			n++
		}
	}
	return n
}
