package cli

import (
	"flag"
	"fmt"
	"io/fs"
	"math"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/credex/credex/api"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/delivery"
	"github.com/credex/credex/hub"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/schemas"
	"github.com/credex/credex/workday"
)

// hubFlags are the settings serve and dev share.
type hubFlags struct {
	addr        string
	catalogDir  string
	topicPrefix string
	partitions  int
	replication int
	minInsync   int
	maxBody     int64
	maxRecords  int
	allow       prefixList
	schedule    scheduleValue
	retention   time.Duration
	calendar    string
	expiry      time.Duration
	checkpoint  time.Duration
	keyOverlap  time.Duration
	keyLifetime time.Duration
	keyLimit    limitValue
	publicLimit limitValue
	lookups     bool
	failedAuth  limitValue
	connectors  string
	profileAddr string
	metricsAddr string
	kafka       kafkaSecurity
}

func (h *hubFlags) register(fs *flag.FlagSet, defaultAddr string, defaultAllow prefixList) {
	h.allow = defaultAllow
	h.schedule = scheduleValue(delivery.DefaultSchedule)
	h.keyLimit = limitValue(api.DefaultKeyLimit)
	h.publicLimit = limitValue(api.DefaultPublicLimit)
	h.failedAuth = limitValue(api.DefaultFailedAuthLimit)
	fs.StringVar(&h.addr, "addr", defaultAddr, "`host:port` to listen on (CREDEX_ADDR)")
	fs.StringVar(&h.catalogDir, "catalog", "", "catalogue `dir` (manifest catalog.yaml and schemas); empty: the catalogue built into the binary (CREDEX_CATALOG)")
	fs.StringVar(&h.topicPrefix, "topic-prefix", "", "`prefix` of every Kafka topic and consumer group name (CREDEX_TOPIC_PREFIX)")
	fs.IntVar(&h.partitions, "partitions", 6, "partitions of each topic the hub creates (CREDEX_KAFKA_PARTITIONS)")
	h.kafka.register(fs)
	fs.IntVar(&h.replication, "replication-factor", 1, "replication factor of each topic the hub creates; 3 in production (CREDEX_KAFKA_REPLICATION_FACTOR)")
	fs.IntVar(&h.minInsync, "min-insync-replicas", 0, "min.insync.replicas of each topic the hub creates: replicas that must hold a record before it is accepted; 2 in production; 0 leaves the brokers' default (CREDEX_KAFKA_MIN_INSYNC_REPLICAS)")
	fs.Int64Var(&h.maxBody, "max-body-bytes", 4<<20, "largest submission body accepted (CREDEX_MAX_BODY_BYTES)")
	fs.IntVar(&h.maxRecords, "max-records", 500, "most records in one submission (CREDEX_MAX_RECORDS)")
	fs.DurationVar(&h.retention, "rejected-retention", 30*24*time.Hour, "how long the rejected topic keeps rejected submissions, which hold personal data (CREDEX_REJECTED_RETENTION)")
	fs.StringVar(&h.calendar, "calendar", "", "working-day calendar `file` (YAML: year, holidays, make-up workdays) for deadlines of objections and repairs; default the built-in one (CREDEX_CALENDAR)")
	fs.Var(&h.allow, "webhook-allow", "comma-separated private address `ranges` (CIDR) webhook URLs may point to; all other private, loopback and link-local addresses are refused (CREDEX_WEBHOOK_ALLOW)")
	fs.DurationVar(&h.expiry, "expiry-interval", time.Minute, "time between passes that end the public display of records whose display period is over (CREDEX_EXPIRY_INTERVAL)")
	fs.DurationVar(&h.checkpoint, "audit-checkpoint-interval", hub.DefaultAuditCheckpointInterval, "time between checkpoints of the audit log's head to Kafka, which credex audit verify checks the log against; entries newer than the last could be cut off unnoticed (CREDEX_AUDIT_CHECKPOINT_INTERVAL)")
	fs.DurationVar(&h.keyOverlap, "key-overlap", api.DefaultKeyOverlap, "how long an API key replaced through POST /v1/keys keeps working (CREDEX_KEY_OVERLAP)")
	fs.DurationVar(&h.keyLifetime, "key-lifetime", api.DefaultKeyLifetime, "how long an API key issued through POST /v1/keys works, longer than the overlap; its holder replaces it before (CREDEX_KEY_LIFETIME)")
	fs.Var(&h.keyLimit, "rate-limit", "`rate/burst` of requests per second each principal may make, in this process; 0 does not limit (CREDEX_RATE_LIMIT)")
	fs.BoolVar(&h.lookups, "lookup-limits", true, "limit the look-ups of persons by ID number without a key (the public query) per client address, per masked ID number and in all, in this process, so that a masked number cannot be completed by trying candidates (see docs/threat-model.md); false only to test the rest (CREDEX_LOOKUP_LIMITS)")
	fs.Var(&h.publicLimit, "public-rate-limit", "`rate/burst` of requests per second each client address may make to the routes without an API key (the public query, and those a person calls with an ID token), in this process; 0 does not limit (CREDEX_PUBLIC_RATE_LIMIT)")
	fs.Var(&h.failedAuth, "failed-auth-limit", "`rate/burst` of failed attempts to authenticate (wrong, expired or revoked keys, unregistered certificates) per second each client address may make, in this process; beyond it every attempt from the address is answered 429 until the rate allows one; 0 does not limit (CREDEX_FAILED_AUTH_LIMIT)")
	fs.StringVar(&h.profileAddr, "profile-addr", "", "`host:port` on which to serve Go's profiles (/debug/pprof/) for operators, without authentication: bind it to loopback or an administration network; empty serves none (CREDEX_PROFILE_ADDR)")
	fs.StringVar(&h.metricsAddr, "metrics-addr", "", "`host:port` on which to serve /metrics for Prometheus, instead of the API's address; bind it to loopback or an administration network, or set CREDEX_METRICS_TOKEN too (CREDEX_METRICS_ADDR)")
	fs.StringVar(&h.connectors, "connectors", "", "connectors `file` (YAML): the file drops, database tables and Kafka topics the hub reads departments' records from, see docs/connectors.md; credex dev reads deploy/dev/connectors.yaml when present (CREDEX_CONNECTORS)")
	fs.Var(&h.schedule, "retry-schedule", "`delays` between webhook delivery attempts; after the last the event goes to the subscription's dead-letter list (CREDEX_RETRY_SCHEDULE)")
}

