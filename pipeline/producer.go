package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/record"
)

// Producer writes messages to Kafka and returns only once every broker in
// sync acknowledged them (acks=all). It is safe for concurrent use; writes
// from concurrent callers are batched together.
type Producer struct {
	w       *kafka.Writer
	latency prometheus.Histogram
}

// NewProducer returns a producer for cfg. Metrics go to reg.
func NewProducer(cfg KafkaConfig, reg prometheus.Registerer) *Producer {
	latency := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "credex_produce_seconds",
		Help:    "Time from handing a batch of messages to Kafka until all were acknowledged by every in-sync replica.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
	reg.MustRegister(latency)
	return &Producer{
		w:       cfg.Writer(),
		latency: latency,
	}
}

// Writer returns a writer that answers only once every broker in sync
// acknowledged a write (acks=all), without the default second of batching
// latency, and that never creates topics. Messages name their topic.
func (c KafkaConfig) Writer() *kafka.Writer {
	return &kafka.Writer{
		Addr:         kafka.TCP(c.Brokers...),
		Transport:    c.transport(),
		RequiredAcks: kafka.RequireAll, // the zero value means no acks at all
		Balancer:     &kafka.Murmur2Balancer{},
		BatchTimeout: 2 * time.Millisecond, // the default of 1s would stall every receipt
		BatchSize:    1000,
		// A partition can refuse writes for a moment after it was created
		// or moved ("not leader"): retry for a few seconds before failing.
		MaxAttempts:            10,
		WriteBackoffMin:        50 * time.Millisecond,
		WriteBackoffMax:        time.Second,
		WriteTimeout:           c.timeout(),
		ReadTimeout:            c.timeout(),
		AllowAutoTopicCreation: false,
	}
}

// Publish writes msgs, each naming its topic, and waits for their
// acknowledgement. A nil error means every message is durably in Kafka; an
// error means some may be and some may not: callers must treat none as safe.
func (p *Producer) Publish(ctx context.Context, msgs ...kafka.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	start := time.Now()
	if err := p.w.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("publish %d messages: %w", len(msgs), err)
	}
	p.latency.Observe(time.Since(start).Seconds())
	return nil
}

// Close flushes and closes the underlying writer.
func (p *Producer) Close() error { return p.w.Close() }

// Message encodes r as the Kafka message of its record topic, keyed by subject.
func (topics Topics) Message(r *record.Record) (kafka.Message, error) {
	value, err := json.Marshal(r)
	if err != nil {
		return kafka.Message{}, fmt.Errorf("encode record %s: %w", r.ID, err)
	}
	return topics.RecordMessage(r.Type, r.SubjectKey, r.ID, r.Version, value), nil
}

// RecordMessage is the message of version of record id, of recordType about
// the subject subjectKey, whose encoded record is value.
func (topics Topics) RecordMessage(recordType, subjectKey, id string, version int, value []byte) kafka.Message {
	return kafka.Message{
		Topic: topics.Record(recordType),
		Key:   []byte(subjectKey),
		Value: value,
		Headers: []kafka.Header{
			{Key: "credex-record-id", Value: []byte(id)},
			{Key: "credex-version", Value: fmt.Appendf(nil, "%d", version)},
		},
	}
}
