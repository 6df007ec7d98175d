package kafkasrc

import (
	"context"
	"strings"
	"testing"

	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/principal"
)

type noIntake struct{}

func (noIntake) Submit(context.Context, intake.Batch) (*intake.Result, error) {
	return nil, intake.ErrUnavailable
}

func TestNewNamesTheBadSetting(t *testing.T) {
	t.Parallel()
	deps := source.Deps{Intake: noIntake{}, Department: &principal.Principal{Name: "market"}, Metrics: &source.Metrics{}}
	hub := []string{"hub:9092"}
	for _, tc := range []struct {
		name    string
		kafka   *source.Kafka
		brokers []string
		want    string
	}{
		{"no section", nil, hub, "no kafka section"},
		{"no brokers anywhere", &source.Kafka{Topic: "a", ReplyTopic: "b"}, nil, "kafka.brokers"},
		{"no reply topic", &source.Kafka{Topic: "a"}, hub, "reply_topic"},
		{"replies to the topic read", &source.Kafka{Topic: "a", ReplyTopic: "a"}, hub, "kafka.reply_topic"},
		{"batch too large", &source.Kafka{Topic: "a", ReplyTopic: "b", Batch: source.MaxBatch + 1}, hub, "kafka.batch"},
	} {
		_, err := New(source.Connector{Name: "market-topic", Department: "market", Kafka: tc.kafka}, deps, tc.brokers)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
}

func TestNewFillsTheDefaults(t *testing.T) {
	t.Parallel()
	deps := source.Deps{Intake: noIntake{}, Department: &principal.Principal{Name: "market"}, Metrics: &source.Metrics{}}
	c, err := New(source.Connector{Name: "market-topic", Department: "market",
		Kafka: &source.Kafka{Topic: "a", ReplyTopic: "b"}}, deps, []string{"hub:9092"})
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.Group != "credex-connector-market-topic" || c.cfg.Batch != 500 || c.kafka.Brokers[0] != "hub:9092" {
		t.Errorf("group %q, batch %d, brokers %v; want credex-connector-market-topic, 500, the hub's", c.cfg.Group, c.cfg.Batch, c.kafka.Brokers)
	}
	c, err = New(source.Connector{Name: "market-topic", Department: "market",
		Kafka: &source.Kafka{Brokers: []string{"dept:9092"}, Topic: "a", ReplyTopic: "b", Group: "g", Batch: 20}}, deps, []string{"hub:9092"})
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.Group != "g" || c.cfg.Batch != 20 || c.kafka.Brokers[0] != "dept:9092" {
		t.Errorf("group %q, batch %d, brokers %v; want those configured", c.cfg.Group, c.cfg.Batch, c.kafka.Brokers)
	}
}
