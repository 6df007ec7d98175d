package devkafka

import (
	"context"
	"errors"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

type bundle struct {
	ctx    context.Context
	addr   string
	client *kafka.Client
}

// setup starts a broker for one test and creates topics a (3 partitions)
// and b (2 partitions) on it.
func setup(t *testing.T, cfg Config) bundle {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	broker, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(broker.Close)
	bn := bundle{ctx: ctx, addr: broker.Addrs()[0]}
	bn.client = &kafka.Client{Addr: kafka.TCP(bn.addr)}
	createTopics(t, bn)
	return bn
}

func createTopics(t *testing.T, bn bundle) {
	t.Helper()
	resp, err := bn.client.CreateTopics(bn.ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{
		{Topic: "a", NumPartitions: 3, ReplicationFactor: 1},
		{Topic: "b", NumPartitions: 2, ReplicationFactor: 1},
	}})
	if err != nil {
		t.Fatalf("CreateTopics: %v", err)
	}
	for topic, err := range resp.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			t.Fatalf("create topic %s: %v", topic, err)
		}
	}
}

// The hub's writer: synchronous, RequireAll, hashed keys, short batches,
// the topic on each message.
func write(t *testing.T, bn bundle, msgs ...kafka.Message) {
	t.Helper()
	w := &kafka.Writer{
		Addr:         kafka.TCP(bn.addr),
		RequiredAcks: kafka.RequireAll,
		Balancer:     &kafka.Hash{},
		BatchTimeout: 5 * time.Millisecond,
	}
	defer w.Close()
	if err := w.WriteMessages(bn.ctx, msgs...); err != nil {
		t.Fatalf("WriteMessages: %v", err)
	}
}

// The hub's consumer: a group over several topics. MaxBytes must be set
// along with MinBytes, or kafka-go's NewReader panics.
func newReader(bn bundle) *kafka.Reader {
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:     []string{bn.addr},
		GroupID:     "hub",
		GroupTopics: []string{"a", "b"},
		MinBytes:    1,
		MaxBytes:    1 << 20,
		MaxWait:     100 * time.Millisecond,
		StartOffset: kafka.FirstOffset,
	})
}

// fetch reads n messages, or fails the test.
func fetch(t *testing.T, bn bundle, r *kafka.Reader, n int) []kafka.Message {
	t.Helper()
	var got []kafka.Message
	for range n {
		m, err := r.FetchMessage(bn.ctx)
		if err != nil {
			t.Fatalf("FetchMessage: %v", err)
		}
		got = append(got, m)
	}
	return got
}

// fetchNone fails the test if r delivers anything within a second.
func fetchNone(t *testing.T, bn bundle, r *kafka.Reader) {
	t.Helper()
	ctx, cancel := context.WithTimeout(bn.ctx, time.Second)
	defer cancel()
	if m, err := r.FetchMessage(ctx); err == nil {
		t.Fatalf("FetchMessage delivered %s/%d@%d %q, want nothing", m.Topic, m.Partition, m.Offset, m.Key)
	}
}

func keys(msgs []kafka.Message) []string {
	var ks []string
	for _, m := range msgs {
		ks = append(ks, string(m.Key))
	}
	slices.Sort(ks)
	return ks
}

func TestStartListensOnLoopback(t *testing.T) {
	t.Parallel()
	bn := setup(t, Config{})

	md, err := bn.client.Metadata(bn.ctx, &kafka.MetadataRequest{})
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	if len(md.Brokers) != 1 || md.Brokers[0].Host != "127.0.0.1" {
		t.Errorf("brokers = %+v, want one on 127.0.0.1", md.Brokers)
	}

	conn, err := kafka.DialContext(bn.ctx, "tcp", bn.addr)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions()
	if err != nil {
		t.Fatalf("ReadPartitions: %v", err)
	}
	if len(parts) != 5 {
		t.Errorf("ReadPartitions found %d partitions, want 5", len(parts))
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, port := range []int{-1, 65536} {
		if _, err := Start(context.Background(), Config{Port: port}); err == nil {
			t.Errorf("Start with port %d succeeded, want an error", port)
		}
	}
}

func TestCreateTopics(t *testing.T) {
	t.Parallel()
	bn := setup(t, Config{})

	resp, err := bn.client.CreateTopics(bn.ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{
		{Topic: "a", NumPartitions: 3, ReplicationFactor: 1},
		{Topic: "c", NumPartitions: 3, ReplicationFactor: 3},
	}})
	if err != nil {
		t.Fatalf("CreateTopics: %v", err)
	}
	if !errors.Is(resp.Errors["a"], kafka.TopicAlreadyExists) {
		t.Errorf("re-creating a: %v, want TopicAlreadyExists", resp.Errors["a"])
	}
	if !errors.Is(resp.Errors["c"], kafka.InvalidReplicationFactor) {
		t.Errorf("creating c with replication factor 3: %v, want InvalidReplicationFactor", resp.Errors["c"])
	}

	md, err := bn.client.Metadata(bn.ctx, &kafka.MetadataRequest{Topics: []string{"a", "b"}})
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	got := map[string]int{}
	for _, topic := range md.Topics {
		got[topic.Name] = len(topic.Partitions)
	}
	if got["a"] != 3 || got["b"] != 2 {
		t.Errorf("partitions = %v, want a:3 b:2", got)
	}
}

