#!/usr/bin/env bash
# Runs the Go tests against a local Kafka broker and PostgreSQL cluster.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	cat <<USAGE
usage: $0 [go test args...]

Runs go vet ./..., validates the Kubernetes manifests offline
(deploy/kubernetes/validate.sh), checks and tests the alert rules with
promtool (deploy/prometheus/check.sh), starts (or reuses) the local Kafka broker and PostgreSQL
cluster, exports CREDEX_KAFKA_BROKERS and CREDEX_DATABASE_URL, installs
axe-core (deploy/local/axe.sh) and exports CREDEX_AXE_JS for the browser
tests, which run Debian's chromium (CREDEX_CHROMIUM to run another), and runs
go test -race -count=1 -timeout 30m with the given arguments (default ./...). The race
detector needs a C compiler; it stays off when the arguments ask for
benchmarks (-bench), whose figures it would skew. The tests keep their logs
and the hubs' metrics under .credex-local/test-logs/ (CREDEX_TEST_LOG_DIR,
emptied first); when go test passes, go run ./internal/idscan scans them and
fails the run if they hold a full citizen ID number. Without arguments it
then rehearses the runbook's backup, restore and replay with
deploy/local/runbook-drill.sh. Exits 1 when go vet, either check or the
drill finds a problem, else with go test's status, or idscan's. The services keep
running afterwards; stop them with deploy/local/kafka.sh stop and postgres.sh stop.
USAGE
	exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."

if ! go vet ./...; then
	echo "test: FAIL: go vet ./..."
	exit 1
fi
if ! deploy/kubernetes/validate.sh; then
	echo "test: FAIL: deploy/kubernetes/validate.sh"
	exit 1
fi
if ! deploy/prometheus/check.sh; then
	echo "test: FAIL: deploy/prometheus/check.sh"
	exit 1
fi

CREDEX_KAFKA_BROKERS=$("$here/kafka.sh" start)
CREDEX_DATABASE_URL=$("$here/postgres.sh" start)
CREDEX_AXE_JS=$("$here/axe.sh")
CREDEX_TEST_LOG_DIR=$PWD/.credex-local/test-logs
rm -rf "$CREDEX_TEST_LOG_DIR"
mkdir -p "$CREDEX_TEST_LOG_DIR"
export CREDEX_KAFKA_BROKERS CREDEX_DATABASE_URL CREDEX_AXE_JS CREDEX_TEST_LOG_DIR
# The broker's SASL_SSL listener, for the tests of the hub's Kafka security.
while IFS= read -r v; do export "${v?}"; done < <("$here/kafka.sh" secure-env)
echo "test: CREDEX_KAFKA_BROKERS=$CREDEX_KAFKA_BROKERS" >&2
echo "test: CREDEX_DATABASE_URL=$CREDEX_DATABASE_URL" >&2

full=$((!$#))
(($#)) || set -- ./...
race=(-race)
for arg; do
	case $arg in -bench* | --bench* | -test.bench*) race=() ;; esac
done
start=$SECONDS
status=0
# The hub's package runs for about ten minutes under the race detector on
# two cores: more than go test's default timeout.
go test ${race[@]+"${race[@]}"} -count=1 -timeout 30m "$@" || status=$?
if ((status == 0)) && ! go run ./internal/idscan "$CREDEX_TEST_LOG_DIR"; then
	echo "test: FAIL: the tests' logs or metrics hold a full citizen ID number (see above)"
	exit 1
fi
if ((status == 0 && full)) && ! "$here/runbook-drill.sh"; then
	echo "test: FAIL: deploy/local/runbook-drill.sh: the runbook's backup, restore and replay"
	exit 1
fi
if ((status == 0)); then
	echo "test: PASS: go test ${race[*]+${race[*]}} $* ($((SECONDS - start))s)"
else
	echo "test: FAIL: go test ${race[*]+${race[*]}} $* exited with status $status ($((SECONDS - start))s)"
fi
exit "$status"
