package hub_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/credex/credex/pipeline"
)

func TestReadinessFollowsKafka(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	res, err := http.Get(b.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || body["status"] != "ready" {
		t.Fatalf("readyz = %d %v, want 200 ready", res.StatusCode, body)
	}

	if err := pipeline.Ping(context.Background(), b.cfg.Kafka); err != nil {
		t.Errorf("Ping(real broker) = %v", err)
	}
	dead := b.cfg.Kafka
	dead.Brokers = []string{"127.0.0.1:1"}
	if err := pipeline.Ping(context.Background(), dead); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("Ping(no broker) = %v, want an error naming the broker", err)
	}
}
