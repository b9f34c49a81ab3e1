#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# deploy/, checked offline: every file parses, the objects have what the API
# server and HeteroPod need, the files agree with each other
# (tests/tools/check-deploy.py), node.conf loads as `node up` loads it
# (hp-config-check); broken copies must be caught; `kubectl apply
# --dry-run=client` when a cluster answers. Needs neither root nor a cluster.
set -uo pipefail

HP_SRC=${HP_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HP_BUILD=${HP_BUILD:-$HP_SRC/build}
PY=/usr/bin/python3
CHECK=$HP_SRC/tests/tools/check-deploy.py
NODECHECK=$HP_BUILD/tests/hp-config-check
DEPLOY=$HP_SRC/deploy
TMP=$(mktemp -d /tmp/hp-deploy-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILURES=0 CHECKS=0

pass() { CHECKS=$((CHECKS + 1)); echo "ok: $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "FAIL: $*"; }

$PY -c 'import yaml, tomllib' 2>/dev/null || { echo "SKIP: python3-yaml or Python >= 3.11 missing"; exit 77; }
[ -x "$NODECHECK" ] || { echo "FAIL: $NODECHECK not built"; exit 1; }

# The real files.
if out=$($PY "$CHECK" --node-check "$NODECHECK" "$DEPLOY" 2>&1); then
	pass "deploy/ is well-formed and consistent (${out##*$'\n'})"
else
	fail "deploy/ has problems:"$'\n'"$out"
fi
"$NODECHECK" "$DEPLOY/node.conf" >/dev/null && pass "node.conf loads as node up loads it" ||
	fail "node.conf rejected"
[ -f "$HP_SRC/docs/cluster.md" ] && pass "docs/cluster.md is there" || fail "no docs/cluster.md"
expect_usage() {
	$PY "$CHECK" "$@" >/dev/null 2>&1
	local rc=$?
	[ $rc = 2 ] && pass "checker usage error: $* (exit 2)" || fail "checker $*: exit $rc, want 2"
}
expect_usage
expect_usage "$TMP/nonexistent"

# break NAME REGEX PYTHON: a copy of deploy/ edited by PYTHON (d = its path)
# must be rejected with a message matching REGEX.
n=0
break_copy() {
	local what=$1 want=$2 code=$3 dir out rc
	n=$((n + 1))
	dir=$TMP/bad$n
	cp -r "$DEPLOY" "$dir"
	if ! $PY - "$dir" <<<"import sys, re, json; d = sys.argv[1]
def edit(f, old, new, count=1):
    p = d + '/' + f
    s = open(p).read()
    assert old in s, (f, old)
    open(p, 'w').write(s.replace(old, new, count))
$code"; then
		fail "$what: the edit did not apply (the test is out of date)"
		return
	fi
	out=$($PY "$CHECK" --node-check "$NODECHECK" "$dir" 2>&1)
	rc=$?
	if [ $rc = 1 ] && [[ $out =~ $want ]]; then
		pass "caught: $what"
	else
		fail "$what: exit $rc, output: $out"
	fi
}

break_copy "YAML syntax" "not valid YAML" \
	"edit('runtimeclass.yaml', 'handler: heteropod', 'handler: [heteropod')"
break_copy "RuntimeClass handler unknown to containerd and CRI-O" "no runtime handler 'heteropodx'" \
	"edit('runtimeclass.yaml', 'handler: heteropod', 'handler: heteropodx')"
break_copy "RuntimeClass without apiVersion" "RuntimeClass heteropod: no apiVersion" \
	"edit('runtimeclass.yaml', 'apiVersion: node.k8s.io/v1\n', '')"
break_copy "DaemonSet selector not matching its template" "selector app.kubernetes.io/component=host-agent does not match" \
	"edit('agents-daemonset.yaml', '        app.kubernetes.io/component: host-agent\n', '        app.kubernetes.io/component: agent\n')"
break_copy "container without an image" "container 'agent' has no image" \
	"edit('agents-daemonset.yaml', '        - name: agent\n          image: localhost/heteropod/node:latest\n', '        - name: agent\n')"
break_copy "mount of an undeclared volume" "mounts undeclared volume 'bpffs'" \
	"edit('agents-daemonset.yaml', '        - name: bpffs\n          hostPath:\n            path: /sys/fs/bpf\n            type: Directory\n', '')"
break_copy "DPU agents on any architecture" "kubernetes.io/arch=arm64" \
	"edit('agents-daemonset.yaml', '        kubernetes.io/arch: arm64\n', '')"
break_copy "shell syntax error in the agent's command" "shell syntax error" \
	"edit('agents-daemonset.yaml', 'done\n', 'don\n')"
break_copy "ConfigMap out of step with node.conf" "differs from node.conf" \
	"edit('node.conf', 'speed = 0.5', 'speed = 0.25')"
break_copy "node.conf the agents would refuse" "node.conf: rejected: .*speed" \
	"edit('node.conf', 'speed = 0.5', 'speed = 3'); edit('agents-daemonset.yaml', 'speed = 0.5', 'speed = 3')"
break_copy "heteronet before the primary plugin" "after a primary plugin with ipam" \
	"p = d + '/cni/10-heteropod.conflist'; j = json.load(open(p)); j['plugins'].reverse(); json.dump(j, open(p, 'w'))"
break_copy "no heteronet in the chain" "no heteronet plugin" \
	"edit('cni/10-heteropod.conflist', '\"type\": \"heteronet\"', '\"type\": \"tuning\"')"
break_copy "conflist not JSON" "not valid JSON" \
	"edit('cni/10-heteropod.conflist', '\"plugins\": [', '\"plugins\": [,')"
break_copy "containerd without BinaryName" "BinaryName must be the absolute path of heteropod-runtime" \
	"edit('containerd-heteropod.toml', 'BinaryName = ', 'BinaryNam = ')"
break_copy "containerd dropping the placement annotation" "pod_annotations must pass heteropod.io/placement" \
	"edit('containerd-heteropod.toml', '[\"heteropod.io/*\"]', '[\"example.com/*\"]')"
break_copy "containerd with the wrong shim" "runtime_type must be io.containerd.runc.v2" \
	"edit('containerd-heteropod.toml', 'io.containerd.runc.v2', 'io.containerd.runsc.v1')"
break_copy "CRI-O without allowed_annotations" "allowed_annotations must include heteropod.io/placement" \
	"edit('crio-heteropod.conf', '\"heteropod.io/placement\",', '')"
break_copy "CRI-O running something else" "runtime_path must be the absolute path of heteropod-runtime" \
	"edit('crio-heteropod.conf', 'runtime_path = \"/usr/local/bin/heteropod-runtime\"', 'runtime_path = \"/usr/bin/runc\"')"
break_copy "CRI-O not TOML" "not valid TOML" \
	"edit('crio-heteropod.conf', '[crio.runtime.runtimes.heteropod]', '[crio.runtime.runtimes.heteropod')"
break_copy "runtime path the DaemonSet does not install" "runs /opt/bin/heteropod-runtime, but the DaemonSet installs" \
	"edit('containerd-heteropod.toml', '/usr/local/bin/heteropod-runtime', '/opt/bin/heteropod-runtime'); edit('crio-heteropod.conf', '/usr/local/bin/heteropod-runtime', '/opt/bin/heteropod-runtime')"

# kubectl's client-side dry run needs the API server's discovery: only with a cluster.
if ! command -v kubectl >/dev/null; then
	echo "SKIP (part): kubectl is not installed: no kubectl apply --dry-run=client"
elif ! kubectl version --request-timeout=3s >/dev/null 2>&1; then
	echo "SKIP (part): kubectl reaches no cluster (its client dry run needs the API server's discovery)"
else
	for f in "$DEPLOY"/*.yaml; do
		if out=$(kubectl apply --dry-run=client -f "$f" 2>&1); then
			pass "kubectl apply --dry-run=client -f ${f##*/}"
		else
			fail "kubectl apply --dry-run=client -f ${f##*/}: $out"
		fi
	done
fi

echo "$CHECKS checks, $FAILURES failed"
[ "$FAILURES" -eq 0 ]