// config returns the hub's configuration as the flags say, with brokers;
// the caller adds the database, the catalogue, the keys and the principals.
func (h *hubFlags) config(brokers []string, cat *catalog.Catalog) (hub.Config, error) {
	cfg := hub.Config{
		Kafka: pipeline.KafkaConfig{
			Brokers: brokers, Topics: pipeline.Topics{Prefix: h.topicPrefix},
			Partitions: h.partitions, ReplicationFactor: h.replication, MinInsyncReplicas: h.minInsync,
			RejectedRetention: h.retention, Security: h.kafka.security(),
		},
		Ingest:                  httpin.Config{MaxBodyBytes: h.maxBody, MaxRecords: h.maxRecords},
		Delivery:                delivery.Config{Schedule: delivery.Schedule(h.schedule)},
		WebhookAllow:            h.allow,
		ExpiryInterval:          h.expiry,
		AuditCheckpointInterval: h.checkpoint,
		KeyOverlap:              h.keyOverlap,
		KeyLifetime:             h.keyLifetime,
		KeyLimit:                api.Limit(h.keyLimit),
		PublicLimit:             api.Limit(h.publicLimit),
		FailedAuthLimit:         api.Limit(h.failedAuth),
		ProfileAddr:             h.profileAddr,
		MetricsAddr:             h.metricsAddr,
	}
	if !h.lookups {
		cfg.LookupLimits = api.NoLookupLimits
	}
	if h.connectors != "" {
		f, err := source.Load(h.connectors, func(code string) bool { _, ok := cat.Type(code); return ok })
		if err != nil {
			return hub.Config{}, fmt.Errorf("connectors: %w", err)
		}
		cfg.Connectors = f.Connectors
	}
	if h.calendar != "" {
		f, err := os.Open(h.calendar)
		if err != nil {
			return hub.Config{}, fmt.Errorf("calendar: %w", err)
		}
		defer f.Close()
		if cfg.Calendar, err = workday.Load(f); err != nil {
			return hub.Config{}, fmt.Errorf("calendar %s: %w", h.calendar, err)
		}
	}
	return cfg, nil
}

