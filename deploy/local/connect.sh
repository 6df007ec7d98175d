#!/usr/bin/env bash
# A Kafka Connect worker (standalone mode) with Debezium's JDBC sink connector,
# the peer deploy/local/bench.sh measures the hub's database sink against.
set -euo pipefail

usage() {
	cat <<EOF
usage: $0 start|stop|status|url

Runs a Kafka Connect worker in standalone mode on 127.0.0.1, with the Debezium
JDBC sink connector on its plugin path and no connector configured: connectors
are created and deleted through its REST API. Its state lives under
.credex-local/connect/. The jars come from Maven Central, resolved once per
version of deploy/local/connect/pom.xml (the worker, of the broker's Kafka
version) and deploy/local/connect/jdbc-sink/pom.xml (the connector); later
starts fetch nothing. The worker's converters are JSON with schemas.

  start  start the worker unless it is running; print its REST URL once the
         JDBC sink connector is loaded
  stop   stop the worker if it is running
  status say whether it is running (exit 1 when not)
  url    print the REST URL (the value for CREDEX_CONNECT_URL)

environment:
  CREDEX_KAFKA_BROKERS          bootstrap address (default: deploy/local/kafka.sh brokers)
  CREDEX_CONNECT_PORT           REST port (default 18083)
  CREDEX_CONNECT_START_TIMEOUT  seconds to wait for the worker (default 180)
  CREDEX_CONNECT_HEAP           JVM heap options (default -Xms256m -Xmx1g)
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
me=connect
# shellcheck source=lib.sh
source "$here/lib.sh"
state=$repo/.credex-local/connect
libs=$state/libs
plugin=$state/plugins/jdbc-sink
settings=$here/connect/settings.xml
port=${CREDEX_CONNECT_PORT:-18083}
timeout=${CREDEX_CONNECT_START_TIMEOUT:-180}
url=http://127.0.0.1:$port

# pid of the running worker, or nothing.
worker_pid() { live_pid "$state/connect.pid" ConnectStandalone; }

# resolve_from_central POM DIR [ARGS...]: resolve (lib.sh) with Maven
# reading every repository from Central (settings.xml), once per version of
# POM, settings and ARGS.
resolve_from_central() {
	local pom=$1 dir=$2
	shift 2
	resolve "$pom" "$dir" "$(cat "$pom" "$settings" <(echo "$*") | sha256sum | cut -d' ' -f1)" -s "$settings" "$@"
}

write_config() {
	local brokers=${CREDEX_KAFKA_BROKERS:-$("$here/kafka.sh" brokers)}
	cat >"$state/worker.properties" <<EOF
bootstrap.servers=$brokers
listeners=http://127.0.0.1:$port
plugin.path=$state/plugins
# Every plugin here declares itself in a ServiceLoader manifest; scanning
# every class instead takes a minute.
plugin.discovery=service_load
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=true
value.converter.schemas.enable=true
offset.storage.file.filename=$state/offsets
offset.flush.interval.ms=1000
connector.client.config.override.policy=All
EOF
}

# loaded: whether the worker answers and lists the JDBC sink connector.
loaded() {
	curl -fsS --max-time 2 "$url/connector-plugins" 2>/dev/null | grep -q 'io.debezium.connector.jdbc.JdbcSinkConnector'
}

start() {
	local pid
	pid=$(worker_pid)
	if [[ -n $pid ]]; then
		say "already running (pid $pid) at $url"
		echo "$url"
		return
	fi
	command -v java >/dev/null || die "java not found; install a JDK 17 (apt-get install openjdk-17-jre-headless)"
	command -v curl >/dev/null || die "curl not found; install it (apt-get install curl)"
	port_open "$port" && die "port $port on 127.0.0.1 is already in use by another process; set CREDEX_CONNECT_PORT"
	mkdir -p "$state/plugins"
	resolve_from_central "$here/connect/pom.xml" "$libs"
	# The worker's class path provides the Kafka and Connect API classes, and
	# Jackson: two copies of it side by side break Jackson's module lookup.
	resolve_from_central "$here/connect/jdbc-sink/pom.xml" "$plugin" -DexcludeGroupIds=org.apache.kafka,com.fasterxml.jackson.core
	write_config
	[[ -f $state/connect.log ]] && mv -f "$state/connect.log" "$state/connect.log.1"
	# setsid: the worker outlives this script; 9>&- drops the start lock.
	# shellcheck disable=SC2086
	setsid java ${CREDEX_CONNECT_HEAP:--Xms256m -Xmx1g} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-Djava.awt.headless=true -Dlog4j2.configurationFile="$here/connect/log4j2.properties" \
		-cp "$libs/*" org.apache.kafka.connect.cli.ConnectStandalone "$state/worker.properties" \
		</dev/null >"$state/connect.log" 2>&1 9>&- &
	pid=$!
	echo "$pid" >"$state/connect.pid"

	local deadline=$((SECONDS + timeout))
	until loaded; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 40 "$state/connect.log" >&2
			rm -f "$state/connect.pid"
			die "worker exited during start (log: $state/connect.log)"
		fi
		if ((SECONDS >= deadline)); then
			tail -n 40 "$state/connect.log" >&2
			stop
			die "worker did not load the JDBC sink within ${timeout}s (log: $state/connect.log)"
		fi
		sleep 0.5
	done
	say "started (pid $pid) at $url"
	echo "$url"
}

stop() {
	local pid
	pid=$(worker_pid)
	if [[ -z $pid ]]; then
		rm -f "$state/connect.pid"
		say "not running"
		return
	fi
	kill -TERM "$pid"
	local i
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "worker did not stop within 30s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	fi
	rm -f "$state/connect.pid"
	say "stopped"
}

status() {
	local pid
	pid=$(worker_pid)
	if [[ -z $pid ]]; then
		say "not running"
		return 1
	fi
	say "running (pid $pid) at $url, state in $state"
}

case ${1:-} in
start) lock "$state/.lock" && start ;;
stop) lock "$state/.lock" && stop ;;
status) status ;;
url) echo "$url" ;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
