#!/usr/bin/env bash
# Validates the Kubernetes manifests offline, without a cluster.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	cat <<USAGE
usage: $0

Installs kubernetes-validate (PyPI; it carries the schemas of every
Kubernetes version) into a virtual environment, once per machine, under
\${CREDEX_TOOLS_DIR:-~/.cache/credex}/ (unpacking its schemas takes a minute or
two, too long to repeat in every fresh clone CI makes), and validates the built-in kinds of
deploy/kubernetes strictly (unknown fields are errors) against the schemas of
Kubernetes \$KUBERNETES_VERSIONS (default "1.30.0 1.37.0"): the hub's
manifests as kubectl kustomize renders them when kubectl is installed, file by
file otherwise. The custom resources of Strimzi, CloudNativePG and the
Prometheus operator have no schema there: check_resources.py checks them for
well-formed YAML, required keys and the settings the hub relies on, and the
Deployment's wiring to them. Exits 1 on the first failing step.
USAGE
	exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/../.."

version=1.37.0
tools=${CREDEX_TOOLS_DIR:-$HOME/.cache/credex}
venv=$tools/kubernetes-validate-$version
if [[ ! -e $venv/installed ]]; then
	mkdir -p "$tools"
	# Another checkout may be installing it at the same time.
	exec 9>"$venv.lock"
	flock 9
	if [[ ! -e $venv/installed ]]; then
		echo "validate: installing kubernetes-validate $version into $venv" >&2
		rm -rf "$venv"
		python3 -m venv "$venv"
		"$venv/bin/pip" install --quiet "kubernetes-validate==$version"
		touch "$venv/installed"
	fi
	exec 9>&-
fi

dir=deploy/kubernetes
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
builtin=()
if command -v kubectl >/dev/null; then
	for k in "$dir" "$dir/strimzi" "$dir/cloudnative-pg" "$dir/prometheus-operator"; do
		out=$tmp/$(echo "$k" | tr / _).yaml
		kubectl kustomize "$k" >"$out"
		builtin+=("$out")
	done
	builtin+=("$dir"/jobs/*.yaml)
else
	echo "validate: kubectl not found: the manifests are validated file by file, kustomizations unrendered" >&2
	for f in "$dir"/hub/*.yaml "$dir"/jobs/*.yaml; do
		case ${f##*/} in kustomization.yaml | principals.yaml | connectors.yaml) continue ;; esac
		builtin+=("$f")
	done
fi
for v in ${KUBERNETES_VERSIONS:-1.30.0 1.37.0}; do
	# --no-warn: the custom resources, which have no schema here, are
	# checked below.
	"$venv/bin/kubernetes-validate" --strict --quiet --no-warn -k "$v" "${builtin[@]}"
done
"$venv/bin/python" "$dir/check_resources.py" "$dir"
echo "validate: deploy/kubernetes: built-in kinds valid for Kubernetes ${KUBERNETES_VERSIONS:-1.30.0 1.37.0}; custom resources checked"
