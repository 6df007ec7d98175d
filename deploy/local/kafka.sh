#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, combined broker+controller) for tests.
set -euo pipefail

usage() {
	cat <<EOF
usage: $0 start|stop|status|brokers|secure-env

Runs a local Kafka broker on 127.0.0.1 with its state under .credex-local/kafka/.
The broker jars come from Maven Central (deploy/local/kafka/pom.xml).

  start    start the broker unless it is running; print its address
  stop     stop the broker if it is running
  status   say whether it is running (exit 1 when not)
  brokers  print the bootstrap address (the value for CREDEX_KAFKA_BROKERS)
  secure-env
           print the variables by which tests reach the broker's SASL_SSL
           listener (deploy/local/kafka-tls.sh)

environment:
  CREDEX_KAFKA_PORT             broker port (default 19092)
  CREDEX_KAFKA_CONTROLLER_PORT  controller port (default broker port + 1)
  CREDEX_KAFKA_SECURE_PORT      SASL_SSL listener port (default broker port + 2)
  CREDEX_KAFKA_START_TIMEOUT    seconds to wait for the broker (default 120)
  CREDEX_KAFKA_HEAP             JVM heap options (default -Xms256m -Xmx512m)
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
state=$repo/.credex-local/kafka
libs=$state/libs
pom=$here/kafka/pom.xml
port=${CREDEX_KAFKA_PORT:-19092}
cport=${CREDEX_KAFKA_CONTROLLER_PORT:-$((port + 1))}
sport=${CREDEX_KAFKA_SECURE_PORT:-$((port + 2))}
timeout=${CREDEX_KAFKA_START_TIMEOUT:-120}
brokers=127.0.0.1:$port

say() { echo "kafka: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

# pid of the running broker, or nothing.
broker_pid() {
	local pid
	[[ -f $state/kafka.pid ]] || return 0
	pid=$(<"$state/kafka.pid")
	if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'; then
		echo "$pid"
	fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Resolve the broker jars once per version of the pom.
ensure_libs() {
	local want
	want=$(sha256sum "$pom" | cut -d' ' -f1)
	if [[ -f $libs/.pom.sha256 && $(<"$libs/.pom.sha256") == "$want" ]]; then
		return
	fi
	command -v mvn >/dev/null || die "mvn not found; install Maven 3 (apt-get install maven)"
	say "resolving broker jars with Maven (first run only)"
	rm -rf "$libs.tmp"
	mkdir -p "$libs.tmp"
	if ! mvn -q -B -f "$pom" dependency:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$libs.tmp" >"$state/maven.log" 2>&1; then
		tail -n 40 "$state/maven.log" >&2
		die "maven could not resolve the broker jars (log: $state/maven.log)"
	fi
	echo "$want" >"$libs.tmp/.pom.sha256"
	rm -rf "$libs"
	mv "$libs.tmp" "$libs"
}

write_config() {
	cat >"$state/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport,SASL_SSL://127.0.0.1:$sport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_SSL://127.0.0.1:$sport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=$state/data
num.partitions=3
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
default.replication.factor=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.segment.delete.delay.ms=1000
EOF
	"$here/kafka-tls.sh" properties "$state/tls" "$sport" >>"$state/server.properties"
}

java_run() {
	java -cp "$libs/*" -Dlog4j2.configurationFile="$here/kafka/log4j2.properties" "$@"
}

start() {
	local pid
	pid=$(broker_pid)
	if [[ -n $pid ]]; then
		brokers=$(cat "$state/brokers" 2>/dev/null || echo "$brokers")
		say "already running (pid $pid) at $brokers"
		echo "$brokers"
		return
	fi
	command -v java >/dev/null || die "java not found; install a JDK 17 (apt-get install openjdk-17-jre-headless)"
	for p in "$port" "$cport" "$sport"; do
		port_open "$p" && die "port $p on 127.0.0.1 is already in use by another process; set CREDEX_KAFKA_PORT"
	done
	mkdir -p "$state"
	ensure_libs
	write_config
	if [[ ! -f $state/data/meta.properties ]]; then
		local id
		id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
		rm -rf "$state/data"
		if ! java_run kafka.tools.StorageTool format -t "$id" -c "$state/server.properties" \
			>"$state/format.log" 2>&1; then
			cat "$state/format.log" >&2
			die "formatting the storage failed"
		fi
	fi
	[[ -f $state/kafka.log ]] && mv -f "$state/kafka.log" "$state/kafka.log.1"
	# setsid: the broker outlives this script and the terminal; 9>&- drops the start lock.
	# shellcheck disable=SC2086
	setsid java ${CREDEX_KAFKA_HEAP:--Xms256m -Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-Djava.awt.headless=true -Dlog4j2.configurationFile="$here/kafka/log4j2.properties" \
		-cp "$libs/*" kafka.Kafka "$state/server.properties" \
		</dev/null >"$state/kafka.log" 2>&1 9>&- &
	pid=$!
	echo "$pid" >"$state/kafka.pid"
	echo "$brokers" >"$state/brokers"

	local deadline=$((SECONDS + timeout))
	until grep -q 'Kafka Server started' "$state/kafka.log" 2>/dev/null && port_open "$port"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 40 "$state/kafka.log" >&2
			rm -f "$state/kafka.pid"
			die "broker exited during start (log: $state/kafka.log)"
		fi
		if ((SECONDS >= deadline)); then
			tail -n 40 "$state/kafka.log" >&2
			stop
			die "broker did not start within ${timeout}s (log: $state/kafka.log)"
		fi
		sleep 0.2
	done
	say "started (pid $pid) at $brokers"
	echo "$brokers"
}

stop() {
	local pid
	pid=$(broker_pid)
	if [[ -z $pid ]]; then
		rm -f "$state/kafka.pid"
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
		say "broker did not stop within 30s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	fi
	rm -f "$state/kafka.pid"
	say "stopped"
}

status() {
	local pid
	pid=$(broker_pid)
	if [[ -z $pid ]]; then
		say "not running"
		return 1
	fi
	say "running (pid $pid) at $(cat "$state/brokers" 2>/dev/null), state in $state"
}

lock() {
	mkdir -p "$state"
	exec 9>"$state/.lock"
	flock 9
}

case ${1:-} in
start) lock && start ;;
stop) lock && stop ;;
status) status ;;
brokers) echo "$brokers" ;;
secure-env) "$here/kafka-tls.sh" env "$state/tls" "$sport" ;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
