package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/audit"
)

// ErrNoCheckpointTopic: the audit checkpoint topic does not exist, so the
// chain cannot be checked against it. A hub creates it at start; a topic
// that is gone was deleted.
var ErrNoCheckpointTopic = errors.New("the audit checkpoint topic does not exist")

// checkpoint is a checkpoint as the topic carries it, in JSON.
type checkpoint struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
}

// CheckpointMessage is the message of the audit checkpoint topic that
// records c.
func (topics Topics) CheckpointMessage(c audit.Checkpoint) kafka.Message {
	value, _ := json.Marshal(checkpoint{Seq: c.Seq, Hash: c.Hash, At: c.At.UTC()}) // cannot fail
	return kafka.Message{Topic: topics.AuditCheckpoints(), Value: value}
}

// LatestCheckpoint reads every checkpoint of the audit checkpoint topic from
// offset from on (0: all) and returns the one of the highest Seq, its Where
// naming the topic and offset; false when it finds none. (After the
// database was restored to an earlier point, the checkpoints written before
// the restore are beyond the restored log for good; from is then the offset
// of the first checkpoint written after it.) Since every entry up to a
// checkpoint is covered by its hash, that one checkpoint stands for all.
// Several hubs may write checkpoints at once, so the last written is not
// always the highest; reading them all also means that a checkpoint written
// later with a lower Seq cannot hide a higher one. A message that is not a
// checkpoint is an error, naming its offset.
//
// It reads on connections of its own, so it sees a topic made a moment
// before.
func LatestCheckpoint(ctx context.Context, cfg KafkaConfig, from int64) (audit.Checkpoint, bool, error) {
	topic := cfg.Topics.AuditCheckpoints()
	tr := cfg.freshTransport()
	defer tr.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: cfg.timeout(), Transport: tr}
	resp, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		topic: {kafka.FirstOffsetOf(0), kafka.LastOffsetOf(0)},
	}})
	if err != nil {
		return audit.Checkpoint{}, false, fmt.Errorf("read audit checkpoints from %s: %w", topic, err)
	}
	offsets := resp.Topics[topic]
	switch {
	case len(offsets) == 0 || errors.Is(offsets[0].Error, kafka.UnknownTopicOrPartition):
		return audit.Checkpoint{}, false, fmt.Errorf("%w: %s", ErrNoCheckpointTopic, topic)
	case offsets[0].Error != nil:
		return audit.Checkpoint{}, false, fmt.Errorf("read audit checkpoints from %s: %w", topic, offsets[0].Error)
	}
	var (
		latest audit.Checkpoint
		found  bool
	)
	for offset, end := max(from, offsets[0].FirstOffset), offsets[0].LastOffset; offset < end; {
		res, err := client.Fetch(ctx, &kafka.FetchRequest{Topic: topic, Partition: 0, Offset: offset,
			MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 100 * time.Millisecond})
		if err == nil {
			err = res.Error
		}
		if err != nil {
			return audit.Checkpoint{}, false, fmt.Errorf("read audit checkpoints from %s at offset %d: %w", topic, offset, err)
		}
		next := offset
		for {
			r, err := res.Records.ReadRecord()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return audit.Checkpoint{}, false, fmt.Errorf("read audit checkpoints from %s at offset %d: %w", topic, next, err)
			}
			if r.Offset < offset || r.Offset >= end {
				continue // a batch may start before the offset asked for
			}
			c, err := decodeCheckpoint(r)
			if err != nil {
				return audit.Checkpoint{}, false, fmt.Errorf("audit checkpoint at offset %d of %s: %w", r.Offset, topic, err)
			}
			if !found || c.Seq > latest.Seq {
				latest, found = c, true
				latest.Where = fmt.Sprintf("Kafka topic %s, offset %d", topic, r.Offset)
			}
			next = r.Offset + 1
		}
		if next == offset {
			// Offsets without a record (transaction markers, or a
			// fetch that returned nothing): step on from the next the
			// broker reports, or give up if it reports none.
			if res.HighWatermark <= offset {
				return audit.Checkpoint{}, false, fmt.Errorf("read audit checkpoints from %s: no progress at offset %d", topic, offset)
			}
			next = offset + 1
		}
		offset = next
	}
	return latest, found, nil
}

func decodeCheckpoint(r *kafka.Record) (audit.Checkpoint, error) {
	if r.Value == nil {
		return audit.Checkpoint{}, errors.New("no value")
	}
	b, err := io.ReadAll(r.Value)
	if err != nil {
		return audit.Checkpoint{}, err
	}
	var c checkpoint
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || c.Seq < 1 || len(c.Hash) != 64 {
		return audit.Checkpoint{}, fmt.Errorf("not a checkpoint {\"seq\", \"hash\", \"at\"}: %.100q", b)
	}
	return audit.Checkpoint{Head: audit.Head{Seq: c.Seq, Hash: c.Hash}, At: c.At}, nil
}
