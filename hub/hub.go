// Package hub assembles a running credex hub: the public credit database,
// the Kafka topics, the ingest API and the database sink. `credex serve`,
// `credex dev` and the integration tests all start the hub through it.
package hub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/credex/credex/api"
	"github.com/credex/credex/audit"
	"github.com/credex/credex/casework"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/catalog/registry"
	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/connectors/webhook"
	"github.com/credex/credex/delivery"
	"github.com/credex/credex/expiry"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/internal/logthrottle"
	"github.com/credex/credex/internal/requestid"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/relay"
	"github.com/credex/credex/store"
	"github.com/credex/credex/store/dbsink"
	"github.com/credex/credex/subscription"
	"github.com/credex/credex/web"
	"github.com/credex/credex/workday"
)

// Config is everything a hub needs.
type Config struct {
	// DatabaseURL locates the public credit database.
	DatabaseURL string
	// Kafka locates the brokers and names the topics.
	Kafka pipeline.KafkaConfig
	// Catalog is the record type catalogue from files. Types the database
	// has no published version of are published from it at start.
	Catalog *catalog.Catalog
	// SubjectKey keys the hash of ID numbers; at least 16 bytes.
	SubjectKey []byte
	// AuthorisationKey signs the tokens by which persons authorise
	// agencies' inquiries; at least 16 bytes.
	AuthorisationKey []byte
	// People is the identity provider whose ID tokens prove who a person
	// is, to file objections and repair applications, grant authorisations
	// and read their access log. Its zero value trusts none: those
	// endpoints answer 503 identity_provider_not_configured.
	People idtoken.Config
	// DevRoutes are served beside the API, on the same address: credex
	// dev's test identity provider. serve has none.
	DevRoutes map[string]http.Handler
	// Principals, when set, are created or updated at start. An agency's
	// legal bases for inquiries without the person's authorisation are
	// among them.
	Principals []principal.SeedEntry
	// Ingest bounds the submissions of the HTTP API.
	Ingest httpin.Config
	// Intake tunes the admission of every connector's records.
	Intake intake.Config
	// Connectors read departments' files, databases and topics
	// (RunConnectors).
	Connectors []source.Connector
	// Relay tunes the publication of the ledger's outbox to Kafka.
	Relay relay.Config
	// Delivery tunes the workers that push events to agencies.
	Delivery delivery.Config
	// WebhookAllow lists the private address ranges webhook URLs may point
	// to (for tests and development); all others are refused.
	WebhookAllow []netip.Prefix
	// WebhookTimeout bounds one webhook request; default 10s.
	WebhookTimeout time.Duration
	// Now is the hub's clock, for the deadlines of objections and repair
	// applications, their being overdue, and display windows; default
	// time.Now.
	Now func() time.Time
	// AuditCheckpointInterval is the time between checkpoints of the
	// audit log's head to Kafka (RunAuditCheckpoints), the longest stretch
	// of newest entries that could be cut off the log unnoticed; default
	// DefaultAuditCheckpointInterval.
	AuditCheckpointInterval time.Duration
	// ExpiryInterval is the time between passes of the expiry scheduler,
	// which ends the display of records whose display period is over;
	// default one minute.
	ExpiryInterval time.Duration
	// Calendar counts the working days of deadlines; default the built-in
	// calendar of public holidays and make-up working days.
	Calendar *workday.Calendar
	// KeyOverlap is how long an API key replaced through POST /v1/keys
	// keeps working; default api.DefaultKeyOverlap. KeyLifetime is how long
	// a key issued through it works, longer than the overlap; default
	// api.DefaultKeyLifetime.
	KeyOverlap, KeyLifetime time.Duration
	// KeyLimit and PublicLimit limit the requests of each principal and of
	// each client address to the routes that need no API key, FailedAuthLimit
	// the failed attempts to authenticate of each client address, in this
	// process; defaults api.DefaultKeyLimit, api.DefaultPublicLimit and
	// api.DefaultFailedAuthLimit.
	KeyLimit, PublicLimit, FailedAuthLimit api.Limit
	// LookupLimits bound the keyless look-ups of persons by name and ID
	// number, in this process; default api.DefaultLookupLimits.
	LookupLimits api.LookupLimits
	// Logger; default slog.Default(). The hub masks every ID number in
	// what it logs (ident.MaskLogs), adds the id of the HTTP request
	// being served to the lines logged while serving it (requestid), and
	// writes a warning or error that repeats its message once per
	// logthrottle.Interval, with a count.
	Logger *slog.Logger
	// ProfileAddr, when set, is an address of its own on which Serve
	// serves Go's profiles (net/http/pprof) without authentication, for
	// operators: bind it to loopback or an administration network.
	ProfileAddr string
	// MetricsAddr, when set, is an address of its own on which Serve
	// serves /metrics for Prometheus; the API's address then serves none.
	MetricsAddr string
	// MetricsToken, when set, is the bearer token (16 bytes or more)
	// without which /metrics answers 401, on whichever address it is
	// served; without MetricsAddr, the API's address serves /metrics
	// behind it.
	MetricsToken string
	// PublicMetrics serves /metrics on the API's address to anyone, as
	// credex dev does. The metrics name departments and subscriptions:
	// without MetricsAddr, MetricsToken or this, the hub serves none.
	PublicMetrics bool
}

