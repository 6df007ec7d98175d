package cli

import (
	"flag"
	"fmt"
	"io/fs"
	"math"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/credex/credex/api"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/connectors/webhook"
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
	maxBody     int64
	maxRecords  int
	allow       string
	schedule    string
	retention   time.Duration
	calendar    string
	expiry      time.Duration
	keyOverlap  time.Duration
	keyLimit    string
	publicLimit string
}

func (h *hubFlags) register(fs *flag.FlagSet, defaultAddr, defaultAllow string) {
	fs.StringVar(&h.addr, "addr", env("CREDEX_ADDR", defaultAddr), "`host:port` to listen on (CREDEX_ADDR)")
	fs.StringVar(&h.catalogDir, "catalog", env("CREDEX_CATALOG", ""), "catalogue `dir` (manifest catalog.yaml and schemas); empty: the catalogue built into the binary (CREDEX_CATALOG)")
	fs.StringVar(&h.topicPrefix, "topic-prefix", env("CREDEX_TOPIC_PREFIX", ""), "`prefix` of every Kafka topic and consumer group name (CREDEX_TOPIC_PREFIX)")
	fs.IntVar(&h.partitions, "partitions", envInt("CREDEX_KAFKA_PARTITIONS", 6), "partitions of each topic the hub creates (CREDEX_KAFKA_PARTITIONS)")
	fs.IntVar(&h.replication, "replication-factor", envInt("CREDEX_KAFKA_REPLICATION_FACTOR", 1), "replication factor of each topic the hub creates; 3 in production (CREDEX_KAFKA_REPLICATION_FACTOR)")
	fs.Int64Var(&h.maxBody, "max-body-bytes", int64(envInt("CREDEX_MAX_BODY_BYTES", 4<<20)), "largest submission body accepted (CREDEX_MAX_BODY_BYTES)")
	fs.IntVar(&h.maxRecords, "max-records", envInt("CREDEX_MAX_RECORDS", 500), "most records in one submission (CREDEX_MAX_RECORDS)")
	fs.DurationVar(&h.retention, "rejected-retention", envDuration("CREDEX_REJECTED_RETENTION", 30*24*time.Hour), "how long the rejected topic keeps rejected submissions, which hold personal data (CREDEX_REJECTED_RETENTION)")
	fs.StringVar(&h.calendar, "calendar", env("CREDEX_CALENDAR", ""), "working-day calendar `file` (YAML: year, holidays, make-up workdays) for deadlines of objections and repairs; default the built-in one (CREDEX_CALENDAR)")
	fs.StringVar(&h.allow, "webhook-allow", env("CREDEX_WEBHOOK_ALLOW", defaultAllow), "comma-separated private address `ranges` (CIDR) webhook URLs may point to; all other private, loopback and link-local addresses are refused (CREDEX_WEBHOOK_ALLOW)")
	fs.DurationVar(&h.expiry, "expiry-interval", envDuration("CREDEX_EXPIRY_INTERVAL", time.Minute), "time between passes that end the public display of records whose display period is over (CREDEX_EXPIRY_INTERVAL)")
	fs.DurationVar(&h.keyOverlap, "key-overlap", envDuration("CREDEX_KEY_OVERLAP", api.DefaultKeyOverlap), "how long an API key replaced through POST /v1/keys keeps working (CREDEX_KEY_OVERLAP)")
	fs.StringVar(&h.keyLimit, "rate-limit", env("CREDEX_RATE_LIMIT", formatLimit(api.DefaultKeyLimit)), "`rate/burst` of requests per second each principal may make, in this process; 0 does not limit (CREDEX_RATE_LIMIT)")
	fs.StringVar(&h.publicLimit, "public-rate-limit", env("CREDEX_PUBLIC_RATE_LIMIT", formatLimit(api.DefaultPublicLimit)), "`rate/burst` of requests per second each client address may make to the routes without a key (objections, repairs, public query), in this process; 0 does not limit (CREDEX_PUBLIC_RATE_LIMIT)")
	fs.StringVar(&h.schedule, "retry-schedule", env("CREDEX_RETRY_SCHEDULE", webhook.DefaultSchedule.String()), "delays between webhook delivery attempts; after the last the event goes to the subscription's dead-letter list (CREDEX_RETRY_SCHEDULE)")
}

// delivery reads the delivery, API key and rate limit settings into cfg.
func (h *hubFlags) delivery(cfg *hub.Config) error {
	var err error
	if cfg.KeyLimit, err = parseLimit(h.keyLimit); err != nil {
		return fmt.Errorf("rate limit: %w", err)
	}
	if cfg.PublicLimit, err = parseLimit(h.publicLimit); err != nil {
		return fmt.Errorf("public rate limit: %w", err)
	}
	cfg.KeyOverlap = h.keyOverlap
	for _, s := range splitList(h.allow) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("webhook allow: %w", err)
		}
		cfg.WebhookAllow = append(cfg.WebhookAllow, p)
	}
	schedule, err := webhook.ParseSchedule(h.schedule)
	if err != nil {
		return err
	}
	cfg.Delivery.Schedule = schedule
	if h.calendar != "" {
		f, err := os.Open(h.calendar)
		if err != nil {
			return fmt.Errorf("calendar: %w", err)
		}
		defer f.Close()
		if cfg.Calendar, err = workday.Load(f); err != nil {
			return fmt.Errorf("calendar %s: %w", h.calendar, err)
		}
	}
	return nil
}

func (h *hubFlags) kafka(brokers []string) pipeline.KafkaConfig {
	return pipeline.KafkaConfig{
		Brokers: brokers, Topics: pipeline.Topics{Prefix: h.topicPrefix},
		Partitions: h.partitions, ReplicationFactor: h.replication, RejectedRetention: h.retention,
	}
}

func (h *hubFlags) ingest() httpin.Config {
	return httpin.Config{MaxBodyBytes: h.maxBody, MaxRecords: h.maxRecords}
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

func formatLimit(l api.Limit) string {
	return strconv.FormatFloat(l.Rate, 'f', -1, 64) + "/" + strconv.Itoa(l.Burst)
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(env(name, "")); err == nil {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(env(name, "")); err == nil {
		return v
	}
	return def
}
