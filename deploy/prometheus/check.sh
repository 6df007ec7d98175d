#!/usr/bin/env bash
# Checks the Prometheus configuration and alert rules, and runs their unit tests.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	cat <<USAGE
usage: $0

Runs promtool (Debian: apt-get install prometheus) on deploy/prometheus:
check config prometheus.yml (and the rules it loads), check rules alerts.yml,
and test rules alerts_test.yml alerts_daily_test.yml, in which every alert
fires on its situation and stays silent otherwise. Exits 1 when promtool is
missing or any step fails.
USAGE
	exit 0
fi

cd "$(dirname "${BASH_SOURCE[0]}")"
command -v promtool >/dev/null || { echo "check: promtool not found; install it (Debian: apt-get install prometheus)" >&2; exit 1; }
promtool check config prometheus.yml
promtool check rules alerts.yml
promtool test rules alerts_test.yml alerts_daily_test.yml
echo "check: deploy/prometheus: configuration, rules and rule tests pass"