// Validate names the first missing or bad setting.
func (c Config) Validate() error {
	switch {
	case c.DatabaseURL == "":
		return errors.New("database url: not set (set CREDEX_DATABASE_URL)")
	case c.Catalog == nil:
		return errors.New("catalog: not loaded")
	case len(c.SubjectKey) < 16:
		return errors.New("subject key: shorter than 16 bytes (set CREDEX_SUBJECT_KEY)")
	case len(c.AuthorisationKey) < 16:
		return errors.New("authorisation key: shorter than 16 bytes (set CREDEX_AUTHORISATION_KEY)")
	}
	if c.People.Configured() {
		if err := c.People.Validate(); err != nil {
			return err
		}
	}
	if err := c.Kafka.Validate(); err != nil {
		return err
	}
	if err := c.Relay.Validate(); err != nil {
		return err
	}
	if err := c.Delivery.Validate(); err != nil {
		return err
	}
	if err := (expiry.Config{Interval: c.ExpiryInterval}).Validate(); err != nil {
		return err
	}
	switch {
	case c.WebhookTimeout < 0:
		return fmt.Errorf("webhook timeout: %s is negative", c.WebhookTimeout)
	case c.KeyOverlap < 0:
		return fmt.Errorf("key overlap: %s is negative", c.KeyOverlap)
	case c.KeyLifetime < 0:
		return fmt.Errorf("key lifetime: %s is negative", c.KeyLifetime)
	case cmp.Or(c.KeyLifetime, api.DefaultKeyLifetime) <= cmp.Or(c.KeyOverlap, api.DefaultKeyOverlap):
		return fmt.Errorf("key lifetime: %s is not longer than the key overlap, %s",
			cmp.Or(c.KeyLifetime, api.DefaultKeyLifetime), cmp.Or(c.KeyOverlap, api.DefaultKeyOverlap))
	case c.AuditCheckpointInterval < 0:
		return fmt.Errorf("audit checkpoint interval: %s is negative", c.AuditCheckpointInterval)
	case c.MetricsToken != "" && len(c.MetricsToken) < 16:
		return errors.New("metrics token: shorter than 16 bytes (set CREDEX_METRICS_TOKEN)")
	}
	if err := c.KeyLimit.Validate(); err != nil {
		return fmt.Errorf("key %w", err)
	}
	if err := c.PublicLimit.Validate(); err != nil {
		return fmt.Errorf("public %w", err)
	}
	if err := c.LookupLimits.Validate(); err != nil {
		return err
	}
	if err := c.FailedAuthLimit.Validate(); err != nil {
		return fmt.Errorf("failed authentication %w", err)
	}
	if err := c.Intake.Validate(); err != nil {
		return err
	}
	return c.Ingest.Validate()
}

// Hub is a started hub. Its HTTP handler serves at once; its sink runs in
// Run.
type Hub struct {
	cfg      Config
	log      *slog.Logger
	store    *store.Store
	catalog  *registry.Registry
	producer *pipeline.Producer
	relay    *relay.Relay
	intake   *intake.Intake
	// connectorMetrics follow the source connectors.
	connectorMetrics *source.Metrics
	registry         *prometheus.Registry
	handler          http.Handler
	delivery         *delivery.Metrics
	expiry           *expiry.Metrics
	audit            *audit.Recorder
	cases            *casework.Service
	// idKey keys record ids (store.Store.RecordIDKey).
	idKey []byte
	// checkpoints follow RunAuditCheckpoints.
	checkpoints *checkpointMetrics
}

