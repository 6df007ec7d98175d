package devkafka

import (
	"context"
	"fmt"
	"slices"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/credex/credex/internal/dirlock"
)

// Config says where the broker listens and where it keeps its state.
type Config struct {
	// Port is the TCP port on 127.0.0.1 to listen on; zero picks a free one.
	Port int
	// Dir, when set, is the directory where the broker keeps its topics,
	// records and committed group offsets, so that they survive a restart.
	// It is created if missing, and only one broker at a time may use it.
	// Empty keeps everything in memory.
	Dir string
}

// Validate reports the first field of c that Start cannot use.
func (c Config) Validate() error {
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("kafka port %d: out of range 0-65535", c.Port)
	}
	return nil
}

// Broker is a running in-process broker. Its methods are safe for
// concurrent use.
type Broker struct {
	cluster *kfake.Cluster
	addrs   []string
	unlock  func()
}

// Start runs a single in-process broker on 127.0.0.1 as cfg says and
// returns once it answers metadata requests, or with an error when ctx ends
// first. The caller must Close the broker.
func Start(ctx context.Context, cfg Config) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts := []kfake.Opt{kfake.NumBrokers(1)}
	if cfg.Port != 0 {
		opts = append(opts, kfake.Ports(cfg.Port))
	}
	unlock := func() {}
	if cfg.Dir != "" {
		var err error
		if unlock, err = dirlock.Lock(cfg.Dir, "kafka state dir"); err != nil {
			return nil, err
		}
		opts = append(opts, kfake.DataDir(cfg.Dir))
	}
	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		unlock()
		if cfg.Dir != "" {
			return nil, fmt.Errorf("start kafka broker with state in %s (remove it to start empty): %w", cfg.Dir, err)
		}
		return nil, fmt.Errorf("start kafka broker: %w", err)
	}
	b := &Broker{cluster: cluster, addrs: cluster.ListenAddrs(), unlock: unlock}
	if err := b.ready(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// ready asks the broker for its metadata the way the hub's clients will.
func (b *Broker) ready(ctx context.Context) error {
	addr := b.Addrs()[0]
	client := &kafka.Client{Addr: kafka.TCP(addr)}
	if _, err := client.Metadata(ctx, &kafka.MetadataRequest{}); err != nil {
		return fmt.Errorf("kafka broker %s metadata: %w", addr, err)
	}
	return nil
}

// Addrs returns the broker's host:port addresses, to use as bootstrap
// brokers (CREDEX_KAFKA_BROKERS). There is exactly one.
func (b *Broker) Addrs() []string {
	return slices.Clone(b.addrs)
}

// Close stops the broker: it stops accepting connections, saves its state
// when Config.Dir is set, and returns once it has stopped. Clients still
// connected see their connections closed. Close may be called more than
// once.
func (b *Broker) Close() {
	b.cluster.Close()
	b.unlock()
}
