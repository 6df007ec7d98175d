package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// Handler processes a batch of messages fetched from Kafka, in partition
// order. It returns the messages it can never process, each with the reason
// (they go to the dead-letter topic), or an error when the whole batch should
// be retried later (for instance the database is down). Handle must be
// idempotent: after a crash the same messages are handed over again.
type Handler interface {
	Handle(ctx context.Context, batch []kafka.Message) ([]DeadLetter, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, batch []kafka.Message) ([]DeadLetter, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, batch []kafka.Message) ([]DeadLetter, error) {
	return f(ctx, batch)
}

// DeadLetter is a message that can never be processed, and why.
type DeadLetter struct {
	Message kafka.Message
	Reason  error
}

// ConsumerConfig configures a consumer group loop.
type ConsumerConfig struct {
	Kafka KafkaConfig
	// Group names the consumer group (see Topics.Group).
	Group string
	// MaxBatch bounds how many messages one Handle call gets; default 500.
	MaxBatch int
	// Linger is how long to wait for more messages once one arrived; default 5ms.
	Linger time.Duration
	// Partitions is how many partitions' messages of a batch are handled at
	// once, each partition's in its order, by calls to the handler of their
	// own; default 1 (one call a batch). Above 1 the handler must be safe for
	// concurrent use.
	Partitions int
	// Logger receives retries and dead letters; default slog.Default().
	Logger *slog.Logger
}

// Consumer reads a consumer group and hands batches to a Handler. Offsets are
// committed only after Handle returned and the dead letters were written, so
// a crash at any point redelivers rather than loses.
type Consumer struct {
	cfg     ConsumerConfig
	handler Handler
	dlq     *Producer
	reader  *kafka.Reader
	m       consumerMetrics
	// processed counts the batches committed; Run's goroutine alone
	// touches it.
	processed int
	// consume and sleep are readGroup and sleepCtx but in tests.
	consume func(ctx context.Context, topics []string) error
	sleep   func(ctx context.Context, d time.Duration) bool
}

type consumerMetrics struct {
	batchSeconds prometheus.Histogram
	retries      prometheus.Counter
	deadLetters  prometheus.Counter
	lag          prometheus.Gauge
}

// NewConsumer returns a consumer that feeds handler. dlq writes the dead
// letters. Metrics go to reg, labelled with the group.
func NewConsumer(cfg ConsumerConfig, handler Handler, dlq *Producer, reg prometheus.Registerer) *Consumer {
	labels := prometheus.Labels{"group": cfg.Group}
	m := consumerMetrics{
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "credex_sink_batch_seconds", ConstLabels: labels,
			Help:    "Time a sink took to process one fetched batch, including retries.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credex_sink_retries_total", ConstLabels: labels,
			Help: "Batches a sink retried after a transient failure, and rejoins of its group after the group failed.",
		}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credex_sink_dead_letters_total", ConstLabels: labels,
			Help: "Messages a sink could never process and sent to the dead-letter topic.",
		}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "credex_sink_lag_messages", ConstLabels: labels,
			Help: "Messages in the sink's topics not yet committed by its consumer group.",
		}),
	}
	reg.MustRegister(m.batchSeconds, m.retries, m.deadLetters, m.lag)
	c := &Consumer{cfg: cfg, handler: handler, dlq: dlq, m: m, sleep: sleepCtx}
	c.consume = c.readGroup
	return c
}

// Run consumes topics until ctx is cancelled, and then returns nil; it may
// then be called again (with other topics, say). When the group cannot be
// read for a while (a broker restarting, the group coordinator not ready
// yet) it logs, waits and joins again: a sink outlives Kafka's hiccups. The
// waits double from 0.5s up to 30s, and start again from 0.5s once a batch
// was processed.
// Messages handled but not yet committed when ctx is cancelled or the group
// is rejoined are delivered again to the next member of the group.
func (c *Consumer) Run(ctx context.Context, topics []string) error {
	lagCtx, stopLag := context.WithCancel(ctx)
	defer stopLag()
	go c.watchLag(lagCtx, topics)

	var backoff time.Duration
	for {
		processed := c.processed
		err := c.consume(ctx, topics)
		if ctx.Err() != nil {
			return nil
		}
		if c.processed != processed {
			backoff = 0
		}
		backoff = min(max(2*backoff, 500*time.Millisecond), 30*time.Second)
		c.m.retries.Inc()
		cmp.Or(c.cfg.Logger, slog.Default()).Warn("consumer group failed, joining again",
			"group", c.cfg.Group, "retry_in", backoff, "err", err)
		if !c.sleep(ctx, backoff) {
			return nil
		}
	}
}