// Start connects to the database and Kafka, migrates the database, creates
// the topics and saves the configured principals.
func Start(ctx context.Context, cfg Config) (*Hub, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := slog.New(logthrottle.New(ident.MaskLogs(requestid.Handler(cmp.Or(cfg.Logger, slog.Default()).Handler())), logthrottle.Interval))
	h := &Hub{cfg: cfg, log: log, registry: prometheus.NewRegistry()}
	h.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var err error
	if h.store, err = store.Open(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	if err := h.prepare(ctx); err != nil {
		h.store.Close()
		return nil, err
	}
	h.producer = pipeline.NewProducer(cfg.Kafka, h.registry)
	h.relay = relay.New(cfg.Relay, h.store, h.producer, cfg.Kafka.Topics,
		func(ctx context.Context) error { return pipeline.Ping(ctx, cfg.Kafka) }, h.log, h.registry)
	h.audit = &audit.Recorder{Log: audit.LogFunc(h.store.AppendAudit)}
	h.intake = intake.New(cfg.Intake, intake.Deps{
		Catalog: h.catalog, Ledger: h.store, Relay: h.relay, Publisher: h.producer, Topics: cfg.Kafka.Topics,
		SubjectKey: cfg.SubjectKey, RecordIDKey: h.idKey, Audit: h.audit, Logger: h.log, Registry: h.registry,
	})
	ingest := httpin.New(cfg.Ingest, h.intake, h.log, h.registry)
	h.connectorMetrics = source.NewMetrics(h.registry)
	h.delivery = delivery.NewMetrics(h.registry)
	h.expiry = expiry.NewMetrics(h.registry)
	h.cases = casework.New(casework.Config{
		Store: h.store, Catalog: h.catalog, Audit: h.audit, SubjectKey: cfg.SubjectKey,
		Calendar: cmp.Or(cfg.Calendar, workday.Default()), Now: orNow(cfg.Now), Registry: h.registry, Logger: h.log,
	})
	h.checkpoints = newCheckpointMetrics(h.registry)
	var people api.People
	if cfg.People.Configured() {
		if people, err = idtoken.NewVerifier(cfg.People, orNow(cfg.Now)); err != nil {
			h.store.Close()
			return nil, err
		}
	}
	// One set of look-up buckets for the API and the pages: a person looked
	// up through both is counted once against the limits.
	lookups := api.NewLookups(cfg.LookupLimits, cfg.SubjectKey, time.Now, h.registry)
	// One count of failed credentials for the API and the pages' sign-in.
	keys := api.NewKeyCheck(h.store, cfg.FailedAuthLimit, h.registry)
	h.handler = api.New(api.Deps{
		Store: h.store, Catalog: catalogue{h.catalog, cfg.Kafka}, Ingest: ingest, Ready: h.ready,
		Subscriptions: h.store, Guard: webhook.Guard{Allow: cfg.WebhookAllow}, DeliveryTopic: cfg.Kafka.Topics.Delivery,
		CreateTopic: func(ctx context.Context, topic string) error { return pipeline.EnsureTopics(ctx, cfg.Kafka, topic) },
		Cases:       h.cases, Public: h.store, Lists: h.store,
		Audit: h.audit, AccessLog: h.store, Subjects: h.store,
		People: people, Inquiries: h.store, AuthorisationKey: cfg.AuthorisationKey,
		SubjectKey: cfg.SubjectKey, Now: orNow(cfg.Now),
		Keys: h.store, KeyOverlap: cfg.KeyOverlap, KeyLifetime: cfg.KeyLifetime, KeyLimit: cfg.KeyLimit, PublicLimit: cfg.PublicLimit,
		FailedAuthLimit: cfg.FailedAuthLimit, KeyCheck: keys, LookupLimits: cfg.LookupLimits, Lookups: lookups,
		Gatherer: h.apiMetrics(), MetricsToken: cfg.MetricsToken, Registry: h.registry, Logger: h.log,
	})
	var login web.SignIn // people sign in to the pages where the provider sends them back
	if cfg.People.Configured() && cfg.People.RedirectURL != "" {
		l, err := idtoken.NewLogin(cfg.People, orNow(cfg.Now))
		if err != nil {
			h.store.Close()
			return nil, err
		}
		login = l
	}
	pages := web.New(web.Deps{
		Store: h.store, Catalog: h.catalog, Cases: h.cases, Audit: h.audit, People: people, Login: login,
		Lookups: lookups, SubjectKey: cfg.SubjectKey, Calendar: cfg.Calendar, Now: orNow(cfg.Now), Logger: h.log,
		Keys: keys, Gatherer: h.registry,
	})
	h.handler = api.Instrument(route(h.handler, pages, cfg.DevRoutes), h.registry, h.log)
	return h, nil
}

// apiPaths are the paths the API serves; every other path is a page's.
// /dev/ is credex dev's (DevRoutes): elsewhere the API answers it 404.
var apiPaths = []string{"/v1", "/v1/", "/healthz", "/readyz", "/metrics", "/openapi.yaml", "/asyncapi.yaml", "/dev/"}

// route composes the hub's handler: the API on apiPaths (its JSON 404 for
// any unknown path under /v1/ or /dev/), dev routes on theirs, and the
// pages on the rest.
func route(api, pages http.Handler, dev map[string]http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, p := range apiPaths {
		mux.Handle(p, api)
	}
	for pattern, handler := range dev {
		mux.Handle(pattern, handler)
	}
	mux.Handle("/", pages)
	return mux
}

func (h *Hub) prepare(ctx context.Context) error {
	if err := h.store.Migrate(ctx); err != nil {
		return err
	}
	var err error
	if h.idKey, err = h.store.RecordIDKey(ctx); err != nil {
		return err
	}
	if h.catalog, err = registry.Open(ctx, h.store, h.cfg.Catalog, h.log, h.registry); err != nil {
		return err
	}
	if err := pipeline.EnsureTopics(ctx, h.cfg.Kafka, h.topics()...); err != nil {
		return err
	}
	if len(h.cfg.Principals) > 0 {
		return h.store.SavePrincipals(ctx, h.cfg.Principals)
	}
	return nil
}

// topics are every topic the hub writes.
func (h *Hub) topics() []string {
	t := h.cfg.Kafka.Topics
	return append(h.recordTopics(), t.Rejected(), t.DeadLetter(), t.AuditCheckpoints())
}

func (h *Hub) recordTopics() []string {
	var topics []string
	for _, rt := range h.catalog.Types() {
		topics = append(topics, h.cfg.Kafka.Topics.Record(rt.Code))
	}
	return topics
}

// apiMetrics is what the API's address serves at /metrics: the hub's
// metrics, unless they have an address of their own or are not to be
// served.
func (h *Hub) apiMetrics() prometheus.Gatherer {
	if h.cfg.MetricsAddr == "" && (h.cfg.MetricsToken != "" || h.cfg.PublicMetrics) {
		return h.registry
	}
	return nil
}

// Handler is the hub's HTTP API and its pages.
func (h *Hub) Handler() http.Handler { return h.handler }

// Registry holds the hub's metrics.
func (h *Hub) Registry() *prometheus.Registry { return h.registry }

// Store is the hub's database.
func (h *Hub) Store() *store.Store { return h.store }

func (h *Hub) ready(ctx context.Context) error {
	if err := h.store.Ping(ctx); err != nil {
		return fmt.Errorf("%w: %w", api.ErrDatabaseDown, err)
	}
	if err := pipeline.Ping(ctx, h.cfg.Kafka); err != nil {
		return fmt.Errorf("%w: %w", api.ErrKafkaDown, err)
	}
	return nil
}

// RunSink runs the database sink until ctx is cancelled. When a record type
// is published for the first time, the sink rejoins its group with the new
// type's topic.
func (h *Hub) RunSink(ctx context.Context) error {
	c := pipeline.NewConsumer(pipeline.ConsumerConfig{
		Kafka:  h.cfg.Kafka,
		Group:  h.cfg.Kafka.Topics.Group("db-sink"),
		Logger: h.log,
		// Each partition's records in a transaction of its own, side by
		// side: the database works on several at once where it has the
		// processors for it.
		Partitions: 4,
	}, dbsink.New(h.store, h.registry), h.producer, h.registry)
	for ctx.Err() == nil {
		topics := h.recordTopics()
		runCtx, stop := context.WithCancel(ctx)
		go func() {
			defer stop()
			h.awaitNewTopics(runCtx, topics)
		}()
		err := c.Run(runCtx, topics)
		stop()
		if err != nil {
			return err
		}
	}
	return nil
}

// awaitNewTopics returns when the catalogue has record topics other than
// topics, or ctx ends.
func (h *Hub) awaitNewTopics(ctx context.Context, topics []string) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if !slices.Equal(h.recordTopics(), topics) {
				return
			}
		}
	}
}

