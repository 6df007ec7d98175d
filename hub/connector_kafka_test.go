package hub_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/kafkasrc"
	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/record"
)

// TestKafkaConnectorAnswersEveryMessageOnce publishes 5,000 messages on the
// market regulator's topic, some of them no envelope at all, and restarts
// the connector twice while it reads them: every message gets a reply that
// says what became of it, every valid record is stored once at version 1,
// and the backlog drains to nothing.
func TestKafkaConnectorAnswersEveryMessageOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	d := startKafkaDoor(t, b)
	const n = 5000
	// want is the status and error code each message's reply must have, by
	// the message's key.
	type outcome struct{ status, code string }
	want := map[string]outcome{}
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		sid := sourceID("kafka", i)
		data := b.penalty()
		var value []byte
		switch {
		case i%500 == 77:
			value, want[sid] = []byte(`{"type": "administrative_penalty", "op": "upsert", "source_id"`), outcome{"rejected", "malformed_json"}
		case i%500 == 177:
			value, want[sid] = []byte(`["administrative_penalty", "upsert"]`), outcome{"rejected", "wrong_type"}
		case i%500 == 277:
			e := envelope("administrative_penalty", "upsert", sid, data)
			e["priority"] = "high"
			value, want[sid] = mustJSON(e), outcome{"rejected", "unknown_field"}
		case i%100 == 13:
			subject := data["subject"].(map[string]any)
			subject["id_number"] = mistype(subject["id_number"].(string))
			value, want[sid] = mustJSON(envelope("administrative_penalty", "upsert", sid, data)), outcome{"rejected", "invalid_id_number"}
		default:
			value, want[sid] = mustJSON(envelope("administrative_penalty", "upsert", sid, data)), outcome{"accepted", ""}
		}
		msgs[i] = kafka.Message{Key: []byte(sid), Value: value}
	}
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for chunk := range slices.Chunk(msgs, 250) {
			d.sendRaw(t, chunk...)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	for _, at := range []int{1000, 3000} {
		wait.For(t, time.Minute, fmt.Sprintf("%d replies", at), func() bool { return len(d.replyList(t)) >= at })
		d.restart(t)
	}
	<-sent

	// Every message of the topic, by where it is.
	type place struct {
		partition int
		offset    int64
	}
	keyAt := map[place]string{}
	for _, m := range kafkatest.ReadAll(t, d.brokers, d.topic) {
		keyAt[place{m.Partition, m.Offset}] = string(m.Key)
	}
	if len(keyAt) != n {
		t.Fatalf("the topic holds %d messages, want %d", len(keyAt), n)
	}
	var replies map[place][]kafkasrc.Reply
	wait.For(t, 3*time.Minute, "a reply to every message", func() bool {
		replies = map[place][]kafkasrc.Reply{}
		for _, r := range d.replyList(t) {
			p := place{r.Partition, r.Offset}
			replies[p] = append(replies[p], r)
		}
		return len(replies) >= n
	})

	var accepted, answeredTwice int
	for p, key := range keyAt {
		rs, w := replies[p], want[key]
		if len(rs) > 1 {
			answeredTwice++
		}
		r := rs[0]
		switch {
		case r.Topic != d.topic:
			t.Errorf("%s: reply names topic %q, want %q", key, r.Topic, d.topic)
		case r.Status != w.status:
			t.Errorf("%s: reply %s %v, want %s %s", key, r.Status, r.Errors, w.status, w.code)
		case w.status == "rejected" && !hasCode(r, w.code):
			t.Errorf("%s: rejected with %v, want code %s", key, r.Errors, w.code)
		case w.code == "malformed_json" || w.code == "wrong_type":
			if r.SourceID != "" {
				t.Errorf("%s, no envelope: reply names source_id %q", key, r.SourceID)
			}
		case r.SourceID != key:
			t.Errorf("%s: reply names source_id %q", key, r.SourceID)
		case w.status == "accepted":
			accepted++
			if id := record.ID(b.idKey, b.market.Code, "administrative_penalty", key); r.RecordID != id || r.Version != 1 {
				t.Errorf("%s: accepted as %s version %d, want %s version 1", key, r.RecordID, r.Version, id)
			}
		}
		for _, again := range rs[1:] {
			if again.Status != r.Status || again.RecordID != r.RecordID || again.Version != r.Version {
				t.Errorf("%s answered twice, differently: %+v then %+v", key, r, again)
			}
		}
	}
	t.Logf("%d messages answered twice after a restart", answeredTwice)
	valid := 0
	for _, w := range want {
		if w.status == "accepted" {
			valid++
		}
	}
	if accepted != valid {
		t.Errorf("%d envelopes accepted, want %d", accepted, valid)
	}
	if n := b.count(`SELECT count(*) FROM record_heads`); n != accepted {
		t.Errorf("the ledger holds %d records, want %d", n, accepted)
	}
	if n := b.count(`SELECT count(*) FROM record_heads WHERE version <> 1`); n != 0 {
		t.Errorf("%d records have a version other than 1", n)
	}
	wait.For(t, time.Minute, "every version in the database", func() bool {
		return b.count(`SELECT count(*) FROM record_versions`) >= accepted
	})
	if n := b.count(`SELECT count(*) FROM record_versions`); n != accepted {
		t.Errorf("the database holds %d versions, want %d", n, accepted)
	}
	wait.For(t, 30*time.Second, "no backlog", func() bool {
		return strings.Contains(metrics(b), `credex_connector_backlog{connector="market-topic"} 0`+"\n")
	})
}

