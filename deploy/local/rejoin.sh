#!/usr/bin/env bash
# Measures how soon a hub killed with SIGKILL and started again stores new
# records: the stall while the sink's consumer group gives up the dead member.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	cat <<USAGE
usage: $0 [KILLS]

Starts credex serve on the local services (a database and topic prefix of
its own), stores one penalty, then KILLS times (default 5): kills the hub
with SIGKILL, starts it again, submits one new penalty and prints the time
from the restart to the moment GET /v1/records/{id} finds it stored.
USAGE
	exit 0
fi

kills=${1:-5}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."
work=$PWD/.credex-local/rejoin
mkdir -p "$work"
brokers=$("$here/kafka.sh" start 2>/dev/null)
admin_url=$("$here/postgres.sh" start 2>/dev/null)
go build -o "$work/credex" ./cmd/credex

tag=rejoin_$(date +%s)_$RANDOM
psql -q -d "$admin_url" -c "CREATE DATABASE $tag"
db=${admin_url/\/credex\?//$tag?}
export CREDEX_SUBJECT_KEY=$(head -c 24 /dev/urandom | base64)
export CREDEX_AUTHORISATION_KEY=$(head -c 24 /dev/urandom | base64)
port=$((30000 + RANDOM % 5000))
hub=http://127.0.0.1:$port
key=dev-market-regulation-key-0001
pid=
start() {
	"$work/credex" serve --addr "127.0.0.1:$port" --database-url "$db" --kafka-brokers "$brokers" \
		--topic-prefix "${tag//_/-}." --partitions 3 --principals deploy/dev/seed.yaml >>"$work/hub.log" 2>&1 &
	pid=$!
	until curl -fs "$hub/readyz" >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 20 "$work/hub.log" >&2
			echo "rejoin: the hub exited at start (log: $work/hub.log)" >&2
			exit 1
		fi
		sleep 0.05
	done
}
trap 'kill -TERM "$pid" 2>/dev/null || true' EXIT

# penalty N: a submission of one penalty about synthetic person N.
penalty() {
	python3 - "$1" <<'PY'
import json, sys
i = int(sys.argv[1])
body = "500103" + "1980%02d%02d" % (i % 12 + 1, i % 28 + 1) + "%03d" % (i % 1000)
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
number = body + "10X98765432"[sum(int(c) * x for c, x in zip(body, w)) % 11]
print(json.dumps({"records": [{"type": "administrative_penalty", "op": "upsert", "source_id": "REJOIN-%d" % i, "data": {
    "subject": {"name": "测试%d" % i, "id_number": number},
    "decision": {"document_no": "测〔2026〕%d号" % i, "date": "2026-11-02",
                 "authority": {"name": "示例市市场监督管理局", "credit_code": "11500103540776846N"}},
    "legal_basis": "《中华人民共和国食品安全法》第一百二十二条", "severity": "minor",
    "penalty_types": ["warning"], "facts": "测试记录。"}}]}, ensure_ascii=False))
PY
}
submit() {
	curl -fsS -X POST "$hub/v1/submissions" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
		-d "$(penalty "$1")" | python3 -c 'import json, sys; print(json.load(sys.stdin)["receipts"][0]["record_id"])'
}
stored() { [[ $(curl -s -o /dev/null -w '%{http_code}' "$hub/v1/records/$1" -H "Authorization: Bearer $key") == 200 ]]; }

start
id=$(submit 0)
until stored "$id"; do sleep 0.05; done
for k in $(seq "$kills"); do
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	t0=$(date +%s.%N)
	start
	id=$(submit "$k")
	until stored "$id"; do sleep 0.05; done
	echo "rejoin: kill $k: restart to stored $(python3 -c "print(round($(date +%s.%N) - $t0, 2))") s"
done
kill -TERM "$pid"
wait "$pid" 2>/dev/null || true
trap - EXIT
psql -q -d "$admin_url" -c "DROP DATABASE $tag"
