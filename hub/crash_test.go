package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/hub"
	"github.com/credex/credex/schemas"
)

// childEnv carries the hub configuration to a child process that runs only
// the database sink, so that a test can kill it.
const childEnv = "CREDEX_TEST_SINK_CHILD"

type childConfig struct {
	DatabaseURL string
	Brokers     []string
	Prefix      string
	Partitions  int
	SubjectKey  []byte
}

func runChildSink() int {
	var cc childConfig
	if err := json.Unmarshal([]byte(os.Getenv(childEnv)), &cc); err != nil {
		panic(err)
	}
	cat, err := catalog.Load(schemas.FS)
	if err != nil {
		panic(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	cfg := hub.Config{DatabaseURL: cc.DatabaseURL, Catalog: cat, SubjectKey: cc.SubjectKey,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	cfg.Kafka.Brokers, cfg.Kafka.Topics.Prefix, cfg.Kafka.Partitions = cc.Brokers, cc.Prefix, cc.Partitions
	h, err := hub.Start(ctx, cfg)
	if err != nil {
		panic(err)
	}
	if err := h.RunSink(ctx); err != nil {
		panic(err)
	}
	return 0
}

// startSink runs the database sink in a child process.
func (b *bundle) startSink() *exec.Cmd {
	b.t.Helper()
	cc, _ := json.Marshal(childConfig{DatabaseURL: b.cfg.DatabaseURL, Brokers: b.cfg.Kafka.Brokers,
		Prefix: b.cfg.Kafka.Topics.Prefix, Partitions: b.cfg.Kafka.Partitions, SubjectKey: b.cfg.SubjectKey})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(cc))
	var logs bytes.Buffer
	cmd.Stderr, cmd.Stdout = &logs, io.Discard
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if b.t.Failed() {
			b.t.Logf("sink child output:\n%s", logs.String())
		}
	})
	return cmd
}

// TestSinkKilledMidStreamStoresEveryRecordOnce kills the sink process with
// SIGKILL while it is writing, starts another, and checks that every
// accepted record is stored exactly once.
func TestSinkKilledMidStreamStoresEveryRecordOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	const total, perBatch = 4000, 400
	first := b.startSink()

	var accepted sync.WaitGroup
	accepted.Go(func() {
		for i := 0; i < total; i += perBatch {
			envs := make([]map[string]any, perBatch)
			for j := range envs {
				envs[j] = envelope("administrative_penalty", "upsert", sourceID("K", i+j), b.penalty())
			}
			if resp := b.submit(200, envs...); resp.Accepted != perBatch {
				t.Errorf("batch at %d: %d accepted, want %d", i, resp.Accepted, perBatch)
			}
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for b.count(`SELECT count(*) FROM record_versions`) < 300 {
		if time.Now().After(deadline) {
			t.Fatal("the sink stored fewer than 300 records in 60s")
		}
		time.Sleep(2 * time.Millisecond)
	}
	first.Process.Kill() // SIGKILL: no clean close, no final commit
	first.Wait()
	killedAt := b.count(`SELECT count(*) FROM record_versions`)
	accepted.Wait()
	if killedAt >= total {
		t.Fatalf("the sink had stored all %d records before it was killed; the test proves nothing", total)
	}
	t.Logf("killed the sink after %d of %d records", killedAt, total)

	b.startSink()
	deadline = time.Now().Add(90 * time.Second)
	for b.count(`SELECT count(*) FROM record_versions`) < total {
		if time.Now().After(deadline) {
			t.Fatalf("after restart, %d of %d records stored in 90s", b.count(`SELECT count(*) FROM record_versions`), total)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // let redeliveries, if any, land
	if n := b.count(`SELECT count(*) FROM records`); n != total {
		t.Errorf("records = %d, want %d", n, total)
	}
	if n := b.count(`SELECT count(*) FROM record_versions`); n != total {
		t.Errorf("record versions = %d, want %d (each record once)", n, total)
	}
	if n := b.count(`SELECT count(*) FROM records WHERE version <> 1`); n != 0 {
		t.Errorf("%d records have a version other than 1", n)
	}
}
