# Shared by the scripts that run a local service (postgres.sh, kafka.sh,
# connect.sh); sourced, never run. The script sets $me, the name its
# messages start with, before it sources this file, and $state, where
# Maven's log goes, before it calls resolve.

say() { echo "$me: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# live_pid FILE PATTERN: the pid FILE holds when that process runs and its
# command line matches PATTERN (grep), or nothing.
live_pid() {
	local pid
	[[ -f $1 ]] || return 0
	pid=$(<"$1")
	if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$2"; then
		echo "$pid"
	fi
}

# lock FILE: hold an exclusive lock on FILE (on fd 9) until the script ends.
lock() {
	mkdir -p "$(dirname "$1")"
	exec 9>"$1"
	flock 9
}

# resolve POM DIR FINGERPRINT [MAVEN ARGS...]: copy the runtime dependencies
# of POM into DIR, unless DIR holds them for this FINGERPRINT already.
resolve() {
	local pom=$1 dir=$2 want=$3
	shift 3
	if [[ -f $dir/.pom.sha256 && $(<"$dir/.pom.sha256") == "$want" ]]; then
		return
	fi
	command -v mvn >/dev/null || die "mvn not found; install Maven 3 (apt-get install maven)"
	say "resolving the jars of ${pom#"$repo"/} with Maven (first run only)"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	if ! mvn -q -B -f "$pom" dependency:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$dir.tmp" "$@" >"$state/maven.log" 2>&1; then
		tail -n 40 "$state/maven.log" >&2
		die "maven could not resolve $pom (log: $state/maven.log)"
	fi
	echo "$want" >"$dir.tmp/.pom.sha256"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
}