// TestKafkaConnectorCommitsOnlyAnsweredMessages lets the connector create
// the reply topic, like the topic read, then keeps it from taking replies: the records are admitted but no offset is committed, and
// one warning says so. The connector is then killed, the reply topic
// mended and the connector started again: it reads the same messages again
// and answers each, unchanged at version 1.
func TestKafkaConnectorCommitsOnlyAnsweredMessages(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	b := setup(t, options{logs: logs})
	d := startKafkaDoor(t, b)
	wait.For(t, 30*time.Second, "a reply topic refusing replies", func() bool {
		return d.setReplyLimit(t, "64") == nil
	})
	wait.For(t, 30*time.Second, "a reply topic with the 3 partitions of the topic read", func() bool {
		meta, err := (&kafka.Client{Addr: kafka.TCP(d.brokers...)}).Metadata(context.Background(), &kafka.MetadataRequest{Topics: []string{d.replies}})
		return err == nil && len(meta.Topics) == 1 && meta.Topics[0].Error == nil && len(meta.Topics[0].Partitions) == 3
	})

	const n = 30
	envelopes := make([]map[string]any, n)
	for i := range envelopes {
		envelopes[i] = envelope("administrative_penalty", "upsert", sourceID("kafka", i), b.penalty())
	}
	d.send(t, envelopes)
	wait.For(t, 30*time.Second, "the records admitted", func() bool {
		return b.count(`SELECT count(*) FROM record_heads`) == n
	})
	time.Sleep(4 * time.Second) // several retries
	if lag := d.lag(t); lag != n {
		t.Errorf("the group committed %d of %d messages before replying to them", n-lag, n)
	}
	if got := len(d.replyList(t)); got != 0 {
		t.Errorf("%d replies on a topic that refuses them", got)
	}
	if got := strings.Count(logs.String(), "kafka topic not read or not answered"); got != 1 {
		t.Errorf("the failing replies were logged %d times, want once", got)
	}

	d.stop()
	if err := d.setReplyLimit(t, "1048588"); err != nil {
		t.Fatal(err)
	}
	d.start(t)
	wait.For(t, time.Minute, "every message answered", func() bool { return len(d.replyList(t)) >= n })
	for _, r := range d.replyList(t) {
		if id := record.ID(b.idKey, b.market.Code, "administrative_penalty", r.SourceID); r.Status != "accepted" || r.RecordID != id || r.Version != 1 || !r.Unchanged {
			t.Errorf("%s: reply %+v, want accepted unchanged as %s at version 1", r.SourceID, r, id)
		}
	}
	if got := len(d.replyList(t)); got != n {
		t.Errorf("%d replies, want one for each of %d messages", got, n)
	}
	wait.For(t, 30*time.Second, "every offset committed", func() bool { return d.lag(t) == 0 })
	if n := b.count(`SELECT count(*) FROM record_versions WHERE version <> 1`); n != 0 {
		t.Errorf("%d versions other than 1", n)
	}
}

// setReplyLimit sets the largest batch of messages the reply topic takes.
func (d *kafkaDoor) setReplyLimit(t *testing.T, bytes string) error {
	t.Helper()
	resp, err := (&kafka.Client{Addr: kafka.TCP(d.brokers...)}).IncrementalAlterConfigs(context.Background(), &kafka.IncrementalAlterConfigsRequest{
		Resources: []kafka.IncrementalAlterConfigsRequestResource{{ResourceType: kafka.ResourceTypeTopic, ResourceName: d.replies,
			Configs: []kafka.IncrementalAlterConfigsRequestConfig{{Name: "max.message.bytes", Value: bytes}}}},
	})
	if err == nil && len(resp.Resources) == 1 {
		err = resp.Resources[0].Error
	}
	return err
}

// lag counts the messages of the department's topic its group did not commit.
func (d *kafkaDoor) lag(t *testing.T) int {
	t.Helper()
	lag, err := pipeline.GroupLag(context.Background(), pipeline.KafkaConfig{Brokers: d.brokers}, d.connector.Kafka.Group, []string{d.topic})
	if err != nil {
		t.Fatal(err)
	}
	return int(lag)
}

func hasCode(r kafkasrc.Reply, code string) bool {
	return slices.ContainsFunc(r.Errors, func(e catalog.FieldError) bool { return e.Code == code })
}

// metrics returns what the hub's /metrics serves.
func metrics(b *bundle) string {
	w := httptest.NewRecorder()
	b.hub.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	return w.Body.String()
}
