package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
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
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/ident"
)

// The dev seed's principals the harness works as.
const (
	departmentKey = "dev-market-regulation-key-0001"
	agencyKey     = "dev-bank-regulator-key-0004"
)

// hookSchedule is the webhook retry schedule of the hubs: the first five
// pauses of the default (5s, 30s, 2m, 10m, 30m) sixty times shorter.
const hookSchedule = "100ms,500ms,2s,10s,30s"

// hubProc is one running hub.
type hubProc struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// harness runs one scenario.
type harness struct {
	scenario, repo, binary, adminURL, dbURL, prefix, logPath string
	duration                                                 time.Duration
	clients                                                  int
	env, scriptEnv                                           []string
	begin                                                    time.Time

	hubs                           []*hubProc
	receiver                       *receiver
	dbProxy, kafkaProxy, hookProxy *proxy
	// kafkaArgs and kafkaEnv: kafka.sh's arguments and environment for
	// the Kafka of the scenario's own (the cluster, or the broker behind
	// kafkaProxy), which close stops when kafkaUp.
	kafkaArgs, kafkaEnv []string
	kafkaUp             bool

	mu sync.Mutex
	// fault is when the last fault struck; down that no submission was
	// accepted since; recover the longest time from a fault to the next
	// accepted submission.
	fault   time.Time
	down    bool
	recover time.Duration
	// accepted maps record id and version to the amount accepted or
	// pending (of which there were pending);
	// uncertain holds the amounts of records whose submission failed
	// or was cut off: they may or may not be stored.
	accepted  map[string]int64
	pending   int
	uncertain map[int64]bool
	answers   map[int]int // HTTP status (0: no answer) -> submissions
	// outage: the scenario takes more than the system can bear; the
	// answers then, and records accepted then, are counted apart.
	outage         bool
	outageAnswers  map[int]int
	outageAccepted int
}

// runScenario runs scenario name and cleans up after it.
func runScenario(name, binary string, duration time.Duration, clients int) (result, error) {
	s := scenarios[name]
	h, err := newHarness(name, s, binary, max(duration, s.duration), clients)
	if err != nil {
		return result{}, err
	}
	defer h.close()
	return h.run(s)
}

