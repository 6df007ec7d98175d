package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/store"
	"github.com/credex/credex/subscription"
)

// Kafka delivers an event to the subscription's own topic
// (pipeline.Topics.Delivery), keyed by the agency's pseudonym of the person
// (Event.Subject) so that the events about one person stay in order; the
// agency reads it with a consumer group of its own.
type Kafka struct {
	Config   pipeline.KafkaConfig
	Producer *pipeline.Producer

	mu      sync.Mutex
	created map[string]bool // topics known to exist
}

var _ Transport = (*Kafka)(nil)

// Mode is "kafka".
func (*Kafka) Mode() string { return "kafka" }

// Deliver publishes e and waits for Kafka's acknowledgement. The calls
// under way at once (a subscription's InFlight events, and other
// subscriptions') go to Kafka together, several messages a write: the
// producer batches concurrent writes.
func (t *Kafka) Deliver(ctx context.Context, sub *store.Subscription, e subscription.Event) (Outcome, int, error) {
	topic := t.Config.Topics.Delivery(sub.ID)
	if err := t.ensure(ctx, topic); err != nil {
		return Outcome{}, 0, err
	}
	value, err := json.Marshal(e)
	if err != nil {
		return Outcome{}, 0, fmt.Errorf("encode event: %w", err)
	}
	msg := kafka.Message{Topic: topic, Key: []byte(e.Subject), Value: value,
		Headers: []kafka.Header{{Key: "credex-event-id", Value: []byte(e.ID)}}}
	if err := t.Producer.Publish(ctx, msg); err != nil {
		return Outcome{}, 0, err
	}
	return Outcome{Verdict: Delivered}, 0, nil
}

func (t *Kafka) ensure(ctx context.Context, topic string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.created[topic] {
		return nil
	}
	if err := pipeline.EnsureTopics(ctx, t.Config, topic); err != nil {
		return err
	}
	if t.created == nil {
		t.created = map[string]bool{}
	}
	t.created[topic] = true
	return nil
}
