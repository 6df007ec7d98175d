package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/delivery"
	"github.com/credex/credex/hub"
	"github.com/credex/credex/schemas"
)

// childEnv carries the hub configuration to a child process that runs one
// part of the hub, so that a test can kill it.
const childEnv = "CREDEX_TEST_CHILD"

type childConfig struct {
	Role string // sink, delivery or connectors
	// Connectors is the connectors file the connectors role runs.
	Connectors  string
	DatabaseURL string
	Brokers     []string
	Prefix      string
	Partitions  int
	SubjectKey  []byte
}

// runChild runs the part of the hub its configuration names until killed.
func runChild() int {
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
	sched, _ := delivery.ParseSchedule("50ms,100ms,200ms,400ms,800ms")
	cfg := hub.Config{DatabaseURL: cc.DatabaseURL, Catalog: cat, SubjectKey: cc.SubjectKey, AuthorisationKey: []byte(testAuthorisationKey),
		Delivery:     delivery.Config{Schedule: sched, Lease: 2 * time.Second, Idle: 20 * time.Millisecond},
		WebhookAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	cfg.Kafka.Brokers, cfg.Kafka.Topics.Prefix, cfg.Kafka.Partitions = cc.Brokers, cc.Prefix, cc.Partitions
	if cc.Connectors != "" {
		f, err := source.Parse([]byte(cc.Connectors), func(code string) bool { _, ok := cat.Type(code); return ok })
		if err != nil {
			panic(err)
		}
		cfg.Connectors = f.Connectors
	}
	h, err := hub.Start(ctx, cfg)
	if err != nil {
		panic(err)
	}
	switch cc.Role {
	case "sink":
		if err := h.RunSink(ctx); err != nil {
			panic(err)
		}
	case "delivery":
		h.RunDelivery(ctx)
	case "connectors":
		go h.RunRelay(ctx)
		h.RunConnectors(ctx)
	default:
		panic("unknown child role " + cc.Role)
	}
	return 0
}

// startChild runs one part of the bundle's hub (sink or delivery) in a
// child process, killed when the test ends.
func (b *bundle) startChild(role string) *exec.Cmd {
	b.t.Helper()
	return b.startChildOf(childConfig{Role: role})
}

// startConnectors runs the relay and the connectors of a connectors file
// in a child process, killed when the test ends.
func (b *bundle) startConnectors(connectors string) *exec.Cmd {
	b.t.Helper()
	return b.startChildOf(childConfig{Role: "connectors", Connectors: connectors})
}

func (b *bundle) startChildOf(cc childConfig) *exec.Cmd {
	b.t.Helper()
	role := cc.Role
	cc.DatabaseURL, cc.Brokers, cc.Prefix = b.cfg.DatabaseURL, b.cfg.Kafka.Brokers, b.cfg.Kafka.Topics.Prefix
	cc.Partitions, cc.SubjectKey = b.cfg.Kafka.Partitions, b.cfg.SubjectKey
	raw, _ := json.Marshal(cc)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	var logs bytes.Buffer
	cmd.Stderr, cmd.Stdout = &logs, io.Discard
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if b.t.Failed() {
			b.t.Logf("%s child output:\n%s", role, logs.String())
		}
	})
	return cmd
}
