package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/connectors/kafkasrc"
	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/internal/testkit/kafkatest"
)

// kafkaDoor is the market regulator's own topic of envelopes, read by a
// Kafka connector that answers on the department's reply topic.
type kafkaDoor struct {
	b *bundle
	// brokers reach the department's side of the hub's cluster, in
	// plaintext, whatever security the hub uses.
	brokers []string
	// topic and replies are the department's topics.
	topic, replies string
	connector      source.Connector
	writer         *kafka.Writer
	// stop stops the running connector and waits until it returned.
	stop func()
}

// newKafkaDoor creates the department's topic, with three partitions, and
// starts its connector, configured as a connectors file would.
func newKafkaDoor(t *testing.T, b *bundle) door {
	t.Helper()
	return startKafkaDoor(t, b)
}

func startKafkaDoor(t *testing.T, b *bundle) *kafkaDoor {
	t.Helper()
	prefix := kafkatest.Prefix(t)
	d := &kafkaDoor{b: b, brokers: kafkatest.Brokers(t), topic: prefix + "market.envelopes", replies: prefix + "market.receipts"}
	kafkatest.CreateTopic(t, d.brokers, d.topic, 3)
	file, err := source.Parse(fmt.Appendf(nil, `
connectors:
  - name: market-topic
    department: market
    kafka:
      topic: %s
      reply_topic: %s
      group: %scredex-connector-market-topic
`, d.topic, d.replies, prefix), func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	d.connector = file.Connectors[0]
	d.writer = &kafka.Writer{Addr: kafka.TCP(d.brokers...), Topic: d.topic, RequiredAcks: kafka.RequireAll,
		Balancer: &kafka.Murmur2Balancer{}, BatchTimeout: 5 * time.Millisecond, BatchSize: 500}
	t.Cleanup(func() { d.writer.Close() })
	d.start(t)
	t.Cleanup(func() { d.stop() })
	return d
}

// start runs the connector until stop.
func (d *kafkaDoor) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, err := d.b.hub.Connector(ctx, d.connector)
	if err != nil {
		cancel()
		t.Fatalf("connector: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(ctx); err != nil {
			t.Errorf("connector stopped: %v", err)
		}
	}()
	d.stop = func() {
		cancel()
		<-done
	}
}

// send publishes each envelope as one message keyed by its source_id.
func (d *kafkaDoor) send(t *testing.T, envelopes []map[string]any) {
	t.Helper()
	msgs := make([]kafka.Message, len(envelopes))
	for i, e := range envelopes {
		v, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = kafka.Message{Value: v}
		if id, ok := e["source_id"].(string); ok {
			msgs[i].Key = []byte(id)
		}
	}
	d.sendRaw(t, msgs...)
}

// sendRaw publishes msgs as they are.
func (d *kafkaDoor) sendRaw(t *testing.T, msgs ...kafka.Message) {
	t.Helper()
	if err := d.writer.WriteMessages(context.Background(), msgs...); err != nil {
		t.Fatalf("publish %d envelopes: %v", len(msgs), err)
	}
}

// replyList returns every reply on the reply topic, ordered by partition
// and offset; an envelope's replies share its key, so its partition.
func (d *kafkaDoor) replyList(t *testing.T) []kafkasrc.Reply {
	t.Helper()
	var out []kafkasrc.Reply
	for _, m := range kafkatest.ReadAll(t, d.brokers, d.replies) {
		var r kafkasrc.Reply
		if err := json.Unmarshal(m.Value, &r); err != nil {
			t.Fatalf("reply at %d/%d is not JSON: %v", m.Partition, m.Offset, err)
		}
		out = append(out, r)
	}
	return out
}

func (d *kafkaDoor) receipts(t *testing.T) map[string]doorReceipt {
	t.Helper()
	got := map[string]doorReceipt{}
	for _, r := range d.replyList(t) {
		if r.SourceID == "" {
			continue
		}
		rc := doorReceipt{status: r.Status, recordID: r.RecordID, version: r.Version}
		for _, e := range r.Errors {
			rc.codes = append(rc.codes, e.Code)
		}
		got[r.SourceID] = rc
	}
	return got
}

// restart cancels the connector, whatever batch it is at, and starts it
// again: it resumes from the offsets its group committed.
func (d *kafkaDoor) restart(t *testing.T) {
	t.Helper()
	d.stop()
	d.start(t)
}