// sleepCtx waits for d; false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// readGroup reads the group with a reader of its own until ctx ends or the
// group fails. The next batch is fetched while the last is processed.
func (c *Consumer) readGroup(ctx context.Context, topics []string) error {
	c.reader = c.cfg.Kafka.GroupReader(c.cfg.Group, topics)
	defer c.reader.Close()
	fetchCtx, stop := context.WithCancel(ctx)
	batches, fetchErr := make(chan []kafka.Message, 1), make(chan error, 1)
	go func() {
		defer close(batches)
		for {
			batch, err := c.fetch(fetchCtx)
			if err == nil {
				select {
				case batches <- batch:
					continue
				case <-fetchCtx.Done():
					err = fetchCtx.Err()
				}
			}
			fetchErr <- err
			return
		}
	}()
	defer func() {
		stop()
		for range batches { // until the fetcher is gone, before the reader closes
		}
	}()
	for batch := range batches {
		if err := c.process(ctx, batch); err != nil {
			return err
		}
	}
	return fmt.Errorf("fetch from group %s: %w", c.cfg.Group, <-fetchErr)
}

// GroupReader returns a reader of topics as a member of group, starting at
// the first offset where the group committed none. It commits nothing by
// itself: read with FetchMessage and commit with CommitMessages once what was
// read is safe. A member that stops without leaving is replaced within 6s.
func (c KafkaConfig) GroupReader(group string, topics []string) *kafka.Reader {
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:        c.Brokers,
		Dialer:         c.dialer(),
		GroupID:        group,
		GroupTopics:    topics,
		MinBytes:       1,
		MaxBytes:       10 << 20,
		MaxWait:        250 * time.Millisecond,
		StartOffset:    kafka.FirstOffset,
		CommitInterval: 0, // commit synchronously, when told
		// A killed member is noticed within SessionTimeout, and a rebalance
		// waits RebalanceTimeout at most for members to join again: both
		// at the broker's least (group.min.session.timeout.ms), so a
		// restarted hub takes its partitions back within seconds. Close
		// leaves the group at once.
		SessionTimeout:    6 * time.Second,
		HeartbeatInterval: time.Second,
		RebalanceTimeout:  6 * time.Second,
		JoinGroupBackoff:  500 * time.Millisecond,
	})
}

// fetch blocks for the first message, then gathers what else arrives within
// the linger time, up to MaxBatch.
func (c *Consumer) fetch(ctx context.Context) ([]kafka.Message, error) {
	first, err := c.reader.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	batch := []kafka.Message{first}
	lingerCtx, cancel := context.WithTimeout(ctx, cmp.Or(c.cfg.Linger, 5*time.Millisecond))
	defer cancel()
	for len(batch) < cmp.Or(c.cfg.MaxBatch, 500) {
		m, err := c.reader.FetchMessage(lingerCtx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			break // linger over
		}
		batch = append(batch, m)
	}
	return batch, nil
}

// process hands batch to the handler until it succeeds, writes its dead
// letters, then commits the batch's offsets.
func (c *Consumer) process(ctx context.Context, batch []kafka.Message) error {
	start := time.Now()
	parts := c.split(batch)
	dead := make([][]DeadLetter, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() { dead[i], errs[i] = c.handle(ctx, part) })
	}
	wg.Wait()
	for i := range parts {
		if errs[i] != nil {
			return errs[i]
		}
		if err := c.deadLetter(ctx, dead[i]); err != nil {
			return err
		}
	}
	c.m.batchSeconds.Observe(time.Since(start).Seconds())
	if err := c.reader.CommitMessages(ctx, batch...); err != nil {
		return fmt.Errorf("commit offsets of group %s: %w", c.cfg.Group, err)
	}
	c.processed++
	return nil
}

// split divides batch into at most Partitions parts, each partition's
// messages in one part in their order.
func (c *Consumer) split(batch []kafka.Message) [][]kafka.Message {
	n := max(c.cfg.Partitions, 1)
	if n == 1 {
		return [][]kafka.Message{batch}
	}
	type partition struct {
		topic string
		id    int
	}
	part := map[partition]int{}
	var parts [][]kafka.Message
	for _, m := range batch {
		p := partition{m.Topic, m.Partition}
		i, ok := part[p]
		if !ok {
			i = len(part) % n
			part[p] = i
			if i == len(parts) {
				parts = append(parts, nil)
			}
		}
		parts[i] = append(parts[i], m)
	}
	return parts
}

