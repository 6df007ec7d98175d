package hub_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/credex/credex/api"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/delivery"
	"github.com/credex/credex/hub"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/pgtest"
	"github.com/credex/credex/internal/testkit/testlog"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/schemas"
)

// Keys of the test principals.
const (
	marketKey = "test-market-regulation-key"
	taxKey    = "test-tax-bureau-key"
	agencyKey = "test-bank-regulator-key"  // a government agency
	bankKey   = "test-commercial-bank-key" // an agency of scope financial_institution
	opKey     = "test-operator-key"
	civilKey  = "test-civilisation-office-key" // publishes red list records
	courtKey  = "test-court-enforcement-key"   // an agency of scope judiciary, with a legal basis
)

// bundle is a hub running on the real broker and database, isolated by its
// own topic prefix and schema.
type bundle struct {
	t       testing.TB
	cfg     hub.Config
	hub     *hub.Hub
	url     string
	db      *pgxpool.Pool
	market  principal.SeedEntry
	catalog *catalog.Catalog
	rand    *rand.Rand
	// idKey is the hub's record id key, by which tests name the records
	// they submitted (record.ID).
	idKey []byte
}

type options struct {
	noSink bool
	// noRelay leaves the outbox to a relay the test runs itself.
	noRelay bool
	// poolMax bounds the hub's database connections (pool_max_conns).
	poolMax int
	// ackTimeout replaces how long a submission waits for Kafka.
	ackTimeout time.Duration
	// delivery runs the delivery workers, with a fast retry schedule, and
	// lets webhooks reach loopback receivers.
	delivery bool
	// schedule replaces the retry schedule of delivery (default
	// "50ms,100ms,200ms").
	schedule string
	// loopback lets webhooks reach loopback receivers without delivery.
	loopback bool
	// now replaces the API's clock.
	now func() time.Time
	// logs, when set, also receives everything the hub logs, from Debug up.
	logs io.Writer
	// config, when set, changes the hub's configuration before it starts.
	config func(*hub.Config)
}

