package relay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/pgtest"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/record"
	"github.com/credex/credex/relay"
	"github.com/credex/credex/store"
)

// change is a version of record sourceID with content.
func change(sourceID string, content int) *record.Record {
	data := json.RawMessage(fmt.Sprintf(`{"content":%d}`, content))
	return &record.Record{
		ID: record.ID([]byte("test-record-id-key"), "dept", "administrative_penalty", sourceID), Type: "administrative_penalty", Op: record.OpUpsert,
		Department: "dept", SourceID: sourceID, SubjectKey: "subject-" + sourceID, SubjectName: "x",
		SubjectMasked: "x", CatalogVersion: 1, Data: data, ContentHash: record.CanonicalHash(record.OpUpsert, data),
		SubmissionID: "sub_test", AcceptedAt: time.Now(),
	}
}

// TestTwoRelaysPublishEveryVersionOnceInOrder admits versions of a few
// records from concurrent clients while two relays (two hubs) publish the
// outbox in small batches: every version reaches Kafka exactly once, each
// record's versions in order, and every Await returns.
func TestTwoRelaysPublishEveryVersionOnceInOrder(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	kcfg := pipeline.KafkaConfig{Brokers: kafkatest.Brokers(t), Topics: pipeline.Topics{Prefix: kafkatest.Prefix(t)}, Partitions: 3}
	topic := kcfg.Topics.Record("administrative_penalty")
	if err := pipeline.EnsureTopics(ctx, kcfg, topic); err != nil {
		t.Fatal(err)
	}
	var relays []*relay.Relay
	var running sync.WaitGroup
	for range 2 {
		p := pipeline.NewProducer(kcfg, prometheus.NewRegistry())
		t.Cleanup(func() { p.Close() })
		r := relay.New(relay.Config{Batch: 7, Poll: 10 * time.Millisecond}, st, p, kcfg.Topics,
			func(ctx context.Context) error { return pipeline.Ping(ctx, kcfg) }, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
		relays = append(relays, r)
		running.Go(func() { r.Run(ctx) })
	}
	defer running.Wait()
	defer cancel()

	const clients, rounds, records = 4, 15, 3
	var admitted sync.WaitGroup
	for c := range clients {
		admitted.Go(func() {
			for i := range rounds {
				var batch []*record.Record
				for r := range records {
					batch = append(batch, change(strconv.Itoa(r), c*1000+i))
				}
				a, err := st.Admit(ctx, batch)
				if err != nil {
					t.Error(err)
					return
				}
				wait, done := context.WithTimeout(ctx, 20*time.Second)
				if err := relays[c%2].Await(wait, a.Outbox); err != nil {
					t.Errorf("client %d round %d: await: %v", c, i, err)
				}
				done()
			}
		})
	}
	admitted.Wait()

	versions := map[string][]int{}
	for _, m := range kafkatest.ReadAll(t, kcfg.Brokers, topic) {
		var r record.Record
		if err := json.Unmarshal(m.Value, &r); err != nil {
			t.Fatal(err)
		}
		versions[r.ID] = append(versions[r.ID], r.Version)
	}
	if len(versions) != records {
		t.Fatalf("Kafka has versions of %d records, want %d", len(versions), records)
	}
	for id, vs := range versions {
		if len(vs) != clients*rounds {
			t.Errorf("record %s: %d messages, want %d", id, len(vs), clients*rounds)
		}
		for i, v := range vs {
			if v != i+1 {
				t.Errorf("record %s: message %d is version %d, want %d: versions out of order or repeated", id, i, v, i+1)
				break
			}
		}
	}
	if rows, _, err := st.OutboxBacklog(ctx); err != nil || rows != 0 {
		t.Errorf("outbox holds %d rows (%v) after every Await returned, want 0", rows, err)
	}
}