// handle hands msgs to the handler until it succeeds or ctx ends.
func (c *Consumer) handle(ctx context.Context, msgs []kafka.Message) ([]DeadLetter, error) {
	backoff := 100 * time.Millisecond
	for {
		dead, err := c.handler.Handle(ctx, msgs)
		if err == nil {
			return dead, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		c.m.retries.Inc()
		cmp.Or(c.cfg.Logger, slog.Default()).Warn("sink batch failed, retrying", "group", c.cfg.Group, "messages", len(msgs), "retry_in", backoff, "err", err)
		if !sleepCtx(ctx, backoff) {
			return nil, ctx.Err()
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (c *Consumer) deadLetter(ctx context.Context, dead []DeadLetter) error {
	if len(dead) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, len(dead))
	for i, d := range dead {
		msgs[i] = kafka.Message{
			Topic: c.cfg.Kafka.Topics.DeadLetter(),
			Key:   d.Message.Key,
			Value: d.Message.Value,
			Headers: append(append([]kafka.Header(nil), d.Message.Headers...),
				kafka.Header{Key: "credex-dead-reason", Value: []byte(d.Reason.Error())},
				kafka.Header{Key: "credex-dead-source", Value: fmt.Appendf(nil, "%s/%d/%d", d.Message.Topic, d.Message.Partition, d.Message.Offset)},
			),
		}
		cmp.Or(c.cfg.Logger, slog.Default()).Error("sink sent a message to the dead-letter topic",
			"group", c.cfg.Group, "topic", d.Message.Topic, "partition", d.Message.Partition, "offset", d.Message.Offset, "reason", d.Reason)
	}
	if err := c.dlq.Publish(ctx, msgs...); err != nil {
		return fmt.Errorf("write dead letters: %w", err)
	}
	c.m.deadLetters.Add(float64(len(dead)))
	return nil
}

// watchLag updates the lag gauge every few seconds from the group's committed
// offsets and the partitions' high watermarks.
func (c *Consumer) watchLag(ctx context.Context, topics []string) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		if lag, err := GroupLag(ctx, c.cfg.Kafka, c.cfg.Group, topics); err == nil {
			c.m.lag.Set(float64(lag))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// GroupLag counts the messages in topics that group has not committed yet.
func GroupLag(ctx context.Context, cfg KafkaConfig, group string, topics []string) (int64, error) {
	client := cfg.Client()
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return 0, fmt.Errorf("metadata: %w", err)
	}
	listReq := map[string][]kafka.OffsetRequest{}
	fetchReq := map[string][]int{}
	for _, t := range meta.Topics {
		if t.Error != nil {
			return 0, fmt.Errorf("topic %s: %w", t.Name, t.Error)
		}
		for _, p := range t.Partitions {
			listReq[t.Name] = append(listReq[t.Name], kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
			fetchReq[t.Name] = append(fetchReq[t.Name], p.ID)
		}
	}
	ends, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: listReq})
	if err != nil {
		return 0, fmt.Errorf("list offsets: %w", err)
	}
	committed, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: fetchReq})
	if err != nil {
		return 0, fmt.Errorf("fetch offsets of group %s: %w", group, err)
	}
	if committed.Error != nil {
		return 0, fmt.Errorf("fetch offsets of group %s: %w", group, committed.Error)
	}
	done := map[string]map[int]int64{}
	for topic, parts := range committed.Topics {
		done[topic] = map[int]int64{}
		for _, p := range parts {
			done[topic][p.Partition] = p.CommittedOffset
		}
	}
	var lag int64
	for topic, parts := range ends.Topics {
		for _, p := range parts {
			if p.Error != nil {
				return 0, fmt.Errorf("offsets of %s/%d: %w", topic, p.Partition, p.Error)
			}
			next := max(done[topic][p.Partition], 0) // -1: nothing committed yet
			if c, ok := done[topic][p.Partition]; !ok || c < 0 {
				next = p.FirstOffset
			}
			lag += max(p.LastOffset-next, 0)
		}
	}
	return lag, nil
}
