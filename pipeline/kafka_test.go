package pipeline_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/pipeline"
)

func TestKafkaConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  pipeline.KafkaConfig
		want string // in the error; empty: valid
	}{
		{"replicated", pipeline.KafkaConfig{Brokers: []string{"k:9092"}, ReplicationFactor: 3, MinInsyncReplicas: 2}, ""},
		{"broker default", pipeline.KafkaConfig{Brokers: []string{"k:9092"}, ReplicationFactor: 3}, ""},
		{"no brokers", pipeline.KafkaConfig{}, "kafka brokers"},
		{"negative min insync", pipeline.KafkaConfig{Brokers: []string{"k:9092"}, MinInsyncReplicas: -1}, "kafka min insync replicas: -1 is negative"},
		{"min insync above replicas", pipeline.KafkaConfig{Brokers: []string{"k:9092"}, ReplicationFactor: 3, MinInsyncReplicas: 4},
			"kafka min insync replicas: 4 is more than the replication factor 3"},
		{"min insync above default replicas", pipeline.KafkaConfig{Brokers: []string{"k:9092"}, MinInsyncReplicas: 2},
			"more than the replication factor 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// TestEnsureTopicsSetsMinInsyncReplicas: every topic the hub creates gets
// the configured min.insync.replicas besides its own settings.
func TestEnsureTopicsSetsMinInsyncReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := pipeline.KafkaConfig{Brokers: kafkatest.Brokers(t), Topics: pipeline.Topics{Prefix: kafkatest.Prefix(t)}, MinInsyncReplicas: 1}
	topics := []string{cfg.Topics.Record("administrative_penalty"), cfg.Topics.Rejected()}
	if err := pipeline.EnsureTopics(ctx, cfg, topics...); err != nil {
		t.Fatal(err)
	}
	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 10 * time.Second}
	for _, topic := range topics {
		resp, err := client.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{"min.insync.replicas", "retention.ms"},
		}}})
		if err != nil || len(resp.Resources) != 1 {
			t.Fatalf("describe %s: %+v, %v", topic, resp, err)
		}
		configs := map[string]kafka.DescribeConfigResponseConfigEntry{}
		for _, e := range resp.Resources[0].ConfigEntries {
			configs[e.ConfigName] = e
		}
		if e := configs["min.insync.replicas"]; e.ConfigValue != "1" || e.IsDefault {
			t.Errorf("%s: min.insync.replicas = %+v, want 1 set on the topic", topic, e)
		}
		if topic == cfg.Topics.Rejected() && configs["retention.ms"].ConfigValue != "2592000000" {
			t.Errorf("%s: retention.ms = %q, want 30 days beside min.insync.replicas", topic, configs["retention.ms"].ConfigValue)
		}
	}
}
