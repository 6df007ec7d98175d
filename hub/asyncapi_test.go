package hub_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/asyncapitest"
	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/record"
	"github.com/credex/credex/subscription"
)

// asyncAPI is the AsyncAPI document the hub serves.
func (b *bundle) asyncAPI() *asyncapitest.Doc {
	b.t.Helper()
	res, err := http.Get(b.url + "/asyncapi.yaml")
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		b.t.Fatalf("GET /asyncapi.yaml = %d, %v", res.StatusCode, err)
	}
	return asyncapitest.Parse(b.t, raw)
}

// garbageKey keys the bytes this test writes to a record topic itself, to
// get a dead letter; the record topic's check leaves them out.
const garbageKey = "asyncapi-test-garbage"

// TestAsyncAPIDescribesEveryMessageTheHubWrites drives the hub to write to
// every kind of topic (records of two types and all ops a department
// sends, rejections small and truncated, a dead letter, the deliveries of
// two Kafka subscriptions, one with ID numbers masked, and an audit
// checkpoint), then reads every topic of the hub back and checks each
// message against its channel in the AsyncAPI document the hub serves:
// value, key and headers.
func TestAsyncAPIDescribesEveryMessageTheHubWrites(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delivery: true})
	doc := b.asyncAPI()
	ctx := context.Background()
	topics := b.cfg.Kafka.Topics

	full := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "kafka"})
	masked := b.subscribe(bankKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "kafka"})
	if !slices.Contains(full.FullIDTypes, "administrative_penalty") || len(masked.FullIDTypes) != 0 {
		t.Fatalf("full_id_types %v and %v, want penalties in full for the regulator only", full.FullIDTypes, masked.FullIDTypes)
	}

	penalty := b.penalty()
	badSeverity := b.penalty()
	badSeverity["severity"] = "grave"
	huge := b.penalty()
	huge["facts"] = strings.Repeat("事实", 50_000) // far beyond what the rejected topic keeps whole
	resp := b.submit(200,
		envelope("administrative_penalty", "upsert", "AA-1", penalty),
		envelope("administrative_licence", "upsert", "AA-2", b.example("administrative_licence", nil)),
		envelope("administrative_penalty", "upsert", "AA-3", badSeverity),
		map[string]any{"type": "administrative_penalty", "source_id": "AA-4", "data": penalty, "colour": "red"},
		envelope("administrative_penalty", "upsert", "AA-5", huge),
	)
	if resp.Accepted != 2 || resp.Rejected != 3 {
		t.Fatalf("accepted %d, rejected %d; want 2 and 3: %+v", resp.Accepted, resp.Rejected, resp.Receipts)
	}
	penaltyID := resp.Receipts[0].RecordID
	penalty["amount_yuan"] = 8000
	subject := penalty["subject"].(map[string]any) // sent with a space: the version keeps what was rewritten
	subject["id_number"] = subject["id_number"].(string) + " "
	b.submit(200, envelope("administrative_penalty", "upsert", "AA-1", penalty))
	revoke := envelope("administrative_penalty", "revoke", "AA-1", map[string]any{"reason": "decision withdrawn on review"})
	b.submit(200, revoke)
	b.waitVersion(penaltyID, 3)

	garbage := kafka.Message{Topic: topics.Record("administrative_penalty"), Key: []byte(garbageKey), Value: []byte("not a record")}
	producer := pipeline.NewProducer(b.cfg.Kafka, prometheus.NewRegistry())
	defer producer.Close()
	if err := producer.Publish(ctx, garbage); err != nil {
		t.Fatal(err)
	}

	who := map[string]string{"name": "王测试", "id_number": ident.NewCitizenID(b.rand)}
	if got := b.call(http.MethodPost, "/v1/public/query", "", who, nil); got != http.StatusOK {
		t.Fatalf("public query = %d", got)
	}
	if head, err := b.hub.CheckpointAudit(ctx, audit.Head{}); err != nil || head.Seq == 0 {
		t.Fatalf("checkpoint the audit log: head %+v, %v", head, err)
	}

	want := map[string]int{ // messages at least, by topic
		topics.Record("administrative_penalty"): 4, // 3 versions and the garbage
		topics.Record("administrative_licence"): 1,
		topics.Rejected():                       3,
		topics.DeadLetter():                     1,
		topics.Delivery(full.ID):                3,
		topics.Delivery(masked.ID):              3,
		topics.AuditCheckpoints():               1,
	}
	for topic, n := range want {
		readUntil(t, b, topic, n)
	}

	known := map[string]string{"prefix": topics.Prefix}
	seen := map[string]int{} // messages checked, by channel
	for _, topic := range b.hubTopics() {
		c, ok := doc.Channel(topic, known)
		if !ok {
			t.Errorf("topic %s is no channel of the document", topic)
			continue
		}
		for _, m := range kafkatest.ReadAll(t, b.cfg.Kafka.Brokers, topic) {
			if string(m.Key) == garbageKey && c.ID == "records" {
				continue // this test wrote it
			}
			seen[c.ID]++
			if err := doc.Check(c, m); err != nil {
				t.Error(err)
				continue
			}
			b.checkMeaning(c.ID, m, topic == topics.Delivery(masked.ID))
		}
	}
	for _, c := range doc.Channels() {
		if seen[c.ID] == 0 {
			t.Errorf("channel %s: the hub wrote nothing to it, so nothing was checked", c.ID)
		}
	}
	t.Logf("messages checked, by channel: %v", seen)
}