func newHarness(name string, s scenario, binary string, duration time.Duration, clients int) (*harness, error) {
	repo, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	h := &harness{scenario: name, repo: repo, binary: binary, duration: duration, clients: clients,
		adminURL: os.Getenv("CREDEX_DATABASE_URL"), accepted: map[string]int64{}, uncertain: map[int64]bool{},
		answers: map[int]int{}, outageAnswers: map[int]int{}}
	if h.adminURL == "" || os.Getenv("CREDEX_KAFKA_BROKERS") == "" {
		return nil, fmt.Errorf("CREDEX_DATABASE_URL and CREDEX_KAFKA_BROKERS must name the local services (run deploy/local/faults.sh)")
	}
	// A broker restarted mid-stream loads its partitions on a busy machine.
	h.scriptEnv = append(os.Environ(), "CREDEX_KAFKA_START_TIMEOUT=300")
	if s.fsync != "" {
		h.scriptEnv = append(h.scriptEnv, "CREDEX_PG_FSYNC="+s.fsync)
		if err := h.ensureFsync(s.fsync); err != nil {
			return nil, err
		}
	}
	tag := fmt.Sprintf("faults_%s_%d", strings.ReplaceAll(name, "-", "_"), rand.Uint32())
	if h.dbURL, err = h.createDatabase(tag); err != nil {
		return nil, err
	}
	h.prefix = tag + "."
	// Under go test the hubs' logs join the tests' (deploy/local/test.sh
	// scans them for full ID numbers).
	dir := filepath.Join(cmp.Or(os.Getenv("CREDEX_TEST_LOG_DIR"), filepath.Join(repo, ".credex-local")), "faults")
	os.MkdirAll(dir, 0o755)
	h.logPath = filepath.Join(dir, name+".log")
	os.Remove(h.logPath)

	if h.receiver, err = newReceiver(); err != nil {
		return nil, err
	}
	dbURL, hookAddr := h.dbURL, h.receiver.addr
	if s.proxied {
		cfg, err := pgx.ParseConfig(h.dbURL)
		if err != nil {
			return nil, err
		}
		if h.dbProxy, err = newProxy("127.0.0.1:0", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))); err != nil {
			return nil, err
		}
		dbURL = strings.Replace(dbURL, fmt.Sprintf("@%s:%d/", cfg.Host, cfg.Port), "@"+h.dbProxy.addr+"/", 1)
		if h.hookProxy, err = newProxy("127.0.0.1:0", h.receiver.addr); err != nil {
			return nil, err
		}
		hookAddr = h.hookProxy.addr
	}
	h.receiver.url = "http://" + hookAddr + "/hook"
	h.env = append(os.Environ(), "CREDEX_DATABASE_URL="+dbURL, "CREDEX_TOPIC_PREFIX="+h.prefix,
		"CREDEX_SUBJECT_KEY=faults-subject-key-0123456789", "CREDEX_AUTHORISATION_KEY=faults-authorisation-key-0123456",
		"CREDEX_PRINCIPALS="+filepath.Join(repo, "deploy/dev/seed.yaml"), "CREDEX_RETRY_SCHEDULE="+hookSchedule,
		"CREDEX_RATE_LIMIT=0", "CREDEX_WEBHOOK_ALLOW=127.0.0.0/8")
	if s.cluster {
		port := ownKafkaPort(10)
		brokers, err := h.startKafka([]string{"--brokers", "3"}, portEnv("CREDEX_KAFKA_PORT", port), portEnv("CREDEX_KAFKA_CONTROLLER_PORT", port+1))
		if err != nil {
			return nil, err
		}
		h.env = append(h.env, "CREDEX_KAFKA_BROKERS="+brokers, "CREDEX_KAFKA_REPLICATION_FACTOR=3", "CREDEX_KAFKA_MIN_INSYNC_REPLICAS=2")
	}
	if s.proxied {
		// A broker of the scenario's own advertises the port of a proxy
		// to the port it listens on: Kafka clients connect to the address
		// a broker advertises, so every connection of the hubs to it
		// passes the proxy.
		port := ownKafkaPort(20)
		if h.kafkaProxy, err = newProxy(fmt.Sprintf("127.0.0.1:%d", port+3), fmt.Sprintf("127.0.0.1:%d", port)); err != nil {
			return nil, fmt.Errorf("kafka proxy: %w", err)
		}
		brokers, err := h.startKafka(nil, portEnv("CREDEX_KAFKA_PORT", port), portEnv("CREDEX_KAFKA_CONTROLLER_PORT", port+1),
			portEnv("CREDEX_KAFKA_SECURE_PORT", port+2), portEnv("CREDEX_KAFKA_ADVERTISED_PORT", port+3),
			"CREDEX_KAFKA_STATE="+filepath.Join(repo, ".credex-local/kafka-proxied"))
		if err != nil {
			return nil, err
		}
		h.env = append(h.env, "CREDEX_KAFKA_BROKERS="+brokers)
	}
	for range max(s.hubs, 1) {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		h.hubs = append(h.hubs, &hubProc{addr: addr})
	}
	return h, nil
}

// moduleRoot is the directory of go.mod, from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// ensureFsync restarts PostgreSQL when its fsync setting is not want.
func (h *harness) ensureFsync(want string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, h.adminURL)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	var got string
	err = conn.QueryRow(ctx, "SHOW fsync").Scan(&got)
	conn.Close(ctx)
	if err != nil || got == want {
		return err
	}
	if err := h.script("postgres.sh", "stop"); err != nil {
		return err
	}
	return h.script("postgres.sh", "start")
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

// ownKafkaPort is the first port of a Kafka of the scenario's own: the
// local broker's port plus offset (10 for the cluster, 20 for the proxied
// broker), so that it takes none of the local broker's ports.
func ownKafkaPort(offset int) int {
	port, err := strconv.Atoi(os.Getenv("CREDEX_KAFKA_PORT"))
	if err != nil {
		port = 19092
	}
	return port + offset
}

func portEnv(name string, port int) string { return name + "=" + strconv.Itoa(port) }

// startKafka starts the Kafka of the scenario's own with kafka.sh args and
// the environment variables env, and returns its bootstrap list.
func (h *harness) startKafka(args []string, env ...string) (string, error) {
	h.kafkaArgs = args
	h.kafkaEnv = slices.Concat(os.Environ(), []string{"CREDEX_KAFKA_START_TIMEOUT=300"}, env)
	all := slices.Concat(args, []string{"start"})
	cmd := exec.Command(filepath.Join(h.repo, "deploy/local/kafka.sh"), all...)
	cmd.Env, cmd.Stderr = h.kafkaEnv, io.Discard
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("kafka.sh %s: %w", strings.Join(all, " "), err)
	}
	h.kafkaUp = true
	return strings.TrimSpace(string(out)), nil
}

