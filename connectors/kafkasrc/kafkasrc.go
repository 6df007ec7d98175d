package kafkasrc

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/pipeline"
)

// linger is how long a batch waits for more messages once one arrived.
const linger = 50 * time.Millisecond

// Connector reads one department's topic of envelopes. Run it once at a
// time: two Runs of one connector share nothing but the consumer group.
type Connector struct {
	name string
	cfg  source.Kafka
	// kafka reaches the department's cluster.
	kafka pipeline.KafkaConfig
	deps  source.Deps
	// broker follows the department's cluster as the group reads and
	// replies, lag as the backlog is looked up, hub the intake.
	broker, lag, hub *source.Outage
	wait             source.Backoff
}

// New returns the connector c describes. hub is how the hub reaches its
// own cluster: a connector that names no brokers of its own reads there,
// with the hub's brokers and security; one that names them reaches them
// in plaintext.
func New(c source.Connector, d source.Deps, hub pipeline.KafkaConfig) (*Connector, error) {
	if c.Kafka == nil {
		return nil, fmt.Errorf("connector %s: no kafka section", c.Name)
	}
	k := *c.Kafka
	cluster := pipeline.KafkaConfig{Brokers: k.Brokers}
	if len(k.Brokers) == 0 {
		k.Brokers = hub.Brokers
		cluster = pipeline.KafkaConfig{Brokers: hub.Brokers, Security: hub.Security}
	}
	k.Group = cmp.Or(k.Group, "credex-connector-"+c.Name)
	k.Batch = cmp.Or(k.Batch, source.MaxBatch)
	switch {
	case len(k.Brokers) == 0:
		return nil, fmt.Errorf("connector %s: kafka.brokers: none given and the hub has none", c.Name)
	case k.Topic == "" || k.ReplyTopic == "":
		return nil, fmt.Errorf("connector %s: kafka: topic and reply_topic are required", c.Name)
	case k.Topic == k.ReplyTopic:
		return nil, fmt.Errorf("connector %s: kafka.reply_topic: %q is the topic read", c.Name, k.ReplyTopic)
	case k.Batch < 1 || k.Batch > source.MaxBatch:
		return nil, fmt.Errorf("connector %s: kafka.batch: %d is not between 1 and %d", c.Name, k.Batch, source.MaxBatch)
	case d.Intake == nil || d.Department == nil || d.Metrics == nil:
		return nil, fmt.Errorf("connector %s: intake, department and metrics are required", c.Name)
	}
	log := cmp.Or(d.Logger, slog.Default()).With("topic", k.Topic)
	return &Connector{
		name: c.Name, cfg: k, kafka: cluster, deps: d,
		broker: &source.Outage{Log: log, Down: "kafka topic not read or not answered; retrying, offsets not committed", Up: "kafka topic read and answered again"},
		lag:    &source.Outage{Log: log, Down: "kafka topic backlog unknown; retrying", Up: "kafka topic backlog known again"},
		hub:    &source.Outage{Log: log, Down: "hub cannot take the batch; retrying it, offsets not committed", Up: "hub takes batches again"},
	}, nil
}

// Run reads the topic until ctx ends, then returns nil. When the
// department's cluster or the hub cannot be reached it logs a warning,
// backs off and tries again, and commits nothing meanwhile. When ctx ends
// mid-batch, the batch is left uncommitted: the group reads it again.
func (c *Connector) Run(ctx context.Context) error {
	backlog, stop := context.WithCancel(ctx)
	var watching sync.WaitGroup
	watching.Go(func() { c.watchBacklog(backlog) })
	defer watching.Wait()
	defer stop()
	for {
		err := c.consume(ctx)
		if ctx.Err() != nil {
			return nil
		}
		c.broker.Failed(err)
		if !c.wait.Sleep(ctx) {
			return nil
		}
	}
}

// consume reads the topic as a member of the group until ctx ends or Kafka
// fails: a batch of messages, their submission, their replies, then their
// offsets.
func (c *Connector) consume(ctx context.Context) error {
	if err := c.ensureReplyTopic(ctx); err != nil {
		return err
	}
	r := c.kafka.GroupReader(c.cfg.Group, []string{c.cfg.Topic})
	defer r.Close()
	w := c.kafka.Writer()
	defer w.Close()
	for {
		msgs, err := c.fetch(ctx, r)
		if err != nil {
			return fmt.Errorf("read topic %s: %w", c.cfg.Topic, err)
		}
		res := c.submit(ctx, msgs)
		if res == nil {
			return ctx.Err()
		}
		out, err := replies(c.cfg.ReplyTopic, c.name, msgs, res)
		if err != nil {
			return err
		}
		if err := w.WriteMessages(ctx, out...); err != nil {
			return fmt.Errorf("write %d replies to %s: %w", len(out), c.cfg.ReplyTopic, briefly(err))
		}
		if err := r.CommitMessages(ctx, msgs...); err != nil {
			return fmt.Errorf("commit offsets of group %s: %w", c.cfg.Group, err)
		}
		c.broker.Ended()
		c.wait.Reset()
		c.deps.Metrics.Succeeded(c.name, time.Now())
	}
}

