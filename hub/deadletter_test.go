package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/record"
)

// TestUnwritableRecordGoesToDeadLetterAndDoesNotBlock puts two records the
// database can never take (bytes that are no record, and a revocation of a
// record never stored) in front of a valid record on the same partition. The
// two go to the dead-letter topic with their reasons; the valid one is stored.
func TestUnwritableRecordGoesToDeadLetterAndDoesNotBlock(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	resp := b.submit(200, envelope("administrative_penalty", "upsert", "G-1", b.penalty()))
	b.waitVersion(resp.Receipts[0].RecordID, 1)

	key := []byte("same-subject")
	orphan := record.Record{ID: "rec_neverstored", Type: "administrative_penalty", Op: record.OpRevoke, Version: 2,
		Department: b.market.Code, SourceID: "nowhere", SubjectKey: string(key), CatalogVersion: 1,
		ContentHash: "x", Data: json.RawMessage(`{}`), SubmissionID: "sub_test", AcceptedAt: time.Now()}
	orphanMsg, _ := b.cfg.Kafka.Topics.Message(&orphan)
	good := record.Record{ID: "rec_good", Type: "administrative_penalty", Op: record.OpUpsert, Version: 1,
		Department: b.market.Code, SourceID: "good", SubjectKey: string(key), SubjectName: "x", SubjectMasked: "x",
		CatalogVersion: 1, ContentHash: "y", Data: json.RawMessage(`{"a":1}`), SubmissionID: "sub_test", AcceptedAt: time.Now()}
	goodMsg, _ := b.cfg.Kafka.Topics.Message(&good)
	garbage := kafka.Message{Topic: b.recordTopic("administrative_penalty"), Key: key, Value: []byte("not a record")}

	producer := pipeline.NewProducer(b.cfg.Kafka, prometheus.NewRegistry())
	defer producer.Close()
	if err := producer.Publish(context.Background(), garbage, orphanMsg, goodMsg); err != nil {
		t.Fatal(err)
	}

	b.waitVersionAs("rec_good", 1)
	dead := readUntil(t, b, b.cfg.Kafka.Topics.DeadLetter(), 2)
	reasons := []string{header(dead[0], "credex-dead-reason"), header(dead[1], "credex-dead-reason")}
	if string(dead[0].Value) != "not a record" || !strings.Contains(reasons[0], "decode record") {
		t.Errorf("first dead letter = %q (%s), want the garbage with a decode reason", dead[0].Value, reasons[0])
	}
	if !strings.Contains(string(dead[1].Value), "rec_neverstored") || !strings.Contains(reasons[1], "database refused") {
		t.Errorf("second dead letter = %s (%s), want the orphan revocation refused by the database", dead[1].Value, reasons[1])
	}
	if src := header(dead[0], "credex-dead-source"); !strings.HasPrefix(src, b.recordTopic("administrative_penalty")+"/") {
		t.Errorf("dead letter source = %q, want topic/partition/offset", src)
	}
	if n := b.count(`SELECT count(*) FROM record_versions WHERE record_id = 'rec_neverstored'`); n != 0 {
		t.Errorf("the refused revocation left %d rows", n)
	}
}

// Numbers at the edges of what validation lets through are stored: the
// database takes every number the hub accepts.
func TestNumbersAtTheEdgesOfValidationAreStored(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	var envs []map[string]any
	for i, n := range []string{"1.7976931348623157e308", "4.9e-324", "0e-400", "0e400", "-0",
		"0." + strings.Repeat("1", 98), "1" + strings.Repeat("0", 95) + "e-95"} {
		d := b.penalty()
		d["amount_yuan"] = json.Number(n)
		envs = append(envs, envelope("administrative_penalty", "upsert", fmt.Sprintf("EDGE-%d", i), d))
	}
	// Pending (202) is as good a receipt here: the hub publishes those itself.
	var resp httpin.Response
	if status := b.post(marketKey, "application/json", batch(envs...), &resp); status != http.StatusOK && status != http.StatusAccepted {
		t.Fatalf("submission answered %d, want 200: %+v", status, resp)
	}
	for _, rc := range resp.Receipts {
		b.waitVersion(rc.RecordID, 1)
	}
	if n := b.topicCount(b.cfg.Kafka.Topics.DeadLetter()); n != 0 {
		t.Errorf("%d records went to the dead-letter topic", n)
	}
}

// waitVersionAs waits for a record written straight to Kafka (not through
// the API) to reach the database.
func (b *bundle) waitVersionAs(id string, version int) {
	b.t.Helper()
	wait.For(b.t, 30*time.Second, fmt.Sprintf("record %s version %d to be stored", id, version), func() bool {
		return b.count(`SELECT count(*) FROM records WHERE record_id = $1 AND version = $2`, id, version) > 0
	})
}

func readUntil(t *testing.T, b *bundle, topic string, n int) []kafka.Message {
	t.Helper()
	var msgs []kafka.Message
	wait.For(t, 30*time.Second, fmt.Sprintf("%d messages on %s", n, topic), func() bool {
		msgs = kafkatest.ReadAll(t, b.cfg.Kafka.Brokers, topic)
		return len(msgs) >= n
	})
	return msgs
}

func header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