// kafka runs kafka.sh with args on the Kafka of the scenario's own.
func (h *harness) kafka(args ...string) error {
	all := slices.Concat(h.kafkaArgs, args)
	cmd := exec.Command(filepath.Join(h.repo, "deploy/local/kafka.sh"), all...)
	cmd.Env, cmd.Stdout, cmd.Stderr = h.kafkaEnv, io.Discard, io.Discard
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kafka.sh %s: %w", strings.Join(all, " "), err)
	}
	return nil
}

func (h *harness) close() {
	for i := range h.hubs {
		h.kill(i)
	}
	if h.receiver != nil {
		h.receiver.down()
	}
	h.deleteTopics()
	for _, p := range []*proxy{h.dbProxy, h.kafkaProxy, h.hookProxy} {
		if p != nil {
			p.close()
		}
	}
	if h.kafkaUp {
		h.kafka("stop")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(ctx, h.adminURL); err == nil && h.prefix != "" {
		name := strings.TrimSuffix(h.prefix, ".")
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		conn.Close(ctx)
	}
}

// deleteTopics deletes the scenario's topics (best effort), so that a
// broker restarted in a later scenario has only that scenario's to load.
func (h *harness) deleteTopics() {
	if h.prefix == "" {
		return
	}
	brokers := os.Getenv("CREDEX_KAFKA_BROKERS")
	for _, e := range h.env {
		if b, ok := strings.CutPrefix(e, "CREDEX_KAFKA_BROKERS="); ok {
			brokers = b
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(strings.Split(brokers, ",")...), Timeout: 30 * time.Second}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return
	}
	var topics []string
	for _, t := range meta.Topics {
		if strings.HasPrefix(t.Name, h.prefix) {
			topics = append(topics, t.Name)
		}
	}
	if len(topics) > 0 {
		client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: topics})
	}
}

