// Command faults is the fault-injection harness behind
// deploy/local/faults.sh. For each scenario it starts a real hub (`credex
// serve`) on a database and topic prefix of its own, streams uniquely
// identified records through the HTTP API from several clients while it
// injects the scenario's fault, and then compares the accepted receipts with
// what the database stored and what a pull subscriber received: set
// difference both ways, versions, content and order per record. It prints
// one line of figures per scenario and exits 1 when any receipt was lost,
// altered, duplicated or delivered out of order.
//
// It needs the local broker and PostgreSQL of deploy/local (faults.sh starts
// them) and a credex binary.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/ident"
)

// The dev seed's principals the harness works as.
const (
	departmentKey = "dev-market-regulation-key-0001"
	agencyKey     = "dev-bank-regulator-key-0004"
)

// scenarios are the faults, by name. Each runs while the clients stream and
// returns when its fault is over and the harmed part runs again.
var scenarios = map[string]func(ctx context.Context, h *harness) error{
	// hub-kill: the hub is killed with SIGKILL every few seconds and started again.
	"hub-kill": func(ctx context.Context, h *harness) error {
		for i := 0; i < 3 && sleep(ctx, h.duration/4); i++ {
			h.kill()
			if err := h.start(context.WithoutCancel(ctx)); err != nil {
				return err
			}
		}
		return nil
	},
	// broker-bounce: the Kafka broker is killed with SIGKILL and started again.
	"broker-bounce": func(ctx context.Context, h *harness) error {
		if !sleep(ctx, h.duration/3) {
			return nil
		}
		pid, err := os.ReadFile(filepath.Join(h.repo, ".credex-local/kafka/kafka.pid"))
		if err != nil {
			return fmt.Errorf("broker pid: %w", err)
		}
		if err := signal(strings.TrimSpace(string(pid)), syscall.SIGKILL); err != nil {
			return err
		}
		h.faultAt(time.Now())
		sleep(ctx, 3*time.Second)
		return h.script(context.WithoutCancel(ctx), "kafka.sh", "start")
	},
	// postgres-stop: PostgreSQL stops at once (immediate shutdown, as on a
	// crash) and is started again.
	"postgres-stop": func(ctx context.Context, h *harness) error {
		if !sleep(ctx, h.duration/3) {
			return nil
		}
		out, err := exec.CommandContext(ctx, filepath.Join(h.repo, "deploy/local/postgres.sh"), "status").CombinedOutput()
		_, dir, ok := strings.Cut(string(out), "(data in ")
		if err != nil || !ok {
			return fmt.Errorf("postgres status: %v: %s", err, out)
		}
		pid, err := os.ReadFile(filepath.Join(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(dir), ")")), "postmaster.pid"))
		if err != nil {
			return fmt.Errorf("postmaster pid: %w", err)
		}
		first, _, _ := strings.Cut(string(pid), "\n")
		if err := signal(first, syscall.SIGQUIT); err != nil {
			return err
		}
		h.faultAt(time.Now())
		sleep(ctx, 2*time.Second)
		return h.script(context.WithoutCancel(ctx), "postgres.sh", "start")
	},
}

