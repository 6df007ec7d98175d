#!/usr/bin/env bash
# A local Apache Kafka broker, or a cluster of them (KRaft, each node a
# combined broker+controller), for tests and the fault-injection harness.
set -euo pipefail

usage() {
	cat <<EOF
usage: $0 [--brokers N] start|stop|status|brokers
       $0 secure-env
       $0 [--brokers N] stop|kill|start NODE

Runs local Kafka on 127.0.0.1: one broker (the default), or a cluster of N
nodes, each a broker and a controller with its own port and data directory.
A single broker keeps its state under .credex-local/kafka/, a cluster of N
under .credex-local/kafka-N/node-I/; on another port than the default, P,
under .credex-local/kafka-P/ and .credex-local/kafka-N-P/, so that it runs
beside the default one (CREDEX_KAFKA_STATE names another directory). The jars come from Maven
Central (deploy/local/kafka/pom.xml).

  start    start every node that is not running; print the bootstrap list
  stop     stop every node that is running
  status   say which nodes run (exit 1 when none)
  brokers  print the bootstrap list (the value for CREDEX_KAFKA_BROKERS)
  secure-env
           print the variables by which tests reach the single broker's
           SASL_SSL listener (deploy/local/kafka-tls.sh); a cluster has none

With a NODE (1..N), stop, kill (SIGKILL, as a crash) or start that node only.
On a cluster the internal topics have replication factor 3 (or N when
smaller) and min.insync.replicas 2; topics created without settings of
their own get the same.

options and environment:
  --brokers N                   nodes (CREDEX_KAFKA_BROKERS_COUNT, default 1)
  CREDEX_KAFKA_PORT             broker port of node 1 (default 19092); node I
                                listens on port + 2(I-1)
  CREDEX_KAFKA_CONTROLLER_PORT  controller port of node 1 (default broker port
                                + 1); node I's is this + 2(I-1)
  CREDEX_KAFKA_SECURE_PORT      SASL_SSL listener port of the single broker
                                (default broker port + 2)
  CREDEX_KAFKA_ADVERTISED_PORT  port the single broker advertises for its
                                PLAINTEXT listener instead of the one it
                                listens on (default: that one), so that
                                clients reach it through a proxy there; the
                                bootstrap list names it
  CREDEX_KAFKA_STATE            state directory (default .credex-local/kafka,
                                or .credex-local/kafka-N for N nodes, with
                                -PORT when the port is not the default)
  CREDEX_KAFKA_START_TIMEOUT    seconds to wait for a node (default 120)
  CREDEX_KAFKA_HEAP             JVM heap options (default -Xms256m -Xmx512m;
                                -Xms128m -Xmx384m per node of a cluster)
EOF
}

count=${CREDEX_KAFKA_BROKERS_COUNT:-1}
if [[ ${1:-} == --brokers ]]; then
	count=${2:-}
	shift 2 || true
