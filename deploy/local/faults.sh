#!/usr/bin/env bash
# Runs the fault-injection harness against the local Kafka broker and PostgreSQL.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	cat <<USAGE
usage: $0 [--duration D] [--clients N] [SCENARIO...]

Builds credex, starts (or reuses) the local Kafka broker and PostgreSQL cluster
and, for each scenario (default: all), starts a hub with \`credex serve\` on a
database and topic prefix of its own, streams uniquely identified records
through the HTTP API from several clients while it injects the fault, then
checks every accepted receipt against the database and a pull subscriber. It
prints one line per scenario:

  PASS|FAIL SCENARIO: accepted= stored= lost= altered= unexpected= duplicates=
  delivered= undelivered= out-of-order= uncertain= recovery= answers=

lost: accepted but not stored at its version; altered: stored with other
content; unexpected: stored though no receipt said so and no submission was
cut off; uncertain: records whose submission got no answer or a 5xx (they may
be stored); recovery: the longest time from a fault to the next accepted
submission; answers: HTTP statuses seen (0: no answer). Exits 1 when any
scenario fails. The hubs' logs are under .credex-local/faults/.

Scenarios:
  hub-kill        the hub is killed with SIGKILL three times and restarted
  broker-bounce   the Kafka broker is killed with SIGKILL and restarted
  postgres-stop   PostgreSQL stops at once (immediate shutdown) and is restarted

The broker and PostgreSQL scenarios stop the shared local services: do not run
them while tests use them.
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
exec go run ./internal/faults --credex .credex-local/faults/credex "$@"