// RunRelay publishes the ledger's outbox to Kafka until ctx ends (see
// package relay).
func (h *Hub) RunRelay(ctx context.Context) { h.relay.Run(ctx) }

// RunDelivery pushes events to agencies, by webhook and to Kafka, until ctx
// ends.
func (h *Hub) RunDelivery(ctx context.Context) {
	guard := webhook.Guard{Allow: h.cfg.WebhookAllow}
	render := subscription.NewRenderer(h.cfg.SubjectKey)
	transports := []delivery.Transport{
		&webhook.Transport{Client: guard.Client(cmp.Or(h.cfg.WebhookTimeout, 10*time.Second))},
		&delivery.Kafka{Config: h.cfg.Kafka, Producer: h.producer},
	}
	var wg sync.WaitGroup
	for _, t := range transports {
		w := delivery.NewWorker(h.cfg.Delivery, h.store, t, render, h.audit, h.log, h.delivery)
		wg.Go(func() { w.Run(ctx) })
	}
	wg.Go(func() { h.delivery.WatchBacklogs(ctx, h.store.Backlogs, 5*time.Second) })
	wg.Wait()
}

// RunExpiry ends the public display of records whose display period is
// over, a pass at once and then every interval (0: one minute), until ctx
// ends. Any number of hubs may run it on one database at the same time:
// each record expires once (see package expiry).
func (h *Hub) RunExpiry(ctx context.Context, interval time.Duration) {
	expiry.New(expiry.Config{Interval: interval}, expiry.Claims(h.store), h.cfg.Now, h.log, h.expiry).Run(ctx)
}