// fetch blocks for the first message, then gathers what else arrives within
// linger, up to a batch or source.MaxBatchBytes of values.
func (c *Connector) fetch(ctx context.Context, r *kafka.Reader) ([]kafka.Message, error) {
	first, err := r.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	msgs, size := []kafka.Message{first}, len(first.Value)
	lingerCtx, cancel := context.WithTimeout(ctx, linger)
	defer cancel()
	for len(msgs) < c.cfg.Batch && size < source.MaxBatchBytes {
		m, err := r.FetchMessage(lingerCtx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			break
		}
		msgs, size = append(msgs, m), size+len(m.Value)
	}
	return msgs, nil
}

// submit hands the envelopes of msgs to the intake until it answers with a
// settled result, backing off between tries; nil once ctx ended.
func (c *Connector) submit(ctx context.Context, msgs []kafka.Message) *intake.Result {
	b := intake.Batch{Department: c.deps.Department, Connector: c.name, Envelopes: make([]json.RawMessage, len(msgs))}
	for i, m := range msgs {
		b.Envelopes[i] = m.Value
	}
	var wait source.Backoff
	for {
		res, err := c.deps.Intake.Submit(ctx, b)
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case err != nil:
			c.hub.Failed(err)
		case !res.Settled():
			c.hub.Failed(fmt.Errorf("%d of %d records not yet confirmed by the hub's Kafka", res.Pending, len(msgs)))
		default:
			c.hub.Ended()
			return res
		}
		if !wait.Sleep(ctx) {
			return nil
		}
	}
}

// ensureReplyTopic creates the reply topic when it is missing, with the
// partitions and replication factor of the topic read. A reply topic that
// exists is left as it is, so a hub allowed only to write to it works.
func (c *Connector) ensureReplyTopic(ctx context.Context) error {
	client := c.kafka.Client()
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{c.cfg.Topic, c.cfg.ReplyTopic}})
	if err != nil {
		return fmt.Errorf("metadata of topics %s and %s: %w", c.cfg.Topic, c.cfg.ReplyTopic, err)
	}
	var read *kafka.Topic
	for i, t := range meta.Topics {
		switch {
		case t.Name == c.cfg.ReplyTopic && t.Error == nil && len(t.Partitions) > 0:
			return nil
		case t.Name == c.cfg.Topic:
			read = &meta.Topics[i]
		}
	}
	switch {
	case read == nil:
		return fmt.Errorf("topic %s: not in the cluster's metadata", c.cfg.Topic)
	case read.Error != nil:
		return fmt.Errorf("topic %s: %w", c.cfg.Topic, read.Error)
	case len(read.Partitions) == 0:
		return fmt.Errorf("topic %s: no partitions", c.cfg.Topic)
	}
	cfg := c.kafka
	cfg.Partitions, cfg.ReplicationFactor = len(read.Partitions), len(read.Partitions[0].Replicas)
	return pipeline.EnsureTopics(ctx, cfg, c.cfg.ReplyTopic)
}

// watchBacklog sets the backlog, the messages of the topic the group has
// not committed, every 2s until ctx ends.
func (c *Connector) watchBacklog(ctx context.Context) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		lag, err := pipeline.GroupLag(ctx, c.kafka, c.cfg.Group, []string{c.cfg.Topic})
		switch {
		case err == nil:
			c.deps.Metrics.Backlog(c.name, int(lag))
			c.lag.Ended()
		case ctx.Err() == nil:
			c.lag.Failed(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// briefly shortens the errors of a write, one per message, to the first
// and a count.
func briefly(err error) error {
	var each kafka.WriteErrors
	if !errors.As(err, &each) {
		return err
	}
	var first error
	for _, e := range each {
		if e != nil && first == nil {
			first = e
		}
	}
	return fmt.Errorf("%d of %d messages not written, the first: %w", each.Count(), len(each), first)
}
