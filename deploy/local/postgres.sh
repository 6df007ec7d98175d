#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests.
set -euo pipefail

usage() {
	cat <<EOF
usage: $0 start|stop|crash|status|url

Runs a local PostgreSQL cluster on 127.0.0.1 (trust auth) with database "credex".
Its state lives under .credex-local/postgres/, or .credex-local/postgres-PORT/
on another port than the default, so that it runs beside the default one.
PostgreSQL refuses to run as root, so as root the cluster belongs to the
"postgres" user; when that user cannot reach the checkout (e.g. a clone under
/root), the state goes to /tmp/credex-local-pg[-PORT]-<hash>.

  start   start the cluster unless it is running; print its URL
  stop    stop the cluster if it is running
  crash   stop it at once, as a crash would (immediate shutdown: no
          checkpoint; the next start recovers from the write-ahead log)
  status  say whether it is running (exit 1 when not)
  url     print the URL (the value for CREDEX_DATABASE_URL)

environment:
  CREDEX_PG_PORT  port (default 15432)
  CREDEX_PG_FSYNC on: flush to disk as in production (fsync and full page
                  writes on); default off, for speed. Read at every start.
  CREDEX_PG_BIN   directory holding initdb, pg_ctl and psql (default: newest
                  /usr/lib/postgresql/*/bin, else from PATH)
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
me=postgres
# shellcheck source=lib.sh
source "$here/lib.sh"
port=${CREDEX_PG_PORT:-15432}
url="postgres://postgres@127.0.0.1:$port/credex?sslmode=disable"

# as_owner runs a command as the cluster's owner.
if [[ $EUID -eq 0 ]]; then
	id postgres >/dev/null 2>&1 || die 'running as root needs a "postgres" user to own the cluster (apt-get install postgresql)'
	owner=(runuser -u postgres --)
else
	owner=()
fi
as_owner() { "${owner[@]}" "$@"; }

# Each port its own cluster: one on another port than the default runs beside
# the default one.
suffix=
[[ $port == 15432 ]] || suffix=-$port
if as_owner test -x "$repo"; then
	root=$repo/.credex-local/postgres$suffix
else
	root=/tmp/credex-local-pg$suffix-$(printf %s "$repo" | sha256sum | cut -c1-12)
fi
data=$root/data
cd / # every path is absolute; the owner may not be allowed into the caller's directory

find_bin() {
	local d
	if [[ -n ${CREDEX_PG_BIN:-} ]]; then
		echo "$CREDEX_PG_BIN"
		return
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
		[[ -x $d/pg_ctl ]] && echo "$d" && return
	done
	if command -v pg_ctl >/dev/null; then
		dirname "$(command -v pg_ctl)"
		return
	fi
	die "PostgreSQL server binaries not found; install them (apt-get install postgresql-15) or set CREDEX_PG_BIN"
}

running() { [[ -n ${bin:-} ]] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

psql_() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }

init_cluster() {
	say "creating a cluster in $data"
	mkdir -p "$root"
	if [[ $EUID -eq 0 ]]; then
		[[ $root == "$repo"/* ]] && chmod o+x "$(dirname "$root")"
		chown postgres: "$root"
	fi
	chmod 700 "$root"
	rm -rf "$data"
	as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
		--no-instructions >"$root/initdb.log" 2>&1 || {
		cat "$root/initdb.log" >&2
		die "initdb failed"
	}
	as_owner sh -c 'printf "%s\n" "local all all trust" "host all all 127.0.0.1/32 trust" >"$1/pg_hba.conf"' _ "$data"
	as_owner sh -c 'echo "include '\''credex.conf'\''" >>"$1/postgresql.conf"' _ "$data"
}

start() {
	bin=$(find_bin)
	if running; then
		say "already running at $url"
		echo "$url"
		return
	fi
	port_open "$port" && die "port $port on 127.0.0.1 is already in use by another process; set CREDEX_PG_PORT"
	[[ -f $data/PG_VERSION ]] || init_cluster
	# Rewritten on every start so a changed port or fsync takes effect. fsync is
	# off for speed only, unless CREDEX_PG_FSYNC=on; synchronous_commit stays on.
	local fsync=${CREDEX_PG_FSYNC:-off}
	[[ $fsync == on || $fsync == off ]] || die "CREDEX_PG_FSYNC: want on or off, not ${fsync@Q}"
	as_owner sh -c 'cat >"$1/credex.conf"' _ "$data" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 200
fsync = $fsync
full_page_writes = $fsync
log_min_messages = warning
EOF
	# setsid: the server outlives this script; 9>&- drops the start lock.
	if ! setsid -w "${owner[@]}" "$bin/pg_ctl" -D "$data" -l "$root/postgres.log" -w -t 60 start \
		>/dev/null 9>&-; then
		tail -n 30 "$root/postgres.log" >&2 || true
		die "the server did not start (log: $root/postgres.log)"
	fi
	if [[ -z $(psql_ -d postgres -tAc "select 1 from pg_database where datname = 'credex'") ]]; then
		psql_ -d postgres -c 'create database credex'
	fi
	say "started at $url (data in $data)"
	echo "$url"
}

# stop MODE MESSAGE: shut the cluster down in pg_ctl's MODE (fast, or
# immediate as a crash would), then say MESSAGE.
stop() {
	bin=$(find_bin)
	if ! running; then
		say "not running"
		return
	fi
	as_owner "$bin/pg_ctl" -D "$data" -m "$1" -w -t 60 stop >/dev/null
	say "$2"
}

status() {
	bin=$(find_bin)
	if ! running; then
		say "not running"
		return 1
	fi
	say "running at $url (data in $data)"
}

case ${1:-} in
start) lock "$repo/.credex-local/postgres$suffix.lock" && start ;;
stop) lock "$repo/.credex-local/postgres$suffix.lock" && stop fast stopped ;;
crash) lock "$repo/.credex-local/postgres$suffix.lock" && stop immediate "stopped at once (immediate)" ;;
status) status ;;
url) echo "$url" ;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
