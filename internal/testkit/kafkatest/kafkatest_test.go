package kafkatest_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/wait"
)

func TestReadAllSeesEveryAcknowledgedMessage(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	topic := kafkatest.Prefix(t) + "records"
	kafkatest.CreateTopic(t, brokers, topic, 3)

	if got := kafkatest.ReadAll(t, brokers, topic); len(got) != 0 {
		t.Fatalf("new topic: ReadAll returned %d messages, want 0", len(got))
	}

	w := &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: time.Millisecond,
	}
	defer w.Close()
	want := map[string]string{}
	var msgs []kafka.Message
	for i := range 30 {
		k, v := fmt.Sprintf("subject-%d", i%7), fmt.Sprintf("record-%d", i)
		want[v] = k
		msgs = append(msgs, kafka.Message{Key: []byte(k), Value: []byte(v)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}

	got := kafkatest.ReadAll(t, brokers, topic)
	if len(got) != len(want) {
		t.Fatalf("ReadAll returned %d messages, want %d", len(got), len(want))
	}
	partitions := map[int]bool{}
	last := map[int]int64{}
	for _, m := range got {
		if k, ok := want[string(m.Value)]; !ok || k != string(m.Key) {
			t.Errorf("unexpected message %s=%s", m.Key, m.Value)
		}
		delete(want, string(m.Value))
		if off, seen := last[m.Partition]; seen && m.Offset <= off {
			t.Errorf("partition %d: offset %d after %d", m.Partition, m.Offset, off)
		}
		last[m.Partition] = m.Offset
		partitions[m.Partition] = true
	}
	if len(partitions) < 2 {
		t.Errorf("messages landed in %d partition(s); the test wants several", len(partitions))
	}

	// A second read sees the same messages: nothing is consumed.
	if again := kafkatest.ReadAll(t, brokers, topic); len(again) != len(got) {
		t.Errorf("second ReadAll returned %d messages, want %d", len(again), len(got))
	}
}

func TestReadAllOfMissingTopicIsEmptyUntilCreated(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	topic := kafkatest.Prefix(t) + "late"
	if got := kafkatest.ReadAll(t, brokers, topic); len(got) != 0 {
		t.Fatalf("ReadAll of a missing topic returned %d messages", len(got))
	}

	// Created behind ReadAll's back, as the code under test would: ReadAll must
	// not answer from what it learnt before.
	kafkatest.CreateTopic(t, brokers, topic, 1)
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, RequiredAcks: kafka.RequireAll}
	defer w.Close()
	if err := w.WriteMessages(context.Background(), kafka.Message{Value: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if got := kafkatest.ReadAll(t, brokers, topic); len(got) != 1 {
		t.Errorf("ReadAll after the topic was created returned %d messages, want 1", len(got))
	}
}

func TestPrefixIsUniqueAndValid(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 20 {
		p := kafkatest.Prefix(t)
		if seen[p] {
			t.Fatalf("Prefix repeated %q", p)
		}
		seen[p] = true
		if strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" || !strings.HasSuffix(p, ".") {
			t.Errorf("Prefix %q: want [a-zA-Z0-9._-] ending in a dot", p)
		}
	}
}

func TestPrefixDeletesTopicsAtCleanup(t *testing.T) {
	t.Parallel()
	brokers := kafkatest.Brokers(t)
	var topic string
	t.Run("inner", func(t *testing.T) {
		topic = kafkatest.Prefix(t) + "gone"
		kafkatest.CreateTopic(t, brokers, topic, 1)
	})

	conn, err := kafka.Dial("tcp", brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The broker deletes topics in the background: give it a few seconds.
	wait.ForNoError(t, 10*time.Second, "topic "+topic+" to be deleted after its test ended", func() error {
		partitions, err := conn.ReadPartitions(topic)
		if errors.Is(err, kafka.UnknownTopicOrPartition) {
			return nil
		}
		return fmt.Errorf("%d partitions, error %v", len(partitions), err)
	})
}

func TestBrokersFailsWithoutKafka(t *testing.T) {
	t.Setenv(kafkatest.EnvBrokers, "")
	tb := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		kafkatest.Brokers(tb)
	}()
	<-done
	if !strings.Contains(tb.fatal, "deploy/local/test.sh") {
		t.Errorf("Brokers without %s: fatal message %q, want one naming deploy/local/test.sh", kafkatest.EnvBrokers, tb.fatal)
	}
}

// recorder captures a Fatalf instead of failing the real test.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