// checkMeaning checks what the schemas cannot: that keys and headers are
// the values they are documented to repeat, and that a masked delivery
// topic shows no ID number.
func (b *bundle) checkMeaning(channel string, m kafka.Message, masked bool) {
	t := b.t
	t.Helper()
	topics := b.cfg.Kafka.Topics
	switch channel {
	case "records":
		var r record.Record
		json.Unmarshal(m.Value, &r)
		recordType, _ := topics.RecordType(m.Topic)
		if string(m.Key) != r.SubjectKey || r.Type != recordType ||
			header(m, "credex-record-id") != r.ID || header(m, "credex-version") != strconv.Itoa(r.Version) {
			t.Errorf("record message keyed %q with headers %v on %s does not repeat its value %s", m.Key, m.Headers, m.Topic, m.Value)
		}
	case "rejected":
		var v struct{ Department string }
		json.Unmarshal(m.Value, &v)
		if string(m.Key) != b.market.Code || v.Department != b.market.Code {
			t.Errorf("rejection keyed %q, department %q; want the department's code %s", m.Key, v.Department, b.market.Code)
		}
	case "deadLetter":
		if src := header(m, "credex-dead-source"); !strings.HasPrefix(src, topics.Record("administrative_penalty")+"/") {
			t.Errorf("dead letter from %q, want the penalty topic", src)
		}
	case "deliveries":
		var e subscription.Event
		json.Unmarshal(m.Value, &e)
		if string(m.Key) != e.Subject || header(m, "credex-event-id") != e.ID {
			t.Errorf("event keyed %q with headers %v does not repeat its value %s", m.Key, m.Headers, m.Value)
		}
		if ids := ident.FindCitizenIDs(string(m.Value)); masked && len(ids) > 0 {
			t.Errorf("event %s on a masked subscription shows %d ID numbers", e.ID, len(ids))
		}
	}
}

// hubTopics are the topics on the broker under the hub's prefix.
func (b *bundle) hubTopics() []string {
	b.t.Helper()
	client := &kafka.Client{Addr: kafka.TCP(b.cfg.Kafka.Brokers...), Timeout: 10 * time.Second}
	meta, err := client.Metadata(context.Background(), &kafka.MetadataRequest{})
	if err != nil {
		b.t.Fatal(err)
	}
	var topics []string
	for _, topic := range meta.Topics {
		if strings.HasPrefix(topic.Name, b.cfg.Kafka.Topics.Prefix) {
			topics = append(topics, topic.Name)
		}
	}
	slices.Sort(topics)
	return topics
}

// TestAsyncAPIChannelsAreTheHubsTopics: every topic the hub creates, at
// start and with a Kafka subscription, is exactly one channel of the
// document, and every channel is a topic the hub creates.
func TestAsyncAPIChannelsAreTheHubsTopics(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true, noRelay: true})
	doc := b.asyncAPI()
	sub := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "kafka"})
	created := append(b.hub.Topics(), sub.Topic)
	if len(created) != len(b.catalog.Types())+4 {
		t.Errorf("the hub creates %d topics: %v; want one per record type and 4 more", len(created), created)
	}
	used := map[string]bool{}
	for _, topic := range created {
		c, ok := doc.Channel(topic, map[string]string{"prefix": b.cfg.Kafka.Topics.Prefix})
		if !ok {
			t.Errorf("topic %s is not exactly one channel of the document", topic)
			continue
		}
		used[c.ID] = true
	}
	for _, c := range doc.Channels() {
		if !used[c.ID] {
			t.Errorf("channel %s (%s) is no topic the hub creates", c.ID, c.Address)
		}
	}
	wait.For(t, 10*time.Second, "the subscription's topic on the broker", func() bool {
		return slices.Contains(b.hubTopics(), sub.Topic)
	})
}
