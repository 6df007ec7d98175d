package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// KafkaConfig says how to reach Kafka and how to lay out the hub's topics.
type KafkaConfig struct {
	// Brokers are the bootstrap addresses, host:port.
	Brokers []string
	// Topics names the hub's topics.
	Topics Topics
	// Partitions of each topic created by the hub; default 6.
	Partitions int
	// ReplicationFactor of each topic created by the hub; default 1. Use 3 in
	// production, with MinInsyncReplicas 2.
	ReplicationFactor int
	// MinInsyncReplicas is the min.insync.replicas of each topic created by
	// the hub: how many replicas must hold a message before Kafka
	// acknowledges it, so before the hub accepts a record; 0 leaves the
	// broker's default. At most ReplicationFactor.
	MinInsyncReplicas int
	// Timeout bounds every request to Kafka; default 10s.
	Timeout time.Duration
	// RejectedRetention is how long the rejected topic keeps rejected
	// submissions, which hold personal data; default 30 days.
	RejectedRetention time.Duration
	// Security protects and authenticates every connection to Kafka.
	Security Security
}

// Validate reports the first missing or impossible setting.
func (c KafkaConfig) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("kafka brokers: none configured (set CREDEX_KAFKA_BROKERS)")
	case c.Partitions < 0:
		return fmt.Errorf("kafka partitions: %d is negative", c.Partitions)
	case c.ReplicationFactor < 0:
		return fmt.Errorf("kafka replication factor: %d is negative", c.ReplicationFactor)
	case c.MinInsyncReplicas < 0:
		return fmt.Errorf("kafka min insync replicas: %d is negative", c.MinInsyncReplicas)
	case c.MinInsyncReplicas > c.replication():
		return fmt.Errorf("kafka min insync replicas: %d is more than the replication factor %d", c.MinInsyncReplicas, c.replication())
	case c.Timeout < 0:
		return fmt.Errorf("kafka timeout: %s is negative", c.Timeout)
	case c.RejectedRetention < 0:
		return fmt.Errorf("kafka rejected retention: %s is negative", c.RejectedRetention)
	}
	return c.Security.Validate()
}

func (c KafkaConfig) partitions() int        { return cmp.Or(c.Partitions, 6) }
func (c KafkaConfig) replication() int       { return cmp.Or(c.ReplicationFactor, 1) }
func (c KafkaConfig) timeout() time.Duration { return cmp.Or(c.Timeout, 10*time.Second) }

// Client returns an admin client of the brokers, on the shared transport.
func (c KafkaConfig) Client() *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(c.Brokers...), Timeout: c.timeout(), Transport: c.transport()}
}

// EnsureTopics creates the given topics with the configured partitions and
// replication factor, and min.insync.replicas when configured; topics that
// exist already are left as they are. The rejected topic gets its retention;
// the audit checkpoint topic gets one partition and keeps its messages for
// ever.
func EnsureTopics(ctx context.Context, cfg KafkaConfig, topics ...string) error {
	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		tc := kafka.TopicConfig{Topic: t, NumPartitions: cfg.partitions(), ReplicationFactor: cfg.replication()}
		switch t {
		case cfg.Topics.Rejected():
			retention := cmp.Or(cfg.RejectedRetention, 30*24*time.Hour)
			tc.ConfigEntries = []kafka.ConfigEntry{{ConfigName: "retention.ms", ConfigValue: strconv.FormatInt(retention.Milliseconds(), 10)}}
		case cfg.Topics.AuditCheckpoints():
			tc.NumPartitions = 1
			tc.ConfigEntries = []kafka.ConfigEntry{
				{ConfigName: "cleanup.policy", ConfigValue: "delete"},
				{ConfigName: "retention.ms", ConfigValue: "-1"},
				{ConfigName: "retention.bytes", ConfigValue: "-1"},
			}
		}
		if cfg.MinInsyncReplicas > 0 {
			tc.ConfigEntries = append(tc.ConfigEntries, kafka.ConfigEntry{ConfigName: "min.insync.replicas", ConfigValue: strconv.Itoa(cfg.MinInsyncReplicas)})
		}
		req.Topics = append(req.Topics, tc)
	}
	resp, err := cfg.Client().CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	for topic, err := range resp.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			return fmt.Errorf("create topic %q: %w", topic, err)
		}
	}
	return waitForLeaders(ctx, cfg, topics)
}

// waitForLeaders returns once every partition of topics has a leader, so
// that the first writes do not fail; it also refreshes the metadata the
// shared transport caches for writers.
func waitForLeaders(ctx context.Context, cfg KafkaConfig, topics []string) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	for {
		meta, err := cfg.Client().Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
		if err == nil && led(meta, len(topics)) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for partition leaders of %d topics: %w", len(topics), cmp.Or(err, ctx.Err()))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func led(meta *kafka.MetadataResponse, want int) bool {
	if len(meta.Topics) != want {
		return false
	}
	for _, t := range meta.Topics {
		if t.Error != nil || len(t.Partitions) == 0 {
			return false
		}
		for _, p := range t.Partitions {
			if p.Error != nil || p.Leader.Host == "" {
				return false
			}
		}
	}
	return true
}

// Ping checks that a broker answers a metadata request on a connection of
// its own (the shared transport answers from a cache).
func Ping(ctx context.Context, cfg KafkaConfig) error {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(cfg.Timeout, 3*time.Second))
	defer cancel()
	var errs []error
	for _, addr := range cfg.Brokers {
		conn, err := cfg.dialer().DialContext(ctx, "tcp", addr)
		if err == nil {
			if deadline, ok := ctx.Deadline(); ok {
				conn.SetDeadline(deadline)
			}
			_, err = conn.Brokers()
			conn.Close()
		}
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("kafka broker %s: %w", addr, err))
	}
	return errors.Join(errs...)
}
