package pipeline

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/wait"
)

// A sink that consumed everything reports no lag, though most partitions
// of its topic never held a message.
func TestLagIsZeroWhenCaughtUp(t *testing.T) {
	t.Parallel()
	cfg := KafkaConfig{Brokers: kafkatest.Brokers(t), Topics: Topics{Prefix: kafkatest.Prefix(t)}}
	topic := cfg.Topics.Record("administrative_penalty")
	kafkatest.CreateTopic(t, cfg.Brokers, topic, 6)
	producer := NewProducer(cfg, prometheus.NewRegistry())
	defer producer.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 3 { // one key: one partition of six
		if err := producer.Publish(ctx, kafka.Message{Topic: topic, Key: []byte("one person"), Value: []byte{byte('a' + i)}}); err != nil {
			t.Fatal(err)
		}
	}

	var handled atomic.Int64
	c := NewConsumer(ConsumerConfig{Kafka: cfg, Group: cfg.Topics.Group("dbsink")},
		HandlerFunc(func(_ context.Context, batch []kafka.Message) ([]DeadLetter, error) {
			handled.Add(int64(len(batch)))
			return nil, nil
		}), producer, prometheus.NewRegistry())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, []string{topic}) }()

	wait.For(t, 60*time.Second, "the sink handled the 3 messages", func() bool { return handled.Load() == 3 })
	wait.For(t, 30*time.Second, "credex_sink_lag_messages reads 0", func() bool { return testutil.ToFloat64(c.m.lag) == 0 })
	lag, err := GroupLag(ctx, cfg, cfg.Topics.Group("dbsink"), []string{topic})
	if err != nil || lag != 0 {
		t.Errorf("GroupLag = %d, %v; want 0", lag, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
