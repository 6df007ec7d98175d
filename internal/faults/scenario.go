package main

import (
	"time"
)

// scenario is one fault and what it needs around it.
type scenario struct {
	doc string
	// cluster: run on a three-node Kafka cluster (kafka.sh --brokers 3)
	// with topics replicated three times and min.insync.replicas 2;
	// otherwise on the single local broker.
	cluster bool
	// hubs that share the work; default 1. Client i talks to hub i mod hubs.
	hubs int
	// fsync: whether PostgreSQL flushes to disk as in production, "on" or
	// "off"; empty leaves it as it runs.
	fsync string
	// proxied: the hubs reach PostgreSQL, Kafka and the webhook
	// subscriber through TCP proxies of the harness (h.dbProxy,
	// h.kafkaProxy, h.hookProxy); Kafka is then a broker of the
	// scenario's own that advertises its proxy's port.
	proxied bool
	// duration: the least time the clients stream.
	duration time.Duration
	// inject injects the fault while the clients stream, relative to the
	// start (h.at), and returns when the harmed part runs again.
	inject func(h *harness) error
}

// scenarios are the faults, by name.
var scenarios = map[string]scenario{
	"hub-kill": {
		doc: "the hub is killed with SIGKILL three times and restarted",
		inject: func(h *harness) error {
			for i := range 3 {
				h.at(time.Duration(i+1) * h.duration / 4)
				h.kill(0)
				if err := h.start(0); err != nil {
					return err
				}
			}
			return nil
		},
	},
	"broker-bounce": {
		doc: "the Kafka broker is killed with SIGKILL and restarted",
		inject: func(h *harness) error {
			h.at(h.duration / 3)
			if err := h.kafka("kill", "1"); err != nil {
				return err
			}
			h.faultAt(time.Now())
			time.Sleep(3 * time.Second)
			return h.script("kafka.sh", "start")
		},
	},
	"broker-lost": {
		doc:      "on a three-node cluster one broker is killed for good; once submissions are accepted again a second is killed for 8 s (submissions must not be accepted unsafely) and restarted",
		cluster:  true,
		duration: 60 * time.Second,
		inject: func(h *harness) error {
			h.at(h.duration / 4)
			if err := h.kafka("kill", "3"); err != nil {
				return err
			}
			h.faultAt(time.Now())
			h.recovered(time.Minute)
			time.Sleep(5 * time.Second)
			if err := h.kafka("kill", "2"); err != nil {
				return err
			}
			h.faultAt(time.Now())
			// Answers while the broker is dead are those of the outage.
			h.setOutage(true)
			time.Sleep(8 * time.Second)
			h.setOutage(false)
			return h.kafka("start", "2")
		},
	},
	"two-hubs": {
		doc:  "two hubs share the clients; one is killed with SIGKILL and restarted, twice",
		hubs: 2,
		inject: func(h *harness) error {
			for i := range 2 {
				h.at(time.Duration(i+1) * h.duration / 3)
				h.kill(1)
				time.Sleep(2 * time.Second)
				if err := h.start(1); err != nil {
					return err
				}
			}
			return nil
		},
	},
	"postgres-stop": {
		doc:    "PostgreSQL (fsync off) stops at once (immediate shutdown) and is restarted",
		fsync:  "off",
		inject: crashPostgres,
	},
	"postgres-crash": {
		doc:    "PostgreSQL with fsync on stops at once (pg_ctl -m immediate) and recovers from its write-ahead log",
		fsync:  "on",
		inject: crashPostgres,
	},
	"subscriber-down": {
		doc: "the webhook subscriber is down for 10 s, ten minutes of the default retry schedule compressed sixty times, then up",
		inject: func(h *harness) error {
			h.at(h.duration / 4)
			h.receiver.down()
			time.Sleep(10 * time.Second)
			return h.receiver.up()
		},
	},
	"network": {
		doc:      "between hub and database, hub and Kafka broker, and hub and webhook subscriber in turn: 200 ms latency, connection resets, a 6 s black hole",
		proxied:  true,
		duration: 90 * time.Second,
		inject: func(h *harness) error {
			proxies := []*proxy{h.dbProxy, h.kafkaProxy, h.hookProxy}
			step := h.duration / time.Duration(4*len(proxies))
			for i, p := range proxies {
				base := time.Duration(1+4*i) * step
				h.at(base)
				p.set(modeLatency)
				h.at(base + step)
				p.set(modeReset)
				h.faultAt(time.Now())
				time.Sleep(2 * time.Second)
				p.set(modePass)
				h.at(base + 2*step)
				p.set(modeBlackHole)
				h.faultAt(time.Now())
				time.Sleep(6 * time.Second)
				p.set(modePass)
			}
			return nil
		},
	},
}

// crashPostgres stops PostgreSQL at once a third into the stream and starts
// it again.
func crashPostgres(h *harness) error {
	h.at(h.duration / 3)
	if err := h.script("postgres.sh", "crash"); err != nil {
		return err
	}
	h.faultAt(time.Now())
	time.Sleep(2 * time.Second)
	return h.script("postgres.sh", "start")
}
