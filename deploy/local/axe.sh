#!/usr/bin/env bash
# axe-core, the accessibility checker the browser tests run in each page.
set -euo pipefail

version=4.14.1

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	cat <<USAGE
usage: $0

Installs axe-core $version from npm under .credex-local/axe/ unless that
version is there already, and prints the path of its axe.min.js (the value
for CREDEX_AXE_JS, which the browser tests inject into each page). Needs npm.
USAGE
	exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prefix=$(cd "$here/../.." && pwd)/.credex-local/axe
pkg=$prefix/node_modules/axe-core

installed() {
	[[ -f $pkg/axe.min.js && -f $pkg/package.json ]] &&
		grep -q "\"version\": *\"$version\"" "$pkg/package.json"
}

if ! installed; then
	command -v npm >/dev/null || { echo "axe: npm not found; install it (apt-get install npm)" >&2; exit 1; }
	echo "axe: installing axe-core@$version from npm" >&2
	mkdir -p "$prefix"
	npm install --silent --no-audit --no-fund --save-exact --prefix "$prefix" "axe-core@$version" >&2
	installed || { echo "axe: axe-core@$version did not install into $prefix" >&2; exit 1; }
fi
echo "$pkg/axe.min.js"
