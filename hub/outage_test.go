package hub_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/relay"
	"github.com/credex/credex/store"
)

// TestUnreachableInfrastructureAcceptsNothing submits through an ingest
// connector whose Kafka, then whose database, cannot be reached: the answer
// is 503 and no record gets a version or reaches a topic. Sent again to the
// working hub, the same submission is accepted as version 1.
func TestUnreachableInfrastructureAcceptsNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	body := batch(envelope("administrative_penalty", "upsert", "D-1", b.penalty()))
	deadKafka := b.cfg.Kafka
	deadKafka.Brokers = []string{"127.0.0.1:1"}
	deadStore, err := store.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(deadStore.Close)

	relayOf := func(st relay.Store, kafka pipeline.KafkaConfig) (*relay.Relay, *pipeline.Producer) {
		p := pipeline.NewProducer(kafka, prometheus.NewRegistry())
		return relay.New(relay.Config{}, st, p, kafka.Topics, func(ctx context.Context) error { return pipeline.Ping(ctx, kafka) },
			slog.New(slog.DiscardHandler), prometheus.NewRegistry()), p
	}
	deadRelay, deadProducer := relayOf(b.hub.Store(), deadKafka)
	liveRelay, liveProducer := relayOf(deadStore, b.cfg.Kafka)
	for name, deps := range map[string]intake.Deps{
		"kafka down":    {Ledger: b.hub.Store(), Relay: deadRelay, Publisher: deadProducer},
		"database down": {Ledger: deadStore, Relay: liveRelay, Publisher: liveProducer},
	} {
		deps.Catalog, deps.Topics, deps.SubjectKey = b.catalog, b.cfg.Kafka.Topics, b.cfg.SubjectKey
		deps.Logger, deps.Registry = slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry()
		ingest := httpin.New(httpin.Config{}, intake.New(intake.Config{}, deps), deps.Logger, deps.Registry)
		req := httptest.NewRequest(http.MethodPost, "/v1/submissions", strings.NewReader(string(body)))
		req = req.WithContext(principal.With(req.Context(), &principal.Principal{
			Kind: principal.Department, Name: b.market.Name, Code: b.market.Code, Types: b.market.Types}))
		rec := httptest.NewRecorder()
		ingest.ServeHTTP(rec, req)

		var resp httpin.Response
		json.Unmarshal(rec.Body.Bytes(), &resp)
		if rec.Code != http.StatusServiceUnavailable || resp.Code != "unavailable" || len(resp.Receipts) != 0 {
			t.Errorf("%s: status %d body %s, want 503 unavailable without receipts", name, rec.Code, rec.Body)
		}
	}
	if n := b.count(`SELECT count(*) FROM record_heads`); n != 0 {
		t.Errorf("%d records got versions while infrastructure was down", n)
	}
	if n := b.topicCount(b.recordTopic("administrative_penalty")); n != 0 {
		t.Errorf("%d records reached Kafka while the database was down", n)
	}
	resp := b.submit(http.StatusOK, envelope("administrative_penalty", "upsert", "D-1", b.penalty()))
	if rc := resp.Receipts[0]; rc.Status != "accepted" || rc.Version != 1 {
		t.Errorf("after recovery: receipt %+v, want accepted version 1", rc)
	}
}
