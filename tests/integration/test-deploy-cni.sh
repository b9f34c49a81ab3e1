#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# deploy/cni/10-heteropod.conflist with the real plugins: Debian's bridge,
# host-local and portmap, then heteronet from this build, run in order as a
# runtime's libcni runs them (tests/tools/cni-chain.py), for a pod sandbox
# netns, on a node of this test. Two edits to a copy of the file only: the
# node name (this test's) and host-local's dataDir (a temp dir). The "host"
# the bridge plugin works in is a network namespace of this test, so cni0
# and its NAT rules never touch the machine's own network (entered with
# nsenter --net: `ip netns exec` would remount /sys, hiding the cgroup
# mounts heteronet's node needs).
. "$(dirname "$0")/lib.sh"

CNI_DIRS=/usr/lib/cni:/opt/cni/bin
for p in bridge host-local portmap; do
	IFS=: read -ra dirs <<<"$CNI_DIRS"
	found=0
	for d in "${dirs[@]}"; do [ -x "$d/$p" ] && found=1; done
	[ $found = 1 ] || { echo "SKIP: CNI plugin $p not installed (containernetworking-plugins)"; exit 77; }
done
[ -x "$HP_BUILD/heteronet" ] || { echo "SKIP: heteronet is not built in $HP_BUILD"; exit 77; }
export CNI_PATH=$CNI_DIRS:$HP_BUILD

HOSTNS=$NODE-cnih SANDBOX=$NODE-cnip CID=cid$NODE
cni_cleanup() {
	local rc=$?
	[ -f "$TMP/conflist" ] && nsenter --net="/run/netns/$HOSTNS" $PY "$HP_SRC/tests/tools/cni-chain.py" \
		DEL "$TMP/conflist" "$CID" "/run/netns/$SANDBOX" eth0 >/dev/null 2>&1
	ip netns del "$SANDBOX" 2>/dev/null
	ip netns del "$HOSTNS" 2>/dev/null
	(exit $rc)
	cleanup
}
trap cni_cleanup EXIT

$PY - "$HP_SRC/deploy/cni/10-heteropod.conflist" "$TMP/conflist" "$NODE" "$TMP/ipam" <<'PYEOF' ||
import json, sys
src, dst, node, data = sys.argv[1:]
j = json.load(open(src))
for p in j["plugins"]:
    if p["type"] == "heteronet":
        p["node"] = node
    if "ipam" in p:
        p["ipam"]["dataDir"] = data
json.dump(j, open(dst, "w"), indent=1)
PYEOF
	{ echo "FAIL: cannot adapt the conflist"; exit 1; }

expect_status "node up" 0 "$HP" --node "$NODE" node up --dpus 1
ip netns add "$HOSTNS" && ip netns add "$SANDBOX" && ip -n "$HOSTNS" link set lo up ||
	{ fail "cannot make the test's namespaces"; finish; exit 1; }
chain() { nsenter --net="/run/netns/$HOSTNS" $PY "$HP_SRC/tests/tools/cni-chain.py" "$1" "$TMP/conflist" "$CID" \
	"/run/netns/$SANDBOX" eth0 "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web"; }

if out=$(chain ADD 2>&1); then
	pass "ADD through bridge, portmap, heteronet"
else
	fail "ADD: $out"
	finish
	exit 1
fi
ip=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["ips"][0]["address"].split("/")[0])' "$out" 2>/dev/null)
expect_match "the primary plugin's address (10.244.0.0/24)" "$ip" '^10\.244\.0\.[0-9]+$'
pods=$("$HP" --node "$NODE" pod list --json 2>/dev/null)
got=$($PY -c 'import json,sys; print(" ".join(p["name"] + "=" + p["ip"] for p in json.loads(sys.argv[1])["pods"]))' "$pods" 2>/dev/null)
expect_eq "the host agent adopted the sandbox as pod default-web" "$got" "default-web=$ip"
out=$("$HP" --node "$NODE" exec default-web --pu dpu0 -- ip -4 -o addr show dev eth0 2>&1)
expect_match "its DPU half has the same IP" "$out" " $ip/"
out=$(ip -n "$SANDBOX" -4 -o addr show dev eth0 2>&1)
expect_match "the sandbox keeps the bridge's eth0 and IP" "$out" " $ip/24"
expect_status "CHECK" 0 chain CHECK
expect_status "DEL" 0 chain DEL
got=$("$HP" --node "$NODE" pod list --json 2>/dev/null | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["pods"]))' 2>/dev/null)
expect_eq "DEL released the pod" "$got" 0
expect_status "DEL again (idempotent)" 0 chain DEL
finish
