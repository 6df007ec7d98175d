package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/pipeline"
)

func head(seq int64) audit.Checkpoint {
	return audit.Checkpoint{Head: audit.Head{Seq: seq, Hash: fmt.Sprintf("%064x", seq)},
		At: time.Date(2026, 3, 1, 9, 0, int(seq), 0, time.UTC)}
}

// TestLatestCheckpoint: of the checkpoints several hubs wrote, the one of the
// highest seq counts, wherever it is in the topic; a topic that is gone, or
// holds what is not a checkpoint, is an error.
func TestLatestCheckpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := pipeline.KafkaConfig{Brokers: kafkatest.Brokers(t), Topics: pipeline.Topics{Prefix: kafkatest.Prefix(t)}}
	if _, _, err := pipeline.LatestCheckpoint(ctx, cfg, 0); !errors.Is(err, pipeline.ErrNoCheckpointTopic) {
		t.Fatalf("LatestCheckpoint before the topic exists = %v, want ErrNoCheckpointTopic", err)
	}
	topic := cfg.Topics.AuditCheckpoints()
	if err := pipeline.EnsureTopics(ctx, cfg, topic); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := pipeline.LatestCheckpoint(ctx, cfg, 0); ok || err != nil {
		t.Fatalf("LatestCheckpoint of an empty topic = %v, %v; want none", ok, err)
	}

	p := pipeline.NewProducer(cfg, prometheus.NewRegistry())
	defer p.Close()
	for _, seq := range []int64{3, 9, 7, 8} { // two hubs: 9 was written before 7 and 8
		if err := p.Publish(ctx, cfg.Topics.CheckpointMessage(head(seq))); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := pipeline.LatestCheckpoint(ctx, cfg, 0)
	if err != nil || !ok || got.Head != head(9).Head || !got.At.Equal(head(9).At) {
		t.Fatalf("LatestCheckpoint = %+v, %v, %v; want seq 9", got, ok, err)
	}
	if want := "Kafka topic " + topic + ", offset 1"; got.Where != want {
		t.Errorf("Where = %q, want %q", got.Where, want)
	}
	if got, _, err := pipeline.LatestCheckpoint(ctx, cfg, 2); err != nil || got.Seq != 8 {
		t.Errorf("LatestCheckpoint from offset 2 = %+v, %v; want seq 8, the highest from there", got, err)
	}

	if err := p.Publish(ctx, kafka.Message{Topic: topic, Value: []byte(`{"seq": 99}`)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pipeline.LatestCheckpoint(ctx, cfg, 0); err == nil || !strings.Contains(err.Error(), "offset 4") {
		t.Errorf("LatestCheckpoint over a message that is no checkpoint = %v, want an error naming offset 4", err)
	}

	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 10 * time.Second}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil || len(meta.Topics) != 1 || len(meta.Topics[0].Partitions) != 1 {
		t.Errorf("the checkpoint topic: %+v, %v; want one partition", meta, err)
	}
	resp, err := client.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{"retention.ms", "cleanup.policy"},
	}}})
	if err != nil || len(resp.Resources) != 1 {
		t.Fatalf("describe the checkpoint topic: %+v, %v", resp, err)
	}
	configs := map[string]string{}
	for _, e := range resp.Resources[0].ConfigEntries {
		configs[e.ConfigName] = e.ConfigValue
	}
	if configs["retention.ms"] != "-1" || configs["cleanup.policy"] != "delete" {
		t.Errorf("checkpoint topic configs %v, want retention.ms -1 (for ever) and cleanup.policy delete", configs)
	}
}
