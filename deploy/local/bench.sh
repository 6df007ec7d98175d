#!/usr/bin/env bash
# Runs the hub's benchmarks beside their ceilings on the same broker and
# database, and prints the figures side by side with their ratios.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	cat <<USAGE
usage: $0 [RECORDS [EVENTS]]

Starts (or reuses) the local Kafka broker and PostgreSQL cluster, like
test.sh, or uses those CREDEX_KAFKA_BROKERS and CREDEX_DATABASE_URL name when
both are set, and runs in one go, on them:
  - the hub's stages: end to end (HTTP submission to the sink's commit,
    flat out and at a steady 1,000 and 5,000 records/s, with the latency from a
    record's acceptance to its storing),
    ingest (HTTP to Kafka's acknowledgement), the database write of the sink,
    the sink's drain of a backlog waiting on Kafka,
    webhook delivery of a burst of EVENTS events to one local receiver,
    and to ten, and of a backlog of EVENTS events held back, to one and to
    ten;
  - their ceilings: a raw unnest upsert of the same rows into one plain
    table, a raw Kafka produce of the same messages (acks=all), and a
    trivial local webhook receiver taking requests of an event's size over
    one connection and over eight;
  - the sink's peer: Kafka Connect with Debezium's JDBC sink connector
    (deploy/local/connect.sh, started for the run and stopped after it),
    draining the same records from a topic of their own into a table of
    its own, out of the box and tuned;
then prints one line a stage: the hub's figure, the ceiling's or the peer's,
and the ratio.
RECORDS (default 20000) records per stage, EVENTS (default 2000) events.
Figures vary by tens of per cent from run to run on a shared machine: the
ratios of one run are what compare. Prints the raw go test output to
.credex-local/bench.out, and keeps the end-to-end runs' CPU profile in
.credex-local/bench-e2e.cpu (go tool pprof .credex-local/bench-hub.test
.credex-local/bench-e2e.cpu). The first run resolves Kafka Connect's jars with
Maven (cached under .credex-local/connect/); later runs fetch nothing.
A benchmark that fails leaves its figures out ("-") and the others run;
the script then exits 1 (also when a service does not start; 2 on a usage
error, 130 when interrupted).
USAGE
	exit 0
fi

records=${1:-20000}
events=${2:-2000}
if ! [[ $records =~ ^[1-9][0-9]*$ && $events =~ ^[1-9][0-9]*$ ]] || (($# > 2)); then
	echo "usage: $0 [RECORDS [EVENTS]] (positive numbers; --help says more)" >&2
	exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."

if [[ -z ${CREDEX_KAFKA_BROKERS:-} || -z ${CREDEX_DATABASE_URL:-} ]]; then
	CREDEX_KAFKA_BROKERS=$("$here/kafka.sh" start)
	CREDEX_DATABASE_URL=$("$here/postgres.sh" start)
fi
CREDEX_TEST_LOG_DIR=$PWD/.credex-local/bench-logs
rm -rf "$CREDEX_TEST_LOG_DIR"
mkdir -p "$CREDEX_TEST_LOG_DIR"
export CREDEX_KAFKA_BROKERS CREDEX_DATABASE_URL CREDEX_TEST_LOG_DIR

out=.credex-local/bench.out
echo "bench: $records records a stage, $events webhook events; go test output in $out" >&2
: >"$out"
failed=0
# bench COUNT PATTERN [FLAGS...]: runs the benchmarks PATTERN of ./hub/ COUNT
# times each, with go test's FLAGS, appending to $out; a failure is
# remembered, not fatal.
bench() {
	go test -count=1 -run '^$' -timeout 60m -benchtime "$1x" -bench "$2" "${@:3}" ./hub/ >>"$out" || failed=1
}
# The database's processor time is read from /proc when its server runs on
# this machine, on the port of CREDEX_DATABASE_URL: postmaster is its pid.
postmaster=
dbport=$(sed -E 's|.*@[^/:]+:([0-9]+)/.*|\1|' <<<"$CREDEX_DATABASE_URL")
for pid in $(pgrep -x postgres || true); do
	if [[ $(sed -n 4p "/proc/$pid/cwd/postmaster.pid" 2>/dev/null) == "$dbport" ]]; then
		postmaster=$(sed -n 1p "/proc/$pid/cwd/postmaster.pid")
		break
	fi
done
# dbticks: the clock ticks of processor time the server and its processes,
# ended ones included, have used so far; empty when unknown.
dbticks() {
	[[ -n $postmaster ]] || return 0
	local sum child
	sum=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$postmaster/stat" 2>/dev/null) || return 0
	for child in $(pgrep -P "$postmaster"); do
		sum=$((sum + $(awk '{ print $14 + $15 }' "/proc/$child/stat" 2>/dev/null || echo 0)))
	done
	echo "$sum"
}
# dbmicros BEFORE AFTER ROWS: microseconds of the server's processor time a row.
dbmicros() {
	[[ -n $1 && -n $2 ]] || return 0
	awk -v t="$(($2 - $1))" -v hz="$(getconf CLK_TCK)" -v n="$3" 'BEGIN { printf "%.0f", 1e6 * t / hz / n }'
}

# The end-to-end runs are profiled on their own (which costs them a few per
# cent), for the share of the hub's processor time that goes to JSON and
# schema validation.
profile=.credex-local/bench-e2e.cpu
binary=.credex-local/bench-hub.test
before=$(dbticks)
bench "$records" 'BenchmarkEndToEnd$' -cpuprofile "$profile" -o "$binary"
# A warm-up of 100 records, then flat out and at two steady rates.
e2eDB=$(dbmicros "$before" "$(dbticks)" $((3 * records + 100)))
before=$(dbticks)
bench "$records" 'BenchmarkRawUpsert$'
rawDB=$(dbmicros "$before" "$(dbticks)" "$records")
bench "$records" 'BenchmarkIngest$|BenchmarkDatabaseWrite$|BenchmarkKafkaProduce$'
bench "$events" 'BenchmarkWebhookDelivery/(receiver|burst|fanout=10|drain)'

# The peer runs only while it is measured, beside the sink's own drain; a
# worker this script started is stopped however the script ends.
if ! "$here/connect.sh" status 2>/dev/null; then
	trap '"$here/connect.sh" stop' EXIT
	trap 'exit 130' INT TERM
fi
CREDEX_CONNECT_URL=$("$here/connect.sh" start)
export CREDEX_CONNECT_URL
before=$(dbticks)
bench "$records" 'BenchmarkSinkDrain$'
drainDB=$(dbmicros "$before" "$(dbticks)" "$records")
# Connect drains the records twice, once a variant.
before=$(dbticks)
bench "$records" 'BenchmarkConnectDrain/^tasks=1,batch=(500|2000,unnest)$'
peerDB=$(dbmicros "$before" "$(dbticks)" $((2 * records)))

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
drain=$(metric BenchmarkSinkDrain/ records/s)
peer=$(metric BenchmarkConnectDrain/tasks=1,batch=2000,unnest records/s)
peerDefault=$(metric BenchmarkConnectDrain/tasks=1,batch=500 records/s)
hooks=$(metric BenchmarkWebhookDelivery/burst deliveries/s)
fanout=$(metric BenchmarkWebhookDelivery/fanout=10 deliveries/s)
drain1=$(metric BenchmarkWebhookDelivery/drain/subscriptions=1- deliveries/s)
drain10=$(metric BenchmarkWebhookDelivery/drain/subscriptions=10- deliveries/s)
conn1=$(metric BenchmarkWebhookDelivery/receiver/conns=1- requests/s)
conn8=$(metric BenchmarkWebhookDelivery/receiver/conns=8- requests/s)

printf '%-58s %12s  %-34s %12s  %s\n' stage credex ceiling "" ratio
printf '%-58s %12s  %-34s %12s  %s\n' "end to end: HTTP -> ledger -> Kafka -> database, records/s" "$(num "$e2e")" "raw upsert of the same rows, rows/s" "$(num "$raw")" "$(ratio "$e2e" "$raw")"
printf '%-58s %12s  %-34s %12s  %s\n' "database write of the sink, records/s" "$(num "$write")" "raw upsert of the same rows, rows/s" "$(num "$raw")" "$(ratio "$write" "$raw")"
printf '%-58s %12s  %-34s %12s  %s\n' "ingest: HTTP -> ledger -> Kafka ack, records/s" "$(num "$ingest")" "Kafka produce, 4 callers, msgs/s" "$(num "$produce")" "$(ratio "$ingest" "$produce")"
printf '%-58s %12s  %-34s %12s  %s\n' "webhook, 1 subscription, burst of $events, deliveries/s" "$(num "$hooks")" "trivial receiver, 1 connection, req/s" "$(num "$conn1")" "$(ratio "$hooks" "$conn1")"
printf '%-58s %12s  %-34s %12s  %s\n' "webhook, 10 subscriptions, $events records each, deliveries/s" "$(num "$fanout")" "trivial receiver, 8 connections, req/s" "$(num "$conn8")" "$(ratio "$fanout" "$conn8")"
printf '%-58s %12s  %-34s %12s  %s\n' "webhook, backlog of $events drained, 1 subscription, deliveries/s" "$(num "$drain1")" "trivial receiver, 1 connection, req/s" "$(num "$conn1")" "$(ratio "$drain1" "$conn1")"
printf '%-58s %12s  %-34s %12s  %s\n' "webhook, backlogs of $events drained, 10 subscriptions, deliveries/s" "$(num "$drain10")" "trivial receiver, 8 connections, req/s" "$(num "$conn8")" "$(ratio "$drain10" "$conn8")"
printf '%-58s %12s\n' "accepted -> stored flat out, p50 / p99 ms" \
	"$(num "$(metric BenchmarkEndToEnd/clients stored-p50-ms)") / $(num "$(metric BenchmarkEndToEnd/clients stored-p99-ms)")"
for rate in 1000 5000; do
	steady=BenchmarkEndToEnd/steady=$rate/
	printf '%-58s %12s  %-34s %12s\n' "accepted -> stored at a steady $rate records/s, p50 / p99 ms" \
		"$(num "$(metric "$steady" stored-p50-ms)") / $(num "$(metric "$steady" stored-p99-ms)")" \
		"records/s stored" "$(num "$(metric "$steady" records/s)")"
done
# milliseconds [PPROF FLAGS...]: the processor time of the end-to-end profile,
# without the benchmark's own clients and setup, within FLAGS' filter.
milliseconds() {
	[[ -s $profile && -x $binary ]] || return 0
	go tool pprof -top -nodecount=1000000 -nodefraction=0 -edgefraction=0 -unit=ms \
		-ignore='hub_test\.|hub\.Start|devoidc|persistConn' "$@" "$binary" "$profile" 2>/dev/null |
		awk '$1 ~ /ms$/ { sub("ms", "", $1); sum += $1 } END { if (NR) print sum }'
}
# JSON: reading and writing it; validation: all that validating a payload takes.
validation='encoding/json|gojsonschema|internal/jsonvalue|catalog\.\(\*RecordType\)\.ValidateValue'
printf '%-58s %12s  %-34s %12s  %s\n' "JSON and schema validation, end to end, CPU ms" \
	"$(num "$(milliseconds -focus="$validation")")" "all of the hub's, CPU ms" \
	"$(num "$(milliseconds)")" "$(ratio "$(milliseconds -focus="$validation")" "$(milliseconds)")"
printf '%-58s %12s  %-34s %12s  %s\n' "PostgreSQL CPU a record end to end, setup included, us" "$(num "$e2eDB")" \
	"raw upsert, a row, us" "$(num "$rawDB")" "$(ratio "$e2eDB" "$rawDB")"
printf '%-58s %12s\n' "submission -> delivered (webhook received), p50 / p99 ms" \
	"$(num "$(metric BenchmarkWebhookDelivery/burst p50_ms)") / $(num "$(metric BenchmarkWebhookDelivery/burst p99_ms)")"

printf '\n%-58s %12s  %-34s %12s  %s\n' stage credex peer "" ratio
printf '%-58s %12s  %-34s %12s  %s\n' "sink drain of a backlog: Kafka -> database, records/s" "$(num "$drain")" "Connect JDBC sink, tuned, rows/s" "$(num "$peer")" "$(ratio "$drain" "$peer")"
printf '%-58s %12s  %-34s %12s  %s\n' "  the same, from the first row stored, records/s" \
	"$(num "$(metric BenchmarkSinkDrain/ started-records/s)")" "Connect JDBC sink, tuned, rows/s" \
	"$(num "$(metric BenchmarkConnectDrain/tasks=1,batch=2000,unnest started-records/s)")" \
	"$(ratio "$(metric BenchmarkSinkDrain/ started-records/s)" "$(metric BenchmarkConnectDrain/tasks=1,batch=2000,unnest started-records/s)")"
printf '%-58s %12s  %-34s %12s\n' "  start -> first row stored, ms" \
	"$(num "$(metric BenchmarkSinkDrain/ first-ms)")" "Connect JDBC sink, tuned, ms" \
	"$(num "$(metric BenchmarkConnectDrain/tasks=1,batch=2000,unnest first-ms)")"
printf '%-58s %12s  %-34s %12s  %s\n' "sink drain of a backlog: Kafka -> database, records/s" "$(num "$drain")" "Connect JDBC sink, defaults, rows/s" "$(num "$peerDefault")" "$(ratio "$drain" "$peerDefault")"
printf '%-58s %12s  %-34s %12s  %s\n' "PostgreSQL CPU a record, sink drain, setup included, us" "$(num "$drainDB")" \
	"Connect's two drains, a row, us" "$(num "$peerDB")" "$(ratio "$drainDB" "$peerDB")"
cat <<NOTE
per record, the credex sink stores a version, the record's current state, an
event and its sequence number, in a transaction per partition of a batch of up
to 500, then commits the Kafka offsets; Connect upserts one row (record id, type, version,
jsonb payload) and commits offsets on its own schedule. Tuned: one task (the
topic has 3 partitions; more tasks start slower and write no faster here),
batch.size=2000, UNNEST inserts. Defaults: one task, batch.size=500, one
INSERT ... ON CONFLICT a row, sent as a JDBC batch. Both drains run from the
sink's start, joining the consumer group included, until the database holds
all $records records.
NOTE
if ((failed)); then
	echo "bench: FAIL: a benchmark failed; its figures are missing (see $out)" >&2
	exit 1
fi