elif [[ ${1:-} == --brokers=* ]]; then
	count=${1#--brokers=}
	shift
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
me=kafka
# shellcheck source=lib.sh
source "$here/lib.sh"
libs=$repo/.credex-local/kafka/libs
pom=$here/kafka/pom.xml
port=${CREDEX_KAFKA_PORT:-19092}
cport=${CREDEX_KAFKA_CONTROLLER_PORT:-$((port + 1))}
sport=${CREDEX_KAFKA_SECURE_PORT:-$((port + 2))}
aport=${CREDEX_KAFKA_ADVERTISED_PORT:-$port}
timeout=${CREDEX_KAFKA_START_TIMEOUT:-120}

[[ $count =~ ^[1-9]$ ]] || die "--brokers: want a number of nodes from 1 to 9, not ${count@Q}"
((count == 1 || aport == port)) || die "CREDEX_KAFKA_ADVERTISED_PORT: only for a single broker"
# Each port its own state: a broker on another port than the default runs
# beside the default one.
suffix=
((port == 19092)) || suffix=-$port
if ((count == 1)); then
	state=${CREDEX_KAFKA_STATE:-$repo/.credex-local/kafka$suffix}
	heap=${CREDEX_KAFKA_HEAP:--Xms256m -Xmx512m}
else
	state=${CREDEX_KAFKA_STATE:-$repo/.credex-local/kafka-$count$suffix}
	heap=${CREDEX_KAFKA_HEAP:--Xms128m -Xmx384m}
fi
replicas=$((count < 3 ? count : 3))
min_isr=$((replicas < 2 ? 1 : 2))

# Node i's directory, broker port, advertised broker port and controller port.
node_dir() { if ((count == 1)); then echo "$state"; else echo "$state/node-$1"; fi; }
node_port() { echo $((port + 2 * ($1 - 1))); }
node_aport() { if ((count == 1)); then echo "$aport"; else node_port "$1"; fi; }
node_cport() { echo $((cport + 2 * ($1 - 1))); }

bootstrap() {
	local i list=()
	for ((i = 1; i <= count; i++)); do list+=("127.0.0.1:$(node_aport "$i")"); done
	(
		IFS=,
		echo "${list[*]}"
	)
}

# pid of node i when it runs, or nothing.
node_pid() { live_pid "$(node_dir "$1")/kafka.pid" 'kafka\.Kafka'; }

write_config() {
	local i=$1 dir voters=() j secure=
	dir=$(node_dir "$i")
	# The single broker also has a SASL_SSL listener, for the tests of the
	# hub's Kafka security.
	((count == 1)) && secure=",SASL_SSL://127.0.0.1:$sport"
	for ((j = 1; j <= count; j++)); do voters+=("$j@127.0.0.1:$(node_cport "$j")"); done
	cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$(
		IFS=,
		echo "${voters[*]}"
	)
listeners=PLAINTEXT://127.0.0.1:$(node_port "$i"),CONTROLLER://127.0.0.1:$(node_cport "$i")$secure
advertised.listeners=PLAINTEXT://127.0.0.1:$(node_aport "$i")$secure
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${secure:+,SASL_SSL:SASL_SSL}
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=$replicas
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=$replicas
share.coordinator.state.topic.min.isr=$min_isr
min.insync.replicas=$min_isr
default.replication.factor=$replicas
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.segment.delete.delay.ms=1000
EOF
	if ((count == 1)); then
		"$here/kafka-tls.sh" properties "$state/tls" "$sport" >>"$dir/server.properties"
	fi
}

java_run() {
	java -cp "$libs/*" -Dlog4j2.configurationFile="$here/kafka/log4j2.properties" "$@"
}

# launch starts node i unless it runs and returns its pid without waiting.
launch() {
	local i=$1 dir pid p
	dir=$(node_dir "$i")
	pid=$(node_pid "$i")
	if [[ -n $pid ]]; then
		echo "$pid"
		return
	fi
	local ports=("$(node_port "$i")" "$(node_cport "$i")")
	((count == 1)) && ports+=("$sport")
	for p in "${ports[@]}"; do
		port_open "$p" && die "port $p on 127.0.0.1 is already in use by another process; set CREDEX_KAFKA_PORT"
	done
	mkdir -p "$dir"
	write_config "$i"
	if [[ ! -f $dir/data/meta.properties ]]; then
		[[ -f $state/cluster.id ]] ||
			head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' >"$state/cluster.id"
		rm -rf "$dir/data"
		if ! java_run kafka.tools.StorageTool format -t "$(<"$state/cluster.id")" -c "$dir/server.properties" \
			>"$dir/format.log" 2>&1; then
			cat "$dir/format.log" >&2
			die "formatting the storage of node $i failed"
		fi
	fi
	[[ -f $dir/kafka.log ]] && mv -f "$dir/kafka.log" "$dir/kafka.log.1"
	# setsid: the broker outlives this script and the terminal; 9>&- drops the start lock.
	# shellcheck disable=SC2086
	setsid java $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-Djava.awt.headless=true -Dlog4j2.configurationFile="$here/kafka/log4j2.properties" \
		-cp "$libs/*" kafka.Kafka "$dir/server.properties" \
		</dev/null >"$dir/kafka.log" 2>&1 9>&- &
	pid=$!
	echo "$pid" >"$dir/kafka.pid"
	echo "$pid"
}

# await waits until node i, started as pid, serves.
await() {
	local i=$1 pid=$2 dir deadline=$((SECONDS + timeout))
	dir=$(node_dir "$i")
	until grep -q 'Kafka Server started' "$dir/kafka.log" 2>/dev/null && port_open "$(node_port "$i")"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 40 "$dir/kafka.log" >&2
			rm -f "$dir/kafka.pid"
			die "node $i exited during start (log: $dir/kafka.log)"
		fi
		if ((SECONDS >= deadline)); then
			tail -n 40 "$dir/kafka.log" >&2
			stop_node "$i" TERM
			die "node $i did not start within ${timeout}s (log: $dir/kafka.log)"
		fi
		sleep 0.2
	done
}

# start starts the given nodes (default all) that are not running; the
# nodes of a cluster start together, as a quorum needs a majority.
start() {
	local nodes=("$@") pids=() i k
	((${#nodes[@]})) || for ((i = 1; i <= count; i++)); do nodes+=("$i"); done
	command -v java >/dev/null || die "java not found; install a JDK 17 (apt-get install openjdk-17-jre-headless)"
	mkdir -p "$state"
	# Resolved once per version of the pom.
	resolve "$pom" "$libs" "$(sha256sum "$pom" | cut -d' ' -f1)"
	for i in "${nodes[@]}"; do pids+=("$(launch "$i")"); done
	for k in "${!nodes[@]}"; do await "${nodes[$k]}" "${pids[$k]}"; done
	bootstrap >"$state/brokers"
	say "running (${#nodes[@]} of $count nodes started or already up) at $(bootstrap)"
	bootstrap
}

# stop_node stops node i with signal sig (TERM: cleanly, within 30 s; KILL: at once).
stop_node() {
	local i=$1 sig=$2 pid dir k
	dir=$(node_dir "$i")
	pid=$(node_pid "$i")
	if [[ -z $pid ]]; then
		rm -f "$dir/kafka.pid"
		return
	fi
	kill "-$sig" "$pid"
	for ((k = 0; k < 300; k++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "node $i did not stop within 30s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	fi
	rm -f "$dir/kafka.pid"
}

stop() {
	local sig=$1 nodes=("${@:2}") i
	((${#nodes[@]})) || for ((i = count; i >= 1; i--)); do nodes+=("$i"); done
	for i in "${nodes[@]}"; do
		stop_node "$i" "$sig"
		say "node $i stopped"
	done
}

status() {
	local i pid up=0
	for ((i = 1; i <= count; i++)); do
		pid=$(node_pid "$i")
		if [[ -n $pid ]]; then
			say "node $i running (pid $pid) at 127.0.0.1:$(node_port "$i"), state in $(node_dir "$i")"
			up=$((up + 1))
		else
			say "node $i not running"
		fi
	done
	((up > 0))
}

nodes=("${@:2}")
for n in "${nodes[@]}"; do
	[[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= count)) || die "node ${n@Q}: want a number from 1 to $count"
done
case ${1:-} in
start) lock "$state/.lock" && start "${nodes[@]}" ;;
stop) lock "$state/.lock" && stop TERM "${nodes[@]}" ;;
kill) ((${#nodes[@]})) || die "kill: name the node(s) to kill" && lock "$state/.lock" && stop KILL "${nodes[@]}" ;;
status) status ;;
brokers) bootstrap ;;
secure-env)
	((count == 1)) || die "secure-env: a cluster has no SASL_SSL listener"
	"$here/kafka-tls.sh" env "$state/tls" "$sport"
	;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