func main() {
	duration := flag.Duration("duration", 16*time.Second, "how long the clients stream in each scenario")
	clients := flag.Int("clients", 4, "concurrent clients")
	binary := flag.String("credex", "", "credex binary (default: build it)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: faults [flags] [SCENARIO...]\n\nScenarios: %s (default: all).\n\nFlags:\n",
			strings.Join(names(), ", "))
		flag.PrintDefaults()
	}
	flag.Parse()
	chosen := flag.Args()
	if len(chosen) == 0 {
		chosen = names()
	}
	for _, s := range chosen {
		if scenarios[s] == nil {
			fmt.Fprintf(os.Stderr, "faults: unknown scenario %q (known: %s)\n", s, strings.Join(names(), ", "))
			os.Exit(2)
		}
	}
	failed := false
	for _, s := range chosen {
		h, err := newHarness(s, *binary, *duration, *clients)
		if err == nil {
			var r result
			if r, err = h.run(); err == nil {
				fmt.Println(r)
				failed = failed || !r.ok()
			}
			h.close()
		}
		if err != nil {
			fmt.Printf("%s: error: %v\n", s, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func names() []string {
	var n []string
	for k := range scenarios {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// harness runs one scenario.
type harness struct {
	scenario, repo, binary, dbURL, adminURL, prefix, addr, logPath string
	duration                                                       time.Duration
	clients                                                        int
	env                                                            []string

	mu  sync.Mutex
	hub *exec.Cmd
	// fault is when the last fault struck; down that no submission was
	// accepted since; recover the longest time from a fault to the next
	// accepted submission.
	fault   time.Time
	down    bool
	recover time.Duration
	// accepted maps record id and version to the accepted amount;
	// uncertain holds the amounts of records whose submission failed
	// or was cut off: they may or may not be stored.
	accepted  map[string]int64
	uncertain map[int64]bool
	answers   map[int]int // HTTP status (0: no answer) -> submissions
}

func newHarness(scenario, binary string, duration time.Duration, clients int) (*harness, error) {
	repo, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	h := &harness{scenario: scenario, repo: repo, binary: binary, duration: duration, clients: clients,
		adminURL: os.Getenv("CREDEX_DATABASE_URL"), accepted: map[string]int64{}, uncertain: map[int64]bool{}, answers: map[int]int{}}
	if h.adminURL == "" || os.Getenv("CREDEX_KAFKA_BROKERS") == "" {
		return nil, fmt.Errorf("CREDEX_DATABASE_URL and CREDEX_KAFKA_BROKERS must name the local services (run deploy/local/faults.sh)")
	}
	tag := fmt.Sprintf("faults_%s_%d", strings.ReplaceAll(scenario, "-", "_"), rand.Uint32())
	if h.dbURL, err = h.createDatabase(tag); err != nil {
		return nil, err
	}
	h.prefix = tag + "."
	if h.addr, err = freeAddr(); err != nil {
		return nil, err
	}
	dir := filepath.Join(repo, ".credex-local/faults")
	os.MkdirAll(dir, 0o755)
	h.logPath = filepath.Join(dir, scenario+".log")
	os.Remove(h.logPath)
	h.env = append(os.Environ(), "CREDEX_DATABASE_URL="+h.dbURL, "CREDEX_TOPIC_PREFIX="+h.prefix,
		"CREDEX_SUBJECT_KEY=faults-subject-key-0123456789", "CREDEX_AUTHORISATION_KEY=faults-authorisation-key-0123456",
		"CREDEX_PRINCIPALS="+filepath.Join(repo, "deploy/dev/seed.yaml"), "CREDEX_RETRY_SCHEDULE=100ms,1s", "CREDEX_RATE_LIMIT=0")
	return h, nil
}

// createDatabase creates database name next to the admin URL's and returns
// its URL.
func (h *harness) createDatabase(name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, h.adminURL)
	if err != nil {
		return "", fmt.Errorf("database: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	cfg, err := pgx.ParseConfig(h.adminURL)
	if err != nil {
		return "", err
	}
	return strings.Replace(h.adminURL, "/"+cfg.Database+"?", "/"+name+"?", 1), nil
}

func (h *harness) close() {
	h.kill()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(ctx, h.adminURL); err == nil {
		name := strings.TrimSuffix(h.prefix, ".")
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		conn.Close(ctx)
	}
}

// start starts the hub and waits until it is ready.
func (h *harness) start(ctx context.Context) error {
	log, err := os.OpenFile(h.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(h.binary, "serve", "--addr", h.addr)
	cmd.Env, cmd.Stdout, cmd.Stderr = h.env, log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start hub: %w", err)
	}
	go cmd.Wait()
	h.mu.Lock()
	h.hub = cmd
	h.mu.Unlock()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if res, err := http.Get("http://" + h.addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the hub was not ready within 2 minutes (log: %s)", h.logPath)
}

// kill kills the hub with SIGKILL, as a crash would.
func (h *harness) kill() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hub != nil && h.hub.Process != nil {
		h.hub.Process.Kill()
		h.fault, h.down = time.Now(), true
	}
}

func (h *harness) faultAt(t time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fault, h.down = t, true
}

// script runs one of deploy/local's scripts.
func (h *harness) script(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(h.repo, "deploy/local", name), args...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// result is what a scenario showed.
type result struct {
	scenario                                  string
	submitted, accepted, stored, uncertain    int
	lost, altered, unexpected                 int
	delivered, undelivered, duplicates, order int
	recovery                                  time.Duration
	answers                                   map[int]int
}

func (r result) ok() bool {
	return r.lost == 0 && r.altered == 0 && r.unexpected == 0 && r.undelivered == 0 && r.duplicates == 0 && r.order == 0
}

func (r result) String() string {
	verdict := "PASS"
	if !r.ok() {
		verdict = "FAIL"
	}
	var answers []string
	for _, code := range slices.Sorted(maps.Keys(r.answers)) {
		answers = append(answers, fmt.Sprintf("%d:%d", code, r.answers[code]))
	}
	return fmt.Sprintf("%s %s: accepted=%d stored=%d lost=%d altered=%d unexpected=%d duplicates=%d delivered=%d undelivered=%d out-of-order=%d uncertain=%d recovery=%.1fs answers=%s",
		verdict, r.scenario, r.accepted, r.stored, r.lost, r.altered, r.unexpected, r.duplicates, r.delivered, r.undelivered,
		r.order, r.uncertain, r.recovery.Seconds(), strings.Join(answers, ","))
}

func (h *harness) run() (result, error) {
	ctx := context.Background()
	if err := h.start(ctx); err != nil {
		return result{}, err
	}
	sub, err := h.subscribe()
	if err != nil {
		return result{}, err
	}
	streamCtx, stop := context.WithTimeout(ctx, h.duration)
	defer stop()
	var wg sync.WaitGroup
	var amounts atomicCounter
	for c := range h.clients {
		wg.Go(func() { h.stream(streamCtx, c, &amounts) })
	}
	faultErr := scenarios[h.scenario](streamCtx, h)
	wg.Wait()
	if faultErr != nil {
		return result{}, faultErr
	}
	// The hub must run for the last records to be stored and delivered.
	if res, err := http.Get("http://" + h.addr + "/readyz"); err != nil || res.StatusCode != http.StatusOK {
		if res != nil {
			res.Body.Close()
		}
		h.kill()
		if err := h.start(ctx); err != nil {
			return result{}, err
		}
	}
	return h.check(ctx, sub)
}

type atomicCounter struct {
	mu sync.Mutex
	n  int64
}

func (c *atomicCounter) next() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

// stream submits batches until ctx ends: new records about a few synthetic
// people, and changes of records accepted before. Every payload carries an
// amount no other payload has.
func (h *harness) stream(ctx context.Context, client int, amounts *atomicCounter) {
	r := rand.New(rand.NewPCG(uint64(client), rand.Uint64()))
	people := make([]string, 5)
	for i := range people {
		people[i] = ident.NewCitizenID(r)
	}
	var mine []string // source ids this client had accepted, with their person
	owner := map[string]string{}
	client = client + 1
	for n := 0; ctx.Err() == nil; n++ {
		var envs []map[string]any
		var sent []int64
		for i := range 10 {
			source, person := fmt.Sprintf("F-%d-%d-%d", client, n, i), people[r.IntN(len(people))]
			if len(mine) > 0 && r.IntN(3) == 0 {
				source = mine[r.IntN(len(mine))]
				person = owner[source]
			}
			amount := amounts.next()
			envs = append(envs, envelope(source, person, amount))
			sent = append(sent, amount)
		}
		status, receipts := h.submit(envs)
		h.mu.Lock()
		h.answers[status]++
		if status == http.StatusOK && len(receipts) == len(envs) {
			if h.down {
				h.down, h.recover = false, max(h.recover, time.Since(h.fault))
			}
			for i, rc := range receipts {
				if rc.Status == "accepted" {
					h.accepted[fmt.Sprintf("%s/%d", rc.RecordID, rc.Version)] = sent[i]
					source := envs[i]["source_id"].(string)
					if _, ok := owner[source]; !ok {
						owner[source] = envs[i]["data"].(map[string]any)["subject"].(map[string]any)["id_number"].(string)
						mine = append(mine, source)
					}
				} else {
					h.uncertain[sent[i]] = true
				}
			}
		} else {
			for _, a := range sent {
				h.uncertain[a] = true
			}
		}
		h.mu.Unlock()
		if status != http.StatusOK {
			sleep(ctx, 100*time.Millisecond)
		}
	}
}

func envelope(source, idNumber string, amount int64) map[string]any {
	return map[string]any{"type": "administrative_penalty", "op": "upsert", "source_id": source, "data": map[string]any{
		"subject":     map[string]any{"name": "故障测试", "id_number": idNumber},
		"decision":    map[string]any{"document_no": "示市监罚〔2026〕" + strconv.FormatInt(amount, 10) + "号", "date": "2026-11-02", "authority": map[string]any{"name": "示例市市场监督管理局", "credit_code": "11320102051725220X"}},
		"legal_basis": "《中华人民共和国产品质量法》第五十条", "severity": "general", "penalty_types": []string{"fine"},
		"amount_yuan": amount, "facts": "销售不合格产品。",
	}}
}

type receipt struct {
	Status   string `json:"status"`
	RecordID string `json:"record_id"`
	Version  int    `json:"version"`
}

// submit posts envs and returns the status (0 when no answer came) and the
// receipts.
func (h *harness) submit(envs []map[string]any) (int, []receipt) {
	body, _ := json.Marshal(map[string]any{"records": envs})
	req, _ := http.NewRequest(http.MethodPost, "http://"+h.addr+"/v1/submissions", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+departmentKey)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 30 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	var answer struct {
		Receipts []receipt `json:"receipts"`
	}
	if err := json.NewDecoder(res.Body).Decode(&answer); err != nil {
		return 0, nil
	}
	return res.StatusCode, answer.Receipts
}

func (h *harness) subscribe() (string, error) {
	var sub struct {
		ID string `json:"id"`
	}
	status, err := h.call(http.MethodPost, "/v1/subscriptions", map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"}, &sub)
	if err != nil || status != http.StatusCreated {
		return "", fmt.Errorf("subscribe: %d %v", status, err)
	}
	return sub.ID, nil
}

func (h *harness) call(method, path string, body, out any) (int, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+h.addr+path, r)
	req.Header.Set("Authorization", "Bearer "+agencyKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	return res.StatusCode, json.NewDecoder(res.Body).Decode(out)
}

// check waits until the database and the subscriber have settled, then
// compares them with the receipts.
func (h *harness) check(ctx context.Context, sub string) (result, error) {
	conn, err := pgx.Connect(ctx, h.dbURL)
	if err != nil {
		return result{}, err
	}
	defer conn.Close(ctx)
	// Settled: the outbox is empty and the sink has stored at least every
	// accepted version and nothing more for a few seconds, or three minutes
	// passed (a restarted sink may wait for its group to rebalance).
	h.mu.Lock()
	accepted := len(h.accepted)
	h.mu.Unlock()
	stored := map[string]int64{}
	last, steady := -1, 0
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline) && (steady < 3 || last < accepted); {
		time.Sleep(time.Second)
		var n, waiting int
		conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM record_versions), (SELECT count(*) FROM ledger_outbox)`).Scan(&n, &waiting)
		if n == last && waiting == 0 {
			steady++
		} else {
			steady = 0
		}
		last = n
	}
	rows, err := conn.Query(ctx, `SELECT record_id, version, (data->>'amount_yuan')::bigint FROM record_versions`)
	if err != nil {
		return result{}, err
	}
	var id string
	var version int
	var amount int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &version, &amount}, func() error {
		stored[fmt.Sprintf("%s/%d", id, version)] = amount
		return nil
	}); err != nil {
		return result{}, err
	}

	events, err := h.pullAll(sub, len(h.accepted))
	if err != nil {
		return result{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	r := result{scenario: h.scenario, accepted: len(h.accepted), stored: len(stored), uncertain: len(h.uncertain),
		recovery: h.recover, answers: h.answers}
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
	return r, nil
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
		status, err := h.call(http.MethodGet, "/v1/subscriptions/"+sub+"/events?after="+cursor+"&wait=1", nil, &page)
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

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func signal(pid string, sig syscall.Signal) error {
	n, err := strconv.Atoi(pid)
	if err != nil {
		return fmt.Errorf("pid %q: %w", pid, err)
	}
	return syscall.Kill(n, sig)
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
