package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/connectors/webhook"
	"github.com/credex/credex/delivery"
	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/store"
	"github.com/credex/credex/subscription"
)

// endpoint is one transport with a subscription it serves and a way to see
// what reached the agency.
type endpoint struct {
	transport delivery.Transport
	sub       *store.Subscription
	// received returns what the agency has got so far, in order.
	received func(t *testing.T) [][]byte
}

// transportCase builds endpoints of one transport: one that works and one
// whose far end fails.
type transportCase struct {
	mode    string
	working func(t *testing.T) endpoint
	failing func(t *testing.T) endpoint
}

// TestTransports runs the same behavioural suite against every transport.
func TestTransports(t *testing.T) {
	t.Parallel()
	for _, c := range []transportCase{webhookCase(), kafkaCase()} {
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			suite(t, c)
		})
	}
}

func suite(t *testing.T, c transportCase) {
	t.Run("Mode", func(t *testing.T) {
		t.Parallel()
		if got := c.working(t).transport.Mode(); got != c.mode {
			t.Errorf("Mode() = %q, want %q", got, c.mode)
		}
	})
	t.Run("DeliveredEventReachesAgencyExactly", func(t *testing.T) {
		t.Parallel()
		ep := c.working(t)
		e := event(1)
		deliver(t, ep, e, delivery.Delivered)
		got := waitReceived(t, ep, 1)
		if want := mustJSON(t, e); !bytes.Equal(got[0], want) {
			t.Errorf("the agency got\n%s\nwant exactly\n%s", got[0], want)
		}
	})
	t.Run("EventsArriveInOrder", func(t *testing.T) {
		t.Parallel()
		ep := c.working(t)
		var want [][]byte
		for i := range 5 {
			e := event(i + 1)
			deliver(t, ep, e, delivery.Delivered)
			want = append(want, mustJSON(t, e))
		}
		got := waitReceived(t, ep, 5)
		if len(got) != 5 {
			t.Fatalf("the agency got %d events, want 5", len(got))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("event %d = %s, want %s", i, got[i], want[i])
			}
		}
	})
	t.Run("RedeliveryIsTheSameEvent", func(t *testing.T) {
		t.Parallel()
		ep := c.working(t)
		e := event(9)
		deliver(t, ep, e, delivery.Delivered)
		deliver(t, ep, e, delivery.Delivered)
		got := waitReceived(t, ep, 2)
		if len(got) != 2 || !bytes.Equal(got[0], got[1]) {
			t.Errorf("a redelivery gave %q, want the same event twice", got)
		}
	})
	t.Run("FailingEndpointIsRetried", func(t *testing.T) {
		t.Parallel()
		ep := c.failing(t)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, status, err := ep.transport.Deliver(ctx, ep.sub, event(1))
		if out.Verdict != delivery.Retry || (err == nil && status < 500) {
			t.Errorf("delivery to a failing endpoint: %v, status %d, err %v; want Retry with a reason", out.Verdict, status, err)
		}
		if ctx.Err() != nil {
			t.Errorf("the failing delivery took until the deadline")
		}
	})
}

// subjectPseudonym is the agency's pseudonym of the person of event.
const subjectPseudonym = "psn_ofonepersonforthisagency00000"

// event returns the i-th event about one person.
func event(i int) subscription.Event {
	return subscription.Event{
		ID: fmt.Sprintf("evt_suite%03d", i), Type: "record.created", RecordID: fmt.Sprintf("rec_suite%03d", i),
		RecordType: "administrative_penalty", Version: 1, Sequence: int64(i), CatalogVersion: 1,
		Department: "11500103540776846N", CreatedAt: time.Date(2026, 11, 2, 10, 0, i, 0, time.UTC),
		Data:    json.RawMessage(`{"subject":{"id_number":"5001**********1934","name":"王小明"},"amount_yuan":5000}`),
		Subject: subjectPseudonym,
	}
}

func deliver(t *testing.T, ep endpoint, e subscription.Event, want delivery.Verdict) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, status, err := ep.transport.Deliver(ctx, ep.sub, e)
	if out.Verdict != want || err != nil {
		t.Fatalf("deliver %s: %v (status %d, err %v), want %v", e.ID, out.Verdict, status, err, want)
	}
}

