#!/usr/bin/env bash
# Runs the hub's benchmarks beside their ceilings on the same broker and
# database, and prints the figures side by side with their ratios.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	cat <<USAGE
usage: $0 [RECORDS [EVENTS]]

Starts (or reuses) the local Kafka broker and PostgreSQL cluster, like
test.sh, and runs in one go, on them:
  - the hub's stages: end to end (HTTP submission to the sink's commit,
    flat out and at a steady 1,000 records/s, with the latency from a
    record's acceptance to its storing),
    ingest (HTTP to Kafka's acknowledgement), the database write of the sink,
    and webhook delivery of a burst of EVENTS events to one local receiver,
    and to ten;
  - their ceilings: a raw unnest upsert of the same rows into one plain
    table, and a raw Kafka produce of the same messages (acks=all);
then prints one line a stage: the hub's figure, the ceiling's, and the ratio.
RECORDS (default 20000) records per stage, EVENTS (default 2000) events.
Figures vary by tens of per cent from run to run on a shared machine: the
ratios of one run are what compare. Prints the raw go test output to
.credex-local/bench.out.
USAGE
	exit 0
fi

records=${1:-20000}
events=${2:-2000}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."

CREDEX_KAFKA_BROKERS=$("$here/kafka.sh" start)
CREDEX_DATABASE_URL=$("$here/postgres.sh" start)
CREDEX_TEST_LOG_DIR=$PWD/.credex-local/bench-logs
rm -rf "$CREDEX_TEST_LOG_DIR"
mkdir -p "$CREDEX_TEST_LOG_DIR"
export CREDEX_KAFKA_BROKERS CREDEX_DATABASE_URL CREDEX_TEST_LOG_DIR

out=.credex-local/bench.out
echo "bench: $records records a stage, $events webhook events; go test output in $out" >&2
go test -count=1 -run '^$' -timeout 60m -benchtime "${records}x" \
	-bench 'BenchmarkEndToEnd$|BenchmarkIngest$|BenchmarkDatabaseWrite$|BenchmarkRawUpsert$|BenchmarkKafkaProduce$' ./hub/ >"$out"
go test -count=1 -run '^$' -timeout 60m -benchtime "${events}x" \
	-bench 'BenchmarkWebhookDelivery/(burst|fanout=10)$' ./hub/ >>"$out"

# metric NAME UNIT: the value of UNIT on the benchmark line whose name
# starts with NAME.
metric() {
	awk -v name="$1" -v unit="$2" 'index($1, name) == 1 {
		for (i = 3; i < NF; i += 2) if ($(i + 1) == unit) { print $i; exit }
	}' "$out"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.0f %%", 100 * a / b }'; }
num() { awk -v a="$1" 'BEGIN { if (a == "") print "-"; else printf "%.0f", a }'; }

e2e=$(metric BenchmarkEndToEnd/clients records/s)
ingest=$(metric BenchmarkIngest/ records/s)
write=$(metric BenchmarkDatabaseWrite/ records/s)
raw=$(metric BenchmarkRawUpsert/ records/s)
produce=$(metric BenchmarkKafkaProduce/clients=4 records/s)
hooks=$(metric BenchmarkWebhookDelivery/burst deliveries/s)
fanout=$(metric BenchmarkWebhookDelivery/fanout=10 deliveries/s)

printf '%-58s %12s  %-34s %12s  %s\n' stage credex ceiling "" ratio
printf '%-58s %12s  %-34s %12s  %s\n' "end to end: HTTP -> ledger -> Kafka -> database, records/s" "$(num "$e2e")" "raw upsert of the same rows, rows/s" "$(num "$raw")" "$(ratio "$e2e" "$raw")"
printf '%-58s %12s  %-34s %12s  %s\n' "database write of the sink, records/s" "$(num "$write")" "raw upsert of the same rows, rows/s" "$(num "$raw")" "$(ratio "$write" "$raw")"
printf '%-58s %12s  %-34s %12s  %s\n' "ingest: HTTP -> ledger -> Kafka ack, records/s" "$(num "$ingest")" "Kafka produce, 4 callers, msgs/s" "$(num "$produce")" "$(ratio "$ingest" "$produce")"
printf '%-58s %12s\n' "webhook, 1 subscription, burst of $events, deliveries/s" "$(num "$hooks")"
printf '%-58s %12s\n' "webhook, 10 subscriptions, $events records each, deliveries/s" "$(num "$fanout")"
printf '%-58s %12s\n' "accepted -> stored flat out, p50 / p99 ms" \
	"$(num "$(metric BenchmarkEndToEnd/clients stored-p50-ms)") / $(num "$(metric BenchmarkEndToEnd/clients stored-p99-ms)")"
printf '%-58s %12s\n' "accepted -> stored at a steady 1,000 records/s, p50 / p99 ms" \
	"$(num "$(metric BenchmarkEndToEnd/steady stored-p50-ms)") / $(num "$(metric BenchmarkEndToEnd/steady stored-p99-ms)")"
printf '%-58s %12s\n' "submission -> delivered (webhook received), p50 / p99 ms" \
	"$(num "$(metric BenchmarkWebhookDelivery/burst p50_ms)") / $(num "$(metric BenchmarkWebhookDelivery/burst p99_ms)")"
