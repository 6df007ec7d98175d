package kafkatest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// EnvBrokers names the environment variable holding the comma-separated
// bootstrap addresses.
const EnvBrokers = "CREDEX_KAFKA_BROKERS"

// timeout bounds each helper's conversation with the broker.
const timeout = 30 * time.Second

// Brokers returns the bootstrap addresses from CREDEX_KAFKA_BROKERS, failing
// the test when it is unset.
func Brokers(t testing.TB) []string {
	t.Helper()
	var brokers []string
	for b := range strings.SplitSeq(os.Getenv(EnvBrokers), ",") {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	if len(brokers) == 0 {
		t.Fatalf("kafkatest: %s is not set; run the tests with deploy/local/test.sh", EnvBrokers)
	}
	return brokers
}

// Prefix returns a topic name prefix unique to this call, such as
// "t3f9a0c1b2d4e.". When the test ends, the topics whose names start with it
// are deleted (best effort: failures are logged, not reported).
func Prefix(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "t" + hex.EncodeToString(b) + "."
	t.Cleanup(func() {
		if os.Getenv(EnvBrokers) == "" {
			return
		}
		if err := deleteTopics(Brokers(t), prefix); err != nil {
			t.Logf("kafkatest: delete topics %s*: %v", prefix, err)
		}
	})
	return prefix
}

// CreateTopic creates a topic with the given number of partitions and waits
// until every partition has a leader, so writes may start at once. It fails the
// test when the topic exists already.
func CreateTopic(t testing.TB, brokers []string, topic string, partitions int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Created through kafka.DefaultTransport, which then refreshes its metadata
	// cache, so writers in this process that use it see the topic at once.
	resp, err := (&kafka.Client{Addr: kafka.TCP(brokers...), Timeout: timeout}).CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
		Topic: topic, NumPartitions: partitions, ReplicationFactor: 1,
	}}})
	if err == nil {
		err = resp.Errors[topic]
	}
	if err != nil {
		t.Fatalf("kafkatest: create topic %q: %v", topic, err)
	}
	client, done := newClient(brokers)
	defer done()
	for {
		if _, err = partitionOffsets(ctx, client, topic); err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("kafkatest: topic %q has no leaders yet: %v", topic, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ReadAll returns every message in topic at the time of the call: all
// partitions, from the first offset to the high watermark, ordered by partition
// and then offset. It reads without a consumer group, so it commits nothing and
// may be called any number of times. A topic that does not exist has no
// messages. Messages of aborted transactions are included (read_uncommitted).
func ReadAll(t testing.TB, brokers []string, topic string) []kafka.Message {
	t.Helper()
	msgs, err := readAll(brokers, topic)
	if err != nil {
		t.Fatalf("kafkatest: read topic %q: %v", topic, err)
	}
	return msgs
}

func readAll(brokers []string, topic string) ([]kafka.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client, done := newClient(brokers)
	defer done()
	var (
		offsets []kafka.PartitionOffsets
		err     error
	)
	for {
		offsets, err = partitionOffsets(ctx, client, topic)
		if errors.Is(err, kafka.UnknownTopicOrPartition) {
			return nil, nil
		}
		if !isTemporary(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		return nil, err
	}
	var msgs []kafka.Message
	for _, p := range offsets {
		if p.FirstOffset >= p.LastOffset {
			continue
		}
		got, err := readPartition(ctx, brokers[0], topic, p)
		if err != nil {
			return nil, fmt.Errorf("partition %d: %w", p.Partition, err)
		}
		msgs = append(msgs, got...)
	}
	return msgs, nil
}

// partitionOffsets returns the first offset and high watermark of every
// partition of topic, ordered by partition.
func partitionOffsets(ctx context.Context, client *kafka.Client, topic string) ([]kafka.PartitionOffsets, error) {
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, err
	}
	if len(meta.Topics) != 1 {
		return nil, fmt.Errorf("metadata has %d topics, want 1", len(meta.Topics))
	}
	tm := meta.Topics[0]
	if tm.Error != nil {
		return nil, tm.Error
	}
	reqs := make([]kafka.OffsetRequest, 0, 2*len(tm.Partitions))
	for _, p := range tm.Partitions {
		if p.Error != nil {
			return nil, fmt.Errorf("partition %d: %w", p.ID, p.Error)
		}
		reqs = append(reqs, kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
	}
	resp, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, err
	}
	out := make([]kafka.PartitionOffsets, len(tm.Partitions))
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("partition %d: %w", p.Partition, p.Error)
		}
		if p.Partition < 0 || p.Partition >= len(out) {
			return nil, fmt.Errorf("offsets for unknown partition %d", p.Partition)
		}
		out[p.Partition] = p
	}
	return out, nil
}

// readPartition reads the messages of one partition in [FirstOffset, LastOffset).
// It follows the offsets the broker reports rather than counting messages, so
// gaps left by compaction or transaction markers do not stall it.
func readPartition(ctx context.Context, broker, topic string, p kafka.PartitionOffsets) ([]kafka.Message, error) {
	conn, err := (&kafka.Dialer{Timeout: timeout}).DialLeader(ctx, "tcp", broker, topic, p.Partition)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	var msgs []kafka.Message
	for offset := p.FirstOffset; offset < p.LastOffset; {
		if _, err := conn.Seek(offset, kafka.SeekAbsolute|kafka.SeekDontCheck); err != nil {
			return nil, err
		}
		batch := conn.ReadBatchWith(kafka.ReadBatchConfig{MinBytes: 1, MaxBytes: 16 << 20})
		for {
			m, err := batch.ReadMessage()
			if err != nil {
				break
			}
			if m.Offset < p.LastOffset {
				msgs = append(msgs, m)
			}
		}
		next := batch.Offset()
		if err := batch.Close(); err != nil {
			return nil, fmt.Errorf("at offset %d: %w", offset, err)
		}
		if next <= offset {
			return nil, fmt.Errorf("no progress at offset %d (high watermark %d)", offset, p.LastOffset)
		}
		offset = next
	}
	return msgs, nil
}

func deleteTopics(brokers []string, prefix string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client, done := newClient(brokers)
	defer done()
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return err
	}
	var topics []string
	for _, tm := range meta.Topics {
		if strings.HasPrefix(tm.Name, prefix) {
			topics = append(topics, tm.Name)
		}
	}
	if len(topics) == 0 {
		return nil
	}
	resp, err := client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: topics})
	if err != nil {
		return err
	}
	var errs []error
	for topic, err := range resp.Errors {
		if err != nil && !errors.Is(err, kafka.UnknownTopicOrPartition) {
			errs = append(errs, fmt.Errorf("%s: %w", topic, err))
		}
	}
	return errors.Join(errs...)
}

// newClient returns a client with a transport of its own, closed by the
// returned func. A shared transport answers metadata requests from a cache that
// lags behind topic creation and deletion, which would let ReadAll report an
// empty topic that exists.
func newClient(brokers []string) (*kafka.Client, func()) {
	tr := &kafka.Transport{}
	return &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: timeout, Transport: tr}, tr.CloseIdleConnections
}

func isTemporary(err error) bool {
	var k kafka.Error
	return errors.As(err, &k) && k.Temporary()
}
