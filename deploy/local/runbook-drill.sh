#!/usr/bin/env bash
# Rehearses the runbook's backup, restore and replay procedures on the local
# Kafka broker and PostgreSQL, with a real hub (credex serve), and checks each
# outcome the runbook promises.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	cat <<USAGE
usage: $0

Follows docs/runbook.md ("Backing up and restoring", "The audit chain",
"Replaying a subscription") on a database and topic prefix of its own:

  1. a hub (credex serve) stores 20 penalties; an agency pulls their events
  2. backup: pg_dump -Fc of the database
  3. 10 more penalties are stored after the backup
  4. the end offset of the audit checkpoint topic is noted; the hub stops
  5. restore: the dump into a new database; the sink's offsets reset to
     before the backup (kafka-consumer-groups --reset-offsets --to-datetime)
  6. a hub on the restored database stores the 10 later penalties again
  7. credex audit verify fails (the restored log no longer reaches the
     newest checkpoint), and passes with --checkpoints-from the noted offset
  8. the agency's subscription is replayed from before the first penalty:
     every event comes again, with the same ids

Prints one line per step and "drill: PASS" at the end; exits 1 at the first
step that does not hold. Starts (or reuses) the local services; leaves its
databases and topics behind only when it fails (see .credex-local/drill/).
USAGE
	exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
work=$PWD/.credex-local/drill
mkdir -p "$work"

say() { echo "drill: $*"; }
fail() {
	say "FAIL: $*"
	[[ -f $work/hub.log ]] && tail -n 20 "$work/hub.log" | sed 's/^/  hub: /'
	exit 1
}

brokers=$("$here/kafka.sh" start 2>/dev/null)
admin_url=$("$here/postgres.sh" start 2>/dev/null)
libs=$PWD/.credex-local/kafka/libs
kafka_tool() { java -cp "$libs/*" -Dlog4j2.configurationFile="$here/kafka/log4j2.properties" "$@"; }

go build -o "$work/credex" ./cmd/credex
tag=drill_$(date +%s)_$RANDOM
prefix="${tag//_/-}."
db_of() { echo "${admin_url/\/credex\?//$1?}"; }
psql -q -d "$admin_url" -c "CREATE DATABASE $tag" -c "CREATE DATABASE ${tag}_restored"
db=$(db_of "$tag")
restored=$(db_of "${tag}_restored")

