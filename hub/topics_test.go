package hub_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestRejectedTopicKeepsSubmissionsOnlyForItsRetention(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	client := &kafka.Client{Addr: kafka.TCP(b.cfg.Kafka.Brokers...), Timeout: 10 * time.Second}
	resp, err := client.DescribeConfigs(context.Background(), &kafka.DescribeConfigsRequest{
		Resources: []kafka.DescribeConfigRequestResource{{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: b.cfg.Kafka.Topics.Rejected(), ConfigNames: []string{"retention.ms"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := strconv.FormatInt((30 * 24 * time.Hour).Milliseconds(), 10)
	for _, r := range resp.Resources {
		for _, e := range r.ConfigEntries {
			if e.ConfigName == "retention.ms" && e.ConfigValue == want {
				return
			}
		}
	}
	t.Errorf("rejected topic configs = %+v, want retention.ms %s", resp.Resources, want)
}