// catalogue is the hub's registry as the API serves it: publishing a new
// record type creates its topic first.
type catalogue struct {
	*registry.Registry
	kafka pipeline.KafkaConfig
}

func (c catalogue) Publish(ctx context.Context, t *catalog.RecordType, by string) (registry.Published, error) {
	if err := pipeline.EnsureTopics(ctx, c.kafka, c.kafka.Topics.Record(t.Code)); err != nil {
		return registry.Published{}, err
	}
	return c.Registry.Publish(ctx, t, by)
}

// WatchCatalog refreshes the catalogue from the database every interval
// until ctx ends, so that versions published through another hub take
// effect here too.
func (h *Hub) WatchCatalog(ctx context.Context, interval time.Duration) {
	h.catalog.Watch(ctx, interval)
}

// Serve serves the API on ln and runs the relay, the sink, delivery, expiry
// and the audit checkpoints until ctx is cancelled, then shuts down
// gracefully.
func (h *Hub) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           h.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	httpErr, sinkErr := make(chan error, 1), make(chan error, 1)
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		httpErr <- err
	}()
	if h.cfg.ProfileAddr != "" {
		profiles, err := h.serveProfiles(ctx)
		if err != nil {
			srv.Close()
			return err
		}
		defer profiles.Close()
	}
	if h.cfg.MetricsAddr != "" {
		metrics, err := h.serveMetrics(ctx)
		if err != nil {
			srv.Close()
			return err
		}
		defer metrics.Close()
	}
	go func() { sinkErr <- h.RunSink(ctx) }()
	relayDone := make(chan struct{})
	go func() {
		defer close(relayDone)
		h.RunRelay(ctx)
	}()
	go h.WatchCatalog(ctx, 5*time.Second)
	go h.WatchCases(ctx, time.Minute)
	expiryDone := make(chan struct{})
	go func() {
		defer close(expiryDone)
		h.RunExpiry(ctx, h.cfg.ExpiryInterval)
	}()
	deliveryDone := make(chan struct{})
	go func() {
		defer close(deliveryDone)
		h.RunDelivery(ctx)
	}()
	checkpointDone := make(chan struct{})
	go func() {
		defer close(checkpointDone)
		h.RunAuditCheckpoints(ctx)
	}()
	connectorsDone := make(chan struct{})
	go func() {
		defer close(connectorsDone)
		h.RunConnectors(ctx)
	}()
	var err error
	sinkDone := false
	select {
	case <-ctx.Done():
	case e := <-httpErr:
		err = wrap("serve http", e)
	case e := <-sinkErr:
		err, sinkDone = wrap("database sink stopped", e), true
	}
	cancel()
	shutdown, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	srv.Shutdown(shutdown)
	if !sinkDone {
		<-sinkErr // the sink stops between batches; what it did not commit is redelivered
	}
	<-connectorsDone
	<-deliveryDone
	<-checkpointDone
	<-expiryDone
	<-relayDone
	return err
}

// orNow returns now, or time.Now when now is nil.
func orNow(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

// wrap prefixes err with what failed; nil stays nil.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Close releases the hub's connections.
func (h *Hub) Close() {
	h.producer.Close()
	h.store.Close()
}