func TestWriteToMissingTopicFails(t *testing.T) {
	t.Parallel()
	bn := setup(t, Config{})

	w := &kafka.Writer{Addr: kafka.TCP(bn.addr), RequiredAcks: kafka.RequireAll, BatchTimeout: 5 * time.Millisecond}
	defer w.Close()
	err := w.WriteMessages(bn.ctx, kafka.Message{Topic: "missing", Value: []byte("x")})
	if !errors.Is(err, kafka.UnknownTopicOrPartition) {
		t.Errorf("WriteMessages to a missing topic: %v, want UnknownTopicOrPartition", err)
	}
}

func TestWriteThenFetchAcrossTopics(t *testing.T) {
	t.Parallel()
	bn := setup(t, Config{})

	write(t, bn,
		kafka.Message{Topic: "a", Key: []byte("k1"), Value: []byte("v1"), Headers: []kafka.Header{{Key: "type", Value: []byte("t1")}}},
		kafka.Message{Topic: "b", Key: []byte("k2"), Value: []byte("v2")},
		kafka.Message{Topic: "a", Key: []byte("k3"), Value: []byte("v3")},
	)

	r := newReader(bn)
	defer r.Close()
	got := fetch(t, bn, r, 3)
	if ks := keys(got); !slices.Equal(ks, []string{"k1", "k2", "k3"}) {
		t.Errorf("fetched keys %v, want k1 k2 k3", ks)
	}
	for _, m := range got {
		if string(m.Key) != "k1" {
			continue
		}
		if m.Topic != "a" || string(m.Value) != "v1" || len(m.Headers) != 1 || string(m.Headers[0].Value) != "t1" {
			t.Errorf("k1 arrived as %s %q %v, want a v1 with header type=t1", m.Topic, m.Value, m.Headers)
		}
	}
}

func TestGroupResumesAfterCommit(t *testing.T) {
	t.Parallel()
	bn := setup(t, Config{})
	// One key per topic, so that each message is alone on its partition.
	write(t, bn,
		kafka.Message{Topic: "a", Key: []byte("committed"), Value: []byte("1")},
		kafka.Message{Topic: "b", Key: []byte("uncommitted"), Value: []byte("2")},
	)

	r := newReader(bn)
	for _, m := range fetch(t, bn, r, 2) {
		if m.Topic == "a" {
			if err := r.CommitMessages(bn.ctx, m); err != nil {
				t.Fatalf("CommitMessages: %v", err)
			}
		}
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	r = newReader(bn)
	defer r.Close()
	if ks := keys(fetch(t, bn, r, 1)); !slices.Equal(ks, []string{"uncommitted"}) {
		t.Errorf("after rejoining the group got %v, want only the uncommitted message", ks)
	}
	fetchNone(t, bn, r)
}

func TestStatePersistsInDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	broker, err := Start(ctx, Config{Dir: dir})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	bn := bundle{ctx: ctx, addr: broker.Addrs()[0]}
	bn.client = &kafka.Client{Addr: kafka.TCP(bn.addr)}
	createTopics(t, bn)
	write(t, bn,
		kafka.Message{Topic: "a", Key: []byte("committed"), Value: []byte("1")},
		kafka.Message{Topic: "b", Key: []byte("uncommitted"), Value: []byte("2")},
	)
	r := newReader(bn)
	for _, m := range fetch(t, bn, r, 2) {
		if m.Topic == "a" {
			if err := r.CommitMessages(bn.ctx, m); err != nil {
				t.Fatalf("CommitMessages: %v", err)
			}
		}
	}
	r.Close()

	if other, err := Start(ctx, Config{Dir: dir}); err == nil {
		other.Close()
		t.Fatal("a second broker started on a state dir in use")
	}
	broker.Close()
	broker.Close()

	bn = setup(t, Config{Dir: dir})
	r = newReader(bn)
	defer r.Close()
	if ks := keys(fetch(t, bn, r, 1)); !slices.Equal(ks, []string{"uncommitted"}) {
		t.Errorf("after a restart got %v, want only the uncommitted message", ks)
	}
	fetchNone(t, bn, r)
}

func TestStartOnGivenPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	bn := setup(t, Config{Port: port})
	if want := net.JoinHostPort("127.0.0.1", strconv.Itoa(port)); bn.addr != want {
		t.Errorf("Addrs()[0] = %s, want %s", bn.addr, want)
	}
}
