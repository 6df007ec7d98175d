package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/hub"
	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/pipeline"
)

// A hub that reaches Kafka only through a listener requiring TLS with a
// client certificate and SASL works end to end: it creates its topics,
// publishes, stores through its sink, delivers to an agency's topic and
// reads a department's topic with a connector.
func TestHubOnKafkaWithTLSAndSASL(t *testing.T) {
	t.Parallel()
	l := kafkatest.Secure(t)
	scramUser, scramPassword := kafkatest.ScramUser(t)
	tlsOnly := pipeline.Security{TLS: true, CAFile: l.CA, CertFile: l.ClientCert, KeyFile: l.ClientKey}
	for _, tc := range []struct {
		mechanism, user, password string
	}{
		{"SCRAM-SHA-512", scramUser, scramPassword},
		{"PLAIN", l.PlainUser, l.PlainPassword},
	} {
		t.Run(tc.mechanism, func(t *testing.T) {
			t.Parallel()
			sec := tlsOnly
			sec.SASLMechanism, sec.Username, sec.Password = tc.mechanism, tc.user, tc.password
			b := setup(t, options{delivery: true, config: func(c *hub.Config) {
				c.Kafka.Brokers, c.Kafka.Security, c.Kafka.Timeout = l.Brokers, sec, 30*time.Second
			}})
			sub := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "kafka"})
			resp := b.submit(200, envelope("administrative_penalty", "upsert", "SEC-1", b.penalty()))
			if resp.Accepted != 1 {
				t.Fatalf("receipts %+v, want one accepted", resp.Receipts)
			}
			id := resp.Receipts[0].RecordID
			b.waitVersionAs(id, 1)
			wait.For(t, 30*time.Second, "the event on the agency's topic", func() bool {
				for _, m := range kafkatest.ReadAll(t, kafkatest.Brokers(t), sub.Topic) {
					if strings.Contains(string(m.Value), id) {
						return true
					}
				}
				return false
			})
			d := startKafkaDoor(t, b)
			d.send(t, []map[string]any{envelope("administrative_penalty", "upsert", "SEC-2", b.penalty())})
			wait.For(t, 30*time.Second, "the connector's receipt", func() bool { return d.receipts(t)["SEC-2"].status == "accepted" })
		})
	}
	t.Run("wrong password", func(t *testing.T) {
		t.Parallel()
		sec := tlsOnly
		sec.SASLMechanism, sec.Username, sec.Password = "SCRAM-SHA-512", scramUser, "not-"+scramPassword
		cfg := pipeline.KafkaConfig{Brokers: l.Brokers, Topics: pipeline.Topics{Prefix: kafkatest.Prefix(t)}, Security: sec, Timeout: 5 * time.Second}
		if err := pipeline.EnsureTopics(context.Background(), cfg, cfg.Topics.Rejected()); err == nil {
			t.Error("a client with a wrong password created a topic")
		}
	})
	t.Run("no client certificate", func(t *testing.T) {
		t.Parallel()
		sec := pipeline.Security{TLS: true, CAFile: l.CA, SASLMechanism: "PLAIN", Username: l.PlainUser, Password: l.PlainPassword}
		cfg := pipeline.KafkaConfig{Brokers: l.Brokers, Topics: pipeline.Topics{Prefix: kafkatest.Prefix(t)}, Security: sec, Timeout: 5 * time.Second}
		if err := pipeline.Ping(context.Background(), cfg); err == nil {
			t.Error("a client without a certificate reached a listener that requires one")
		}
	})
}