// start starts hub i and waits until it is ready.
func (h *harness) start(i int) error {
	log, err := os.OpenFile(h.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	hub := h.hubs[i]
	cmd := exec.Command(h.binary, "serve", "--addr", hub.addr)
	cmd.Env, cmd.Stdout, cmd.Stderr = h.env, log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start hub: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	h.mu.Lock()
	hub.cmd, hub.done = cmd, done
	h.mu.Unlock()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		if ready(hub.addr) {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("hub %d exited during start (log: %s)", i+1, h.logPath)
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("hub %d was not ready within 2 minutes (log: %s)", i+1, h.logPath)
}

func ready(addr string) bool {
	res, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/readyz")
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// kill kills hub i with SIGKILL, as a crash would, and waits for its end.
func (h *harness) kill(i int) {
	h.mu.Lock()
	hub := h.hubs[i]
	cmd, done := hub.cmd, hub.done
	hub.cmd = nil
	if cmd != nil {
		h.fault, h.down = time.Now(), true
	}
	h.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		cmd.Process.Kill()
		<-done
	}
}

func (h *harness) faultAt(t time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fault, h.down = t, true
}

// recovered waits until a submission was accepted since the last fault, or
// for at most d.
func (h *harness) recovered(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		h.mu.Lock()
		down := h.down
		h.mu.Unlock()
		if !down {
			return
		}
	}
}

func (h *harness) setOutage(on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.outage = on
}

// at sleeps until d after the clients began to stream.
func (h *harness) at(d time.Duration) { time.Sleep(time.Until(h.begin.Add(d))) }

// script runs one of deploy/local's scripts.
func (h *harness) script(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(h.repo, "deploy/local", name), args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = h.scriptEnv, io.Discard, io.Discard
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// run starts the hubs, streams while the fault strikes, and checks.
func (h *harness) run(s scenario) (result, error) {
	for i := range h.hubs {
		if err := h.start(i); err != nil {
			return result{}, err
		}
	}
	pull, err := h.attach()
	if err != nil {
		return result{}, err
	}
	var amounts atomic.Int64
	if err := h.warmUp(&amounts); err != nil {
		return result{}, err
	}
	h.begin = time.Now()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	for c := range h.clients {
		wg.Go(func() { h.stream(ctx, c, &amounts) })
	}
	faultErr := s.inject(h)
	// The clients stream for the whole duration, and after the fault until
	// a submission is accepted again, or a minute passed.
	h.at(h.duration)
	h.recovered(time.Minute)
	stop()
	wg.Wait()
	if faultErr != nil {
		return result{}, faultErr
	}
	// Every hub must run for the last records to be stored and delivered.
	for i, hub := range h.hubs {
		if !ready(hub.addr) {
			h.kill(i)
			if err := h.start(i); err != nil {
				return result{}, err
			}
		}
	}
	return h.check(pull)
}

// warmUp submits one record to each hub until it is accepted, for at most
// two minutes: a hub is ready before Kafka has settled the leaders of
// the partitions it just created, and the faults are to strike a hub that
// runs.
func (h *harness) warmUp(amounts *atomic.Int64) error {
	person := ident.NewCitizenID(rand.New(rand.NewPCG(rand.Uint64(), 0)))
	for i, hub := range h.hubs {
		for deadline := time.Now().Add(2 * time.Minute); ; {
			amount := amounts.Add(1)
			envs := []map[string]any{envelope(fmt.Sprintf("W-%d-%d", i, amount), person, amount)}
			status, receipts := submit(hub.addr, envs)
			h.record(envs, []int64{amount}, status, receipts)
			if status == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("hub %d accepted no submission within 2 minutes (log: %s)", i+1, h.logPath)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	return nil
}

// stream submits batches to hub client mod hubs until ctx ends: new records
// about a few synthetic people, and changes of records accepted before.
// Every payload carries an amount no other payload has.
func (h *harness) stream(ctx context.Context, client int, amounts *atomic.Int64) {
	r := rand.New(rand.NewPCG(uint64(client), rand.Uint64()))
	hub := h.hubs[client%len(h.hubs)]
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
			amount := amounts.Add(1)
			envs = append(envs, envelope(source, person, amount))
			sent = append(sent, amount)
		}
		status, receipts := submit(hub.addr, envs)
		h.record(envs, sent, status, receipts)
		if status != http.StatusOK && status != http.StatusAccepted {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for i, rc := range receipts {
			source := envs[i]["source_id"].(string)
			if _, ok := owner[source]; !ok && rc.Status == "accepted" {
				owner[source] = envs[i]["data"].(map[string]any)["subject"].(map[string]any)["id_number"].(string)
				mine = append(mine, source)
			}
		}
	}
}

// record notes what came of a submission. A 202 answer (Kafka did not
// acknowledge in time) holds receipts too: its pending records are stored by
// the hub, which promises to publish them, so they are checked as the
// accepted ones are.
func (h *harness) record(envs []map[string]any, sent []int64, status int, receipts []receipt) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.outage {
		h.outageAnswers[status]++
	} else {
		h.answers[status]++
	}
	if (status != http.StatusOK && status != http.StatusAccepted) || len(receipts) != len(envs) {
		for _, a := range sent {
			h.uncertain[a] = true
		}
		return
	}
	if h.down && status == http.StatusOK {
		h.down, h.recover = false, max(h.recover, time.Since(h.fault))
	}
	for i, rc := range receipts {
		switch rc.Status {
		case "accepted":
			if h.outage {
				h.outageAccepted++
			}
		case "pending":
			h.pending++
		default:
			h.uncertain[sent[i]] = true
			continue
		}
		h.accepted[fmt.Sprintf("%s/%d", rc.RecordID, rc.Version)] = sent[i]
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

// submit posts envs to the hub at addr and returns the status (0 when no
// answer came) and the receipts.
func submit(addr string, envs []map[string]any) (int, []receipt) {
	body, _ := json.Marshal(map[string]any{"records": envs})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/submissions", bytes.NewReader(body))
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

// attach subscribes the agency on the first hub twice, by pull and by the
// webhook of h.receiver, and returns the pull subscription's id.
func (h *harness) attach() (pull string, err error) {
	pull, _, err = h.subscribe(map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"})
	if err != nil {
		return "", err
	}
	_, secret, err := h.subscribe(map[string]any{"types": []string{"administrative_penalty"}, "mode": "webhook", "url": h.receiver.url})
	if err != nil {
		return "", err
	}
	if err := h.receiver.setSecret(secret); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return pull, nil
}

// subscribe creates a subscription of the agency on the first hub.
// It returns the subscription's id and, for a webhook, its signing secret.
func (h *harness) subscribe(body map[string]any) (id, secret string, err error) {
	var sub struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	status, err := call(h.hubs[0].addr, http.MethodPost, "/v1/subscriptions", body, &sub)
	if err != nil || status != http.StatusCreated {
		return "", "", fmt.Errorf("subscribe %s: %d %v", body["mode"], status, err)
	}
	return sub.ID, sub.Secret, nil
}

// call calls the hub at addr as the agency.
func call(addr, method, path string, body, out any) (int, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+addr+path, r)
	req.Header.Set("Authorization", "Bearer "+agencyKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	return res.StatusCode, json.NewDecoder(res.Body).Decode(out)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