func setup(t testing.TB, opts options) *bundle {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cat, err := catalog.Load(schemas.FS)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	market := principal.SeedEntry{Kind: principal.Department, Name: "market", Key: marketKey,
		Code: ident.NewCreditCode(r), Types: []string{"administrative_licence", "administrative_penalty"}}
	cfg := hub.Config{
		DatabaseURL: pgtest.URL(t),
		Kafka: pipeline.KafkaConfig{
			Brokers: kafkatest.Brokers(t), Topics: pipeline.Topics{Prefix: kafkatest.Prefix(t)}, Partitions: 3,
		},
		Catalog:          cat,
		SubjectKey:       []byte("test-subject-key-0123456789"),
		AuthorisationKey: []byte(testAuthorisationKey),
		People:           issuers().trusted.Config(),
		PublicMetrics:    true,
		Principals: []principal.SeedEntry{
			market,
			{Kind: principal.Department, Name: "tax", Key: taxKey, Code: ident.NewCreditCode(r),
				Types: []string{"administrative_penalty", "serious_dishonesty", "tax_credit"}},
			{Kind: principal.Agency, Name: "bank-regulator", Key: agencyKey},
			{Kind: principal.Agency, Name: "commercial-bank", Key: bankKey, Scope: "financial_institution"},
			{Kind: principal.Maintainer, Name: "maintainer", Key: maintainerKey},
			{Kind: principal.Operator, Name: "operator", Key: opKey},
			{Kind: principal.Department, Name: "civilisation", Key: civilKey, Code: ident.NewCreditCode(r),
				Types: []string{"honour_commendation", "volunteer_service"}},
			{Kind: principal.Agency, Name: "court-enforcement", Key: courtKey, Scope: "judiciary",
				LegalBases: []principal.LegalBasis{{Code: testLegalBasis, Types: []string{"tax_credit"}}}},
		},
		Logger: testlog.Logger(t, slog.LevelWarn),
		// Every test calls from one address, faster than a client should.
		PublicLimit:     api.Limit{Rate: -1},
		KeyLimit:        api.Limit{Rate: -1},
		FailedAuthLimit: api.Limit{Rate: -1},
		LookupLimits:    api.NoLookupLimits,
	}
	if opts.delivery {
		sched, err := delivery.ParseSchedule(cmp.Or(opts.schedule, "50ms,100ms,200ms"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Delivery = delivery.Config{Schedule: sched, Idle: 20 * time.Millisecond}
		cfg.WebhookTimeout = 5 * time.Second
	}
	cfg.Now = opts.now
	cfg.Intake.AckTimeout = opts.ackTimeout
	if opts.poolMax > 0 {
		cfg.DatabaseURL += fmt.Sprintf("&pool_max_conns=%d", opts.poolMax)
	}
	if opts.logs != nil {
		cfg.Logger = slog.New(slog.NewMultiHandler(cfg.Logger.Handler(),
			slog.NewTextHandler(opts.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
	if opts.delivery || opts.loopback {
		cfg.WebhookAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
	if opts.config != nil {
		opts.config(&cfg)
	}
	// The server's address is known before the hub starts, for the
	// identity provider to send people back to its pages.
	srv := httptest.NewUnstartedServer(nil)
	cfg.People.RedirectURL = "http://" + srv.Listener.Addr().String() + "/signin/callback"
	h, err := hub.Start(ctx, cfg)
	if err != nil {
		srv.Listener.Close()
		t.Fatalf("start hub: %v", err)
	}
	t.Cleanup(h.Close)
	t.Cleanup(func() { dumpMetrics(t, h) })
	srv.Config.Handler = h.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	if !opts.noRelay {
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.RunRelay(ctx)
		}()
		t.Cleanup(func() {
			cancel()
			<-done
		})
	}
	if opts.delivery {
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.RunDelivery(ctx)
		}()
		t.Cleanup(func() {
			cancel()
			<-done
		})
	}
	if !opts.noSink {
		done := make(chan error, 1)
		go func() { done <- h.RunSink(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("sink: %v", err)
			}
		})
	}
	db, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	idKey, err := h.Store().RecordIDKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{t: t, cfg: cfg, hub: h, url: srv.URL, db: db, market: market, catalog: cat, rand: r, idKey: idKey}
}

// dumpMetrics keeps the hub's /metrics in the test log directory, where the
// test run scans them for personal data.
func dumpMetrics(t testing.TB, h *hub.Hub) {
	w := httptest.NewRecorder()
	api.Metrics(h.Registry(), "").ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	testlog.WriteFile(t, "metrics."+strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+".txt", w.Body.Bytes())
}

// sibling starts a second hub on the same database and topics, refreshing
// its catalogue every 200ms.
func (b *bundle) sibling(t *testing.T) *bundle {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h, err := hub.Start(ctx, b.cfg)
	if err != nil {
		t.Fatalf("start second hub: %v", err)
	}
	t.Cleanup(h.Close)
	go h.WatchCatalog(ctx, 200*time.Millisecond)
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	other := *b
	other.hub, other.url = h, srv.URL
	return &other
}

// penalty returns a valid administrative penalty about a new synthetic person.
func (b *bundle) penalty() map[string]any {
	b.t.Helper()
	return b.example("administrative_penalty", func(d map[string]any) {
		d["subject"].(map[string]any)["id_number"] = ident.NewCitizenID(b.rand)
	})
}

// example returns the catalogue's valid example of a type, changed by edit.
func (b *bundle) example(code string, edit func(map[string]any)) map[string]any {
	b.t.Helper()
	rt, ok := b.catalog.Type(code)
	if !ok {
		b.t.Fatalf("no type %s", code)
	}
	var d map[string]any
	if err := json.Unmarshal(rt.Example, &d); err != nil {
		b.t.Fatal(err)
	}
	if edit != nil {
		edit(d)
	}
	return d
}

func envelope(recordType, op, sourceID string, data map[string]any) map[string]any {
	e := map[string]any{"type": recordType, "op": op, "source_id": sourceID}
	if data != nil {
		e["data"] = data
	}
	return e
}

func batch(envelopes ...map[string]any) []byte {
	body, _ := json.Marshal(map[string]any{"records": envelopes})
	return body
}

// post sends body to path with key and decodes the JSON answer into out.
func (b *bundle) post(key, contentType string, body []byte, out any) int {
	b.t.Helper()
	status, err := b.postContext(context.Background(), key, contentType, body, out)
	if err != nil {
		b.t.Fatal(err)
	}
	return status
}

// postContext is post under ctx, which may cut it off.
func (b *bundle) postContext(ctx context.Context, key, contentType string, body []byte, out any) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.url+"/v1/submissions", bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return 0, fmt.Errorf("decode answer (%s): %w", res.Status, err)
	}
	return res.StatusCode, nil
}

// submit posts a JSON batch as the market regulator and expects status.
func (b *bundle) submit(status int, envelopes ...map[string]any) httpin.Response {
	b.t.Helper()
	var resp httpin.Response
	if got := b.post(marketKey, "application/json", batch(envelopes...), &resp); got != status {
		b.t.Fatalf("submission answered %d, want %d: %+v", got, status, resp)
	}
	return resp
}

// recordView is the part of GET /v1/records/{id} the tests check.
type recordView struct {
	RecordID string          `json:"record_id"`
	State    string          `json:"state"`
	Version  int             `json:"version"`
	Data     json.RawMessage `json:"data"`
	Subject  struct {
		Name     string `json:"name"`
		IDNumber string `json:"id_number_masked"`
	} `json:"subject"`
	History []struct {
		Version   int             `json:"version"`
		Op        string          `json:"op"`
		Data      json.RawMessage `json:"data"`
		Rewritten []struct {
			Pointer, Rule, Original string
		} `json:"rewritten"`
	} `json:"history"`
}

// get reads a record as key; it returns the status and the record.
func (b *bundle) get(key, id string) (int, recordView) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.url+"/v1/records/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	var v recordView
	json.NewDecoder(res.Body).Decode(&v)
	return res.StatusCode, v
}

// waitVersion polls the API until the record has version want.
func (b *bundle) waitVersion(id string, want int) recordView {
	b.t.Helper()
	var v recordView
	wait.For(b.t, 30*time.Second, fmt.Sprintf("record %s at version %d", id, want), func() bool {
		var status int
		status, v = b.get(marketKey, id)
		return status == http.StatusOK && v.Version == want
	})
	return v
}

// count runs a counting query.
func (b *bundle) count(sql string, args ...any) int {
	b.t.Helper()
	var n int
	if err := b.db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		b.t.Fatal(err)
	}
	return n
}

// topicCount counts the messages in one of the hub's topics.
func (b *bundle) topicCount(topic string) int {
	b.t.Helper()
	return len(kafkatest.ReadAll(b.t, b.cfg.Kafka.Brokers, topic))
}

func (b *bundle) recordTopic(code string) string { return b.cfg.Kafka.Topics.Record(code) }

func sourceID(prefix string, i int) string { return fmt.Sprintf("%s-%06d", prefix, i) }

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}