// loadCatalog loads the catalogue from dir, or the built-in one.
func loadCatalog(dir string) (*catalog.Catalog, error) {
	var fsys fs.FS = schemas.FS
	if dir != "" {
		fsys = os.DirFS(dir)
	}
	c, err := catalog.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("load catalogue: %w", err)
	}
	return c, nil
}

// loadPrincipals reads a seed file of principals checked against c.
func loadPrincipals(raw []byte, c *catalog.Catalog) ([]principal.SeedEntry, error) {
	seed, err := principal.ParseSeed(raw, ident.CheckCreditCode, func(code string) bool {
		_, ok := c.Type(code)
		return ok
	})
	if err != nil {
		return nil, err
	}
	return seed.Principals, nil
}

// parseLimit reads RATE/BURST (or RATE, with a burst of twice the rate);
// a rate of 0 does not limit.
func parseLimit(s string) (api.Limit, error) {
	rate, burst, hasBurst := strings.Cut(s, "/")
	r, err := strconv.ParseFloat(rate, 64)
	if err != nil || r < 0 {
		return api.Limit{}, fmt.Errorf("%q: want requests per second and burst, as 50/100", s)
	}
	if r == 0 {
		return api.Limit{Rate: -1}, nil
	}
	l := api.Limit{Rate: r, Burst: int(math.Ceil(2 * r))}
	if hasBurst {
		if l.Burst, err = strconv.Atoi(burst); err != nil || l.Burst < 1 {
			return api.Limit{}, fmt.Errorf("%q: the burst is a whole number of requests, 1 or more", s)
		}
	}
	return l, nil
}

// limitValue is a flag of a rate limit, read by parseLimit.
type limitValue api.Limit

func (v *limitValue) String() string {
	if v.Rate < 0 {
		return "0"
	}
	return strconv.FormatFloat(v.Rate, 'f', -1, 64) + "/" + strconv.Itoa(v.Burst)
}

func (v *limitValue) Set(s string) error {
	l, err := parseLimit(s)
	if err != nil {
		return err
	}
	*v = limitValue(l)
	return nil
}

// prefixList is a flag of comma-separated address ranges (CIDR).
type prefixList []netip.Prefix

func (v *prefixList) String() string {
	s := make([]string, len(*v))
	for i, p := range *v {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func (v *prefixList) Set(s string) error {
	var list prefixList
	for _, item := range splitList(s) {
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return fmt.Errorf("%q: want an address range such as 10.0.0.0/8", item)
		}
		list = append(list, p)
	}
	*v = list
	return nil
}

// scheduleValue is a flag of a retry schedule, read by delivery.ParseSchedule.
type scheduleValue delivery.Schedule

func (v *scheduleValue) String() string { return delivery.Schedule(*v).String() }

func (v *scheduleValue) Set(s string) error {
	sched, err := delivery.ParseSchedule(s)
	if err != nil {
		return err
	}
	*v = scheduleValue(sched)
	return nil
}

// addrList is a flag of comma-separated host:port addresses.
type addrList []string

func (v *addrList) String() string { return strings.Join(*v, ",") }

func (v *addrList) Set(s string) error {
	var list addrList
	for _, item := range splitList(s) {
		if _, port, err := net.SplitHostPort(item); err != nil || port == "" {
			return fmt.Errorf("%q: want host:port", item)
		}
		list = append(list, item)
	}
	*v = list
	return nil
}