func waitReceived(t *testing.T, ep endpoint, n int) [][]byte {
	t.Helper()
	var got [][]byte
	wait.For(t, 20*time.Second, fmt.Sprintf("the agency to get %d events", n), func() bool {
		got = ep.received(t)
		return len(got) >= n
	})
	return got
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func webhookCase() transportCase {
	client := webhook.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}.Client(5 * time.Second)
	newSub := func(t *testing.T, url string) (*store.Subscription, webhook.Secret) {
		s, err := webhook.NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		secret, _ := webhook.ParseSecret(s)
		return &store.Subscription{ID: "sbn_suite", Mode: "webhook", URL: url, Secrets: []string{s}}, secret
	}
	return transportCase{
		mode: "webhook",
		working: func(t *testing.T) endpoint {
			var mu sync.Mutex
			var bodies [][]byte
			var secret webhook.Secret
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				defer mu.Unlock()
				if err := webhook.Verify(secret, r.Header, body, time.Now(), 0); err != nil {
					t.Errorf("signature: %v", err)
				}
				var e subscription.Event
				if json.Unmarshal(body, &e) != nil || r.Header.Get(webhook.HeaderID) != e.ID {
					t.Errorf("webhook-id %q on %s", r.Header.Get(webhook.HeaderID), body)
				}
				bodies = append(bodies, body)
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(srv.Close)
			sub, s := newSub(t, srv.URL)
			mu.Lock()
			secret = s
			mu.Unlock()
			return endpoint{transport: &webhook.Transport{Client: client}, sub: sub, received: func(*testing.T) [][]byte {
				mu.Lock()
				defer mu.Unlock()
				return append([][]byte(nil), bodies...)
			}}
		},
		failing: func(t *testing.T) endpoint {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusInternalServerError)
			}))
			t.Cleanup(srv.Close)
			sub, _ := newSub(t, srv.URL)
			return endpoint{transport: &webhook.Transport{Client: client}, sub: sub}
		},
	}
}

func kafkaCase() transportCase {
	return transportCase{
		mode: "kafka",
		working: func(t *testing.T) endpoint {
			cfg := pipeline.KafkaConfig{Brokers: kafkatest.Brokers(t), Topics: pipeline.Topics{Prefix: kafkatest.Prefix(t)}, Partitions: 3}
			p := pipeline.NewProducer(cfg, prometheus.NewRegistry())
			t.Cleanup(func() { p.Close() })
			sub := &store.Subscription{ID: "sbn_suite", Mode: "kafka"}
			topic := cfg.Topics.Delivery(sub.ID)
			return endpoint{transport: &delivery.Kafka{Config: cfg, Producer: p}, sub: sub, received: func(t *testing.T) [][]byte {
				var out [][]byte
				for _, m := range kafkatest.ReadAll(t, cfg.Brokers, topic) {
					var e subscription.Event
					json.Unmarshal(m.Value, &e)
					if string(m.Key) != subjectPseudonym {
						t.Errorf("message keyed %q, want the agency's pseudonym of the person", m.Key)
					}
					if len(m.Headers) == 0 || m.Headers[0].Key != "credex-event-id" || string(m.Headers[0].Value) != e.ID {
						t.Errorf("headers %v on %s", m.Headers, e.ID)
					}
					out = append(out, m.Value)
				}
				return out
			}}
		},
		failing: func(t *testing.T) endpoint {
			kafkatest.Brokers(t) // the suite needs the real broker for the working case anyway
			cfg := pipeline.KafkaConfig{Brokers: []string{"127.0.0.1:1"}, Timeout: 500 * time.Millisecond}
			p := pipeline.NewProducer(cfg, prometheus.NewRegistry())
			t.Cleanup(func() { p.Close() })
			return endpoint{transport: &delivery.Kafka{Config: cfg, Producer: p}, sub: &store.Subscription{ID: "sbn_suite", Mode: "kafka"}}
		},
	}
}