export CREDEX_SUBJECT_KEY=$(head -c 24 /dev/urandom | base64)
export CREDEX_AUTHORISATION_KEY=$(head -c 24 /dev/urandom | base64)
port=$((20000 + RANDOM % 10000))
hub=http://127.0.0.1:$port
pid=
start_hub() {
	"$work/credex" serve --addr "127.0.0.1:$port" --database-url "$1" --kafka-brokers "$brokers" \
		--topic-prefix "$prefix" --partitions 3 --principals deploy/dev/seed.yaml \
		--audit-checkpoint-interval 500ms >>"$work/hub.log" 2>&1 &
	pid=$!
	for _ in $(seq 300); do
		curl -fs "$hub/readyz" >/dev/null 2>&1 && return
		kill -0 "$pid" 2>/dev/null || fail "the hub exited at start"
		sleep 0.2
	done
	fail "the hub was not ready within 60s"
}
stop_hub() {
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
trap stop_hub EXIT

MARKET=dev-market-regulation-key-0001
AGENCY=dev-bank-regulator-key-0004
OP=dev-operator-key-0006
call() { # METHOD PATH KEY [BODY]
	curl -fsS -X "$1" "$hub$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' ${4:+-d "$4"}
}
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

# penalties FROM N: a submission of N penalties about synthetic persons,
# numbered from FROM.
penalties() {
	python3 - "$1" "$2" <<'PY'
import json, sys
start, n = int(sys.argv[1]), int(sys.argv[2])
def citizen(seq):
    body = "500103" + "1980%02d%02d" % (seq % 12 + 1, seq % 28 + 1) + "%03d" % (seq % 1000)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
records = []
for i in range(start, start + n):
    records.append({"type": "administrative_penalty", "op": "upsert", "source_id": "DRILL-%04d" % i, "data": {
        "subject": {"name": "演练%04d" % i, "id_number": citizen(i)},
        "decision": {"document_no": "演市监罚〔2026〕%04d号" % i, "date": "2026-11-02",
                     "authority": {"name": "示例市市场监督管理局", "credit_code": "11500103540776846N"}},
        "legal_basis": "《中华人民共和国食品安全法》第一百二十二条", "severity": "minor",
        "penalty_types": ["warning"], "facts": "演练记录。"}})
print(json.dumps({"records": records}, ensure_ascii=False))
PY
}
submit() { # FROM N
	local accepted
	accepted=$(call POST /v1/submissions "$MARKET" "$(penalties "$1" "$2")" | json 'd["accepted"]')
	[[ $accepted == "$2" ]] || fail "submission of $2 penalties accepted $accepted"
}
# events: the ids of every event of the subscription after cursor $1.
events() {
	local after=$1 out ids=""
	while :; do
		out=$(call GET "/v1/subscriptions/$sub/events?after=$after" "$AGENCY")
		ids+=$(echo "$out" | json '"".join(e["id"] + "\n" for e in d["events"])')$'\n'
		[[ $(echo "$out" | json 'len(d["events"])') == 0 ]] && break
		after=$(echo "$out" | json 'd["next"]')
	done
	echo "$ids" | sed '/^$/d' | sort
}
wait_events() { # N
	for _ in $(seq 150); do
		[[ $(events 0 | wc -l) -ge $1 ]] && return
		sleep 0.2
	done
	fail "the subscription got $(events 0 | wc -l) events, want $1"
}

start_hub "$db"
t0=$(date -u +%FT%TZ)
sub=$(call POST /v1/subscriptions "$AGENCY" '{"types": ["administrative_penalty"], "mode": "pull"}' | json 'd["id"]')
if [[ $(call GET "/v1/subscriptions/$sub" "$AGENCY" | json 'd["status"]') != active ]]; then
	call POST "/v1/subscriptions/$sub/approval" "$OP" '{}' >/dev/null
fi
submit 1 20
wait_events 20
say "1. 20 penalties stored and pulled by the agency"

pg_dump -Fc -d "$db" -f "$work/$tag.dump"
backup_at=$(date -u +%FT%T.000+00:00)
say "2. backup: pg_dump -Fc ($(du -h "$work/$tag.dump" | cut -f1))"

sleep 1
submit 21 10
wait_events 30
before=$(events 0)
say "3. 10 more penalties stored after the backup"

sleep 2 # a checkpoint of the head that holds them
checkpoints=${prefix}credex.audit.checkpoints
offset=$(kafka_tool org.apache.kafka.tools.GetOffsetShell --bootstrap-server "$brokers" --topic "$checkpoints" |
	awk -F: -v t="$checkpoints" '$1 == t {print $NF}')
[[ $offset =~ ^[0-9]+$ && $offset -gt 0 ]] || fail "no checkpoints on $checkpoints"
stop_hub
say "4. checkpoint topic ends at offset $offset; hub stopped"

pg_restore -d "$restored" "$work/$tag.dump"
kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$brokers" \
	--group "${prefix}credex.db-sink" --reset-offsets --all-topics --to-datetime "$backup_at" --execute >/dev/null
say "5. restored into ${tag}_restored; sink offsets reset to $backup_at"

start_hub "$restored"
wait_events 30
say "6. the hub on the restored database stored the 10 later penalties again"

if "$work/credex" audit verify --database-url "$restored" --kafka-brokers "$brokers" --topic-prefix "$prefix" >"$work/verify.out" 2>&1; then
	fail "audit verify passed on a log cut back by the restore: $(cat "$work/verify.out")"
fi
grep -q checkpoint "$work/verify.out" || fail "audit verify failed, but not for the checkpoint: $(cat "$work/verify.out")"
cut_back=$(grep -m 1 checkpoint "$work/verify.out")
"$work/credex" audit verify --database-url "$restored" --kafka-brokers "$brokers" --topic-prefix "$prefix" \
	--checkpoints-from "$offset" >"$work/verify.out" 2>&1 ||
	fail "audit verify --checkpoints-from $offset: $(cat "$work/verify.out")"
say "7. audit verify fails on the restored log (\"$cut_back\") and passes --checkpoints-from $offset: $(head -n 1 "$work/verify.out")"

cursor=$(call POST "/v1/subscriptions/$sub/replay" "$AGENCY" "{\"from\": \"$t0\"}" | json 'd["cursor"]')
after=$(events "$cursor")
[[ $after == "$before" ]] || fail "the replay gave $(echo "$after" | wc -l) events, not the same $(echo "$before" | wc -l) ids"
say "8. replay from $t0: the same $(echo "$after" | wc -l) event ids again"

stop_hub
trap - EXIT
psql -q -d "$admin_url" -c "DROP DATABASE $tag" -c "DROP DATABASE ${tag}_restored"
kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --delete --topic "${prefix//./\\.}.*" >/dev/null 2>&1 || true
rm -f "$work/$tag.dump"
say PASS
