#!/usr/bin/env bash
# Property-based tests of the HTTP API against its OpenAPI document.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	cat <<USAGE
usage: $0 [schemathesis run args...]

Installs Schemathesis from PyPI into a virtual environment under
.credex-local/schemathesis/ (once), starts credex dev on a free loopback port
with a temporary data dir, runs schemathesis against its /openapi.yaml with
every check (--checks all: besides server errors and the answers' schemas,
requests that break the document must be refused and requests it allows must
not be), and stops the hub. Every operation is tested but DELETE /v1/keys/{id}
(revokeOwnKey), which would revoke the key the run uses. Authenticated
operations use the dev tax bureau's key (CREDEX_SCHEMATHESIS_KEY to change it,
e.g. dev-operator-key-0006). The hooks in schemathesis_hooks.py teach it the
document's own string formats (citizen ID numbers, credit codes, record type
codes); schemathesis.toml counts 413 too_many_records as a refusal, and 422 as
the answer to a request whose record data the catalogue refuses (its schemas
are not in the document).
When CREDEX_DATABASE_URL is set, a throwaway database is made next to it and
dropped afterwards; otherwise credex dev starts its own PostgreSQL. Bounded by
--max-examples ${MAX_EXAMPLES:-20} (MAX_EXAMPLES). Extra arguments go to
schemathesis run. Slow: not part of the CI run.
USAGE
	exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."

venv=.credex-local/schemathesis
if [[ ! -x $venv/bin/schemathesis ]]; then
	python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet schemathesis
fi
mkdir -p .credex-local/bin
go build -o .credex-local/bin/credex ./cmd/credex

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d)
db=""
if [[ -n ${CREDEX_DATABASE_URL:-} ]]; then
	db=credex_schemathesis_$$
	admin=$CREDEX_DATABASE_URL
	psql -q "$admin" -c "CREATE DATABASE $db"
	export CREDEX_DATABASE_URL=$(python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$CREDEX_DATABASE_URL" "$db")
fi
# Topics of their own, when the hub uses a shared broker (CREDEX_KAFKA_BROKERS).
# Rate limits off: they are tested elsewhere, and would hide the rest here.
CREDEX_RATE_LIMIT=0 CREDEX_PUBLIC_RATE_LIMIT=0 CREDEX_LOOKUP_LIMITS=false CREDEX_TOPIC_PREFIX=schemathesis-$$- .credex-local/bin/credex dev --addr "127.0.0.1:$port" --data-dir "$data" >"$data/hub.log" 2>&1 &
hub=$!
cleanup() {
	kill -TERM "$hub" 2>/dev/null && wait "$hub" 2>/dev/null || true
	if [[ -n $db ]]; then
		psql -q "$admin" -c "DROP DATABASE IF EXISTS $db" || true
	fi
	rm -rf "$data"
}
trap cleanup EXIT

url=http://127.0.0.1:$port
for _ in $(seq 1 120); do
	curl -fsS "$url/readyz" >/dev/null 2>&1 && break
	kill -0 "$hub" 2>/dev/null || { cat "$data/hub.log" >&2; exit 1; }
	sleep 0.5
done

status=0
PYTHONPATH=$here SCHEMATHESIS_HOOKS=schemathesis_hooks "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" \
	run "$url/openapi.yaml" --url "$url" \
	-H "Authorization: Bearer ${CREDEX_SCHEMATHESIS_KEY:-dev-tax-bureau-key-0002}" \
	--checks all --exclude-operation-id revokeOwnKey \
	--max-examples "${MAX_EXAMPLES:-20}" --request-timeout 40 --workers 1 --seed 1 \
	--generation-database ":memory:" \
	"$@" || status=$?
if [[ $status != 0 ]]; then
	echo "schemathesis: hub log: $data/hub.log (kept until exit)" >&2
	grep -E 'level=(ERROR|WARN)' "$data/hub.log" | tail -20 >&2 || true
fi
exit $status
