#!/usr/bin/env bash
# Runs the fault-injection harness against the local Kafka broker and PostgreSQL.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	cat <<USAGE
usage: $0 [--duration D] [--clients N] [SCENARIO...]
       $0 soak | --soak D [--rate R] [--sample I]

Builds credex, starts (or reuses) the local Kafka broker and PostgreSQL cluster
and, for each scenario (default: all), starts hubs with \`credex serve\` on a
database and topic prefix of their own, streams uniquely identified records
through the HTTP API from several clients while it injects the fault, then
checks every accepted receipt against the database, a pull subscriber and a
webhook subscriber the harness runs. It prints one line per scenario:

  PASS|FAIL SCENARIO: accepted= pending= stored= lost= altered= unexpected= db-duplicates=
  delivered= undelivered= duplicates= out-of-order= webhook-at-least-once=
  webhook-missing= webhook-redelivered= webhook-out-of-order= webhook-unstable-ids=
  webhook-unsigned= uncertain= recovery= answers= [outage-answers= outage-accepted=]

accepted: receipts "accepted"; pending: receipts "pending" (a 202 answer:
the hub stored the records but Kafka did not acknowledge them in time; the hub
promises to publish them, so they are checked as the accepted ones are);
lost: accepted or pending but not stored at its version; altered: stored with other
content; unexpected: stored though no receipt said so and no submission was
cut off; db-duplicates: rows of the database beyond one for
each payload; delivered, undelivered, duplicates, out-of-order: the pull
subscriber; webhook-at-least-once: accepted versions the webhook subscriber
received at least once (webhook-missing: not), webhook-redelivered: events it
received again (allowed: delivery is at least once), webhook-out-of-order: new
events about a person older than one received before, webhook-unstable-ids:
versions received under a second event id; uncertain: records whose submission
got no answer or an error (they may be stored); recovery: the longest time from
a fault to the next submission answered 200 ("never": none was accepted within a
minute after the fault); answers: HTTP statuses seen (0: no answer), a
submission each: ten records, but one in the warm-up's submissions, sent to
each hub until one is accepted;
outage-answers and outage-accepted: what the hub answered, and how many records
it answered "accepted", while more brokers were down than min.insync.replicas
allows (accepted then would not be safe: it must be 0).
Exits 1 when any scenario fails. The hubs' logs are under .credex-local/faults/.

Scenarios:
  broker-bounce    the Kafka broker is killed with SIGKILL and restarted
  broker-lost      on a three-node cluster (kafka.sh --brokers 3, on the ports
                   ten above CREDEX_KAFKA_PORT; topics with replication factor 3
                   and min.insync.replicas 2) one broker is killed for good;
                   once submissions are accepted again a second is killed for
                   8 s and restarted
  hub-kill         the hub is killed with SIGKILL three times and restarted
  network          TCP proxies between hub and database, between hub and Kafka
                   broker and between hub and webhook subscriber add, on one
                   path after the other, 200 ms latency, reset connections and
                   black-hole the traffic for 6 s; the broker is one of the
                   scenario's own (ports twenty above CREDEX_KAFKA_PORT, state
                   under .credex-local/kafka-proxied/) that advertises the
                   port of its proxy, so that every connection of the hub to
                   Kafka passes the proxy
  postgres-crash   PostgreSQL with fsync on stops at once (-m immediate) and
                   recovers from its write-ahead log
  postgres-stop    PostgreSQL (fsync off) stops at once and is restarted
  subscriber-down  the webhook subscriber is down for 10 s (the retry schedule
                   of the hubs is the default's sixty times shorter), then up
  two-hubs         two hubs share the clients; one is killed with SIGKILL and
                   restarted, twice

soak (--soak 10m) streams --rate records a second (default 200) through one hub
with both subscribers for the given time instead, samples the hub's resident
memory, goroutines, database connections and sink lag every --sample (5s),
checks every receipt, and writes docs/soak.md and docs/soak.svg.

The broker and PostgreSQL scenarios stop the local services: do not run them
while tests use them, or give the harness services of its own with
CREDEX_KAFKA_PORT and CREDEX_PG_PORT (and a checkout of its own: the state of
the services lives under .credex-local/).
USAGE
	exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."

CREDEX_KAFKA_BROKERS=$("$here/kafka.sh" start)
CREDEX_DATABASE_URL=$("$here/postgres.sh" start)
export CREDEX_KAFKA_BROKERS CREDEX_DATABASE_URL
mkdir -p .credex-local/faults
go build -o .credex-local/faults/credex ./cmd/credex
if [[ ${1:-} == soak ]]; then
	shift
	set -- --soak 10m "$@"
fi
go build -o .credex-local/faults/harness ./internal/faults
exec .credex-local/faults/harness --credex .credex-local/faults/credex "$@"
