package kafkasrc

import (
	"context"
	"strings"
	"testing"

	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/principal"
)

type noIntake struct{}

func (noIntake) Submit(context.Context, intake.Batch) (*intake.Result, error) {
	return nil, intake.ErrUnavailable
}

func TestNewNamesTheBadSetting(t *testing.T) {
	t.Parallel()
	deps := source.Deps{Intake: noIntake{}, Department: &principal.Principal{Name: "market"}, Metrics: &source.Metrics{}}
	hub := pipeline.KafkaConfig{Brokers: []string{"hub:9092"}}
	for _, tc := range []struct {
		name  string
		kafka *source.Kafka
		hub   pipeline.KafkaConfig
		want  string
	}{
		{"no section", nil, hub, "no kafka section"},
		{"no brokers anywhere", &source.Kafka{Topic: "a", ReplyTopic: "b"}, pipeline.KafkaConfig{}, "kafka.brokers"},
		{"no reply topic", &source.Kafka{Topic: "a"}, hub, "reply_topic"},
		{"replies to the topic read", &source.Kafka{Topic: "a", ReplyTopic: "a"}, hub, "kafka.reply_topic"},
		{"batch too large", &source.Kafka{Topic: "a", ReplyTopic: "b", Batch: source.MaxBatch + 1}, hub, "kafka.batch"},
	} {
		_, err := New(source.Connector{Name: "market-topic", Department: "market", Kafka: tc.kafka}, deps, tc.hub)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
}

func TestNewFillsTheDefaults(t *testing.T) {
	t.Parallel()
	deps := source.Deps{Intake: noIntake{}, Department: &principal.Principal{Name: "market"}, Metrics: &source.Metrics{}}
	hub := pipeline.KafkaConfig{Brokers: []string{"hub:9092"}, Security: pipeline.Security{TLS: true}}
	c, err := New(source.Connector{Name: "market-topic", Department: "market",
		Kafka: &source.Kafka{Topic: "a", ReplyTopic: "b"}}, deps, hub)
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.Group != "credex-connector-market-topic" || c.cfg.Batch != 500 || c.kafka.Brokers[0] != "hub:9092" {
		t.Errorf("group %q, batch %d, brokers %v; want credex-connector-market-topic, 500, the hub's", c.cfg.Group, c.cfg.Batch, c.kafka.Brokers)
	}
	if c.kafka.Security != hub.Security {
		t.Errorf("security %+v, want the hub's with the hub's brokers", c.kafka.Security)
	}
	c, err = New(source.Connector{Name: "market-topic", Department: "market",
		Kafka: &source.Kafka{Brokers: []string{"dept:9092"}, Topic: "a", ReplyTopic: "b", Group: "g", Batch: 20}}, deps, hub)
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.Group != "g" || c.cfg.Batch != 20 || c.kafka.Brokers[0] != "dept:9092" {
		t.Errorf("group %q, batch %d, brokers %v; want those configured", c.cfg.Group, c.cfg.Batch, c.kafka.Brokers)
	}
	if c.kafka.Security != (pipeline.Security{}) {
		t.Errorf("security %+v for the department's own brokers, want none of the hub's", c.kafka.Security)
	}
}
