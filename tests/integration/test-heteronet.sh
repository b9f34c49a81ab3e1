#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# heteronet, the chained CNI plugin (docs/cni.md): driven exactly as a
# runtime drives it (environment + stdin) after Debian's reference bridge
# plugin, and then by podman's CNI backend with a bridge + heteronet chain.
source "$(dirname "$0")/lib.sh"

HN=$HP_BUILD/heteronet
CNI=/usr/lib/cni
if [ ! -x "$CNI/bridge" ] || [ ! -x "$CNI/host-local" ]; then
	echo "SKIP: the reference CNI plugins are not in $CNI (containernetworking-plugins)"
	exit 77
fi

# Everything this test makes carries the node's name; the trap removes it all.
NS1=hcni-$NODE-1
NS2=hcni-$NODE-2
NS3=hcni-$NODE-3
BR1=hb$NODE
BR2=hp$NODE
NET1=hn1-$NODE
NET2=hn2-$NODE
CTR=hpc-$NODE
IMG=localhost/hp-cni-$NODE:test
export CONTAINERS_CONF=$TMP/containers.conf

cni_cleanup() {
	if command -v podman >/dev/null && [ -e "$CONTAINERS_CONF" ]; then
		podman rm -f -t 0 "$CTR" >/dev/null 2>&1
		podman rmi -f "$IMG" >/dev/null 2>&1
	fi
	for ns in "$NS1" "$NS2" "$NS3"; do
		ip netns del "$ns" 2>/dev/null
	done
	ip link del "$BR1" 2>/dev/null
	ip link del "$BR2" 2>/dev/null
}
trap 'rc=$?; cni_cleanup; (exit $rc); cleanup' EXIT

# A /24 in 10/8 that nothing on the machine uses yet.
free_subnet() {
	local i s
	for ((i = 0; i < 50; i++)); do
		s=10.$((RANDOM % 200 + 40)).$((RANDOM % 250)).0
		if ! ip -4 route show 2>/dev/null | grep -q "^${s%.0}\." && ! ip -4 addr 2>/dev/null | grep -q "inet ${s%.0}\."; then
			echo "$s"
			return
		fi
	done
	echo "10.250.$((RANDOM % 250)).0"
}
SUB1=$(free_subnet)
SUB2=$(free_subnet)
[ "$SUB2" = "$SUB1" ] && SUB2=$(free_subnet)

# cni CMD CONTAINER NETNS CONFIG-FILE [ARGS]: run heteronet as a runtime would.
cni() {
	CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=$3 CNI_IFNAME=eth0 CNI_PATH=$HP_BUILD:$CNI \
		CNI_ARGS=${5:-IgnoreUnknown=1} "$HN" <"$4"
}
# bridge CMD CONTAINER NETNS: the primary plugin.
bridge() {
	CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=$3 CNI_IFNAME=eth0 CNI_PATH=$CNI \
		CNI_ARGS=IgnoreUnknown=1 "$CNI/bridge" <"$TMP/bridge.json"
}
# heteronet's configuration for version V on node N, after the bridge's result in FILE.
hn_conf() {
	jq -n --arg v "$1" --arg node "$2" --arg net "$NET1" --slurpfile prev "$3" \
		'{cniVersion: $v, name: $net, type: "heteronet", node: $node, dpu: "dpu0",
		  wireFallback: true, someFutureKey: {ignored: true}, prevResult: $prev[0]}'
}
# expect_cni_error WHAT CODE CMD...: CMD fails with the spec's error object and CODE.
expect_cni_error() {
	local what=$1 want=$2 out st
	shift 2
	out=$("$@" 2>"$TMP/err")
	st=$?
	if [ "$st" -ne 0 ] && [ "$(jq -r '.code' <<<"$out" 2>/dev/null)" = "$want" ] &&
		jq -e '.msg | length > 0' <<<"$out" >/dev/null 2>&1 &&
		jq -e '.cniVersion | length > 0' <<<"$out" >/dev/null 2>&1; then
		pass "$what: code $want"
	else
		fail "$what: exit $st, output '$out', want an error object with code $want"
	fi
}

"$HP" node up >/dev/null || { fail "node up"; finish; exit 1; }

# ===== 1. the CNI protocol, directly =========================================

out=$(echo '{"cniVersion":"1.1.0"}' | CNI_COMMAND=VERSION "$HN")
expect_eq "VERSION answers in the version asked" "$(jq -r .cniVersion <<<"$out")" 1.1.0
expect_eq "VERSION lists 1.0.0 and 1.1.0" \
	"$(jq -c '[.supportedVersions[] | select(. == "1.0.0" or . == "1.1.0")]' <<<"$out")" '["1.0.0","1.1.0"]'

jq -n --arg br "$BR1" --arg sub "$SUB1/24" --arg dir "$TMP/ipam1" --arg net "$NET1" \
	'{cniVersion: "1.0.0", name: $net, type: "bridge", bridge: $br, isGateway: true,
	  ipMasq: false, ipam: {type: "host-local", ranges: [[{subnet: $sub}]],
	  routes: [{dst: "0.0.0.0/0"}], dataDir: $dir}}' >"$TMP/bridge.json"
ip netns add "$NS1"
orig_range=$(ip netns exec "$NS1" sysctl -n net.ipv4.ip_local_port_range)
bridge ADD c1-$NODE /run/netns/$NS1 >"$TMP/prev1.json" || fail "bridge ADD"
ip=$(jq -r '.ips[0].address | split("/")[0]' "$TMP/prev1.json")
expect_match "the bridge gave an address in $SUB1/24" "$ip" "^${SUB1%.0}\.[0-9]+$"
gw_before=$(ip -n "$NS1" -4 route show default)

hn_conf 1.0.0 "$NODE" "$TMP/prev1.json" >"$TMP/hn1.json"
POD=default-web-$NODE
ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-$NODE"
out=$(cni ADD c1-$NODE /run/netns/$NS1 "$TMP/hn1.json" "$ARGS")
expect_eq "ADD succeeds" "$?" 0
expect_eq "ADD passes the primary plugin's result through" \
	"$(jq -S . <<<"$out")" "$(jq -S '.cniVersion = "1.0.0"' "$TMP/prev1.json")"
pods=$("$HP" pod list --json)
expect_eq "the pod is named from K8S_POD_NAMESPACE/K8S_POD_NAME" \
	"$(jq -r --arg c c1-$NODE '.pods[] | select(.attachment.container == $c) | .name' <<<"$pods")" "$POD"
expect_eq "the pod has the primary plugin's IP" \
	"$(jq -r --arg p "$POD" '.pods[] | select(.name == $p) | .ip' <<<"$pods")" "$ip"
expect_match "eth0 keeps the pod IP" "$(ip -n "$NS1" -4 -o addr show dev eth0)" "inet $ip/24"
expect_match "our tunnel is hpx0 beside it" "$(ip -n "$NS1" -o link show hpx0)" "hpx0.*UP"
expect_eq "the primary plugin's default route stays" "$(ip -n "$NS1" -4 route show default)" "$gw_before"
expect_match "the DPU half has the same IP" \
	"$("$HP" exec "$POD" --pu dpu0 -- ip -4 -o addr show dev eth0)" "inet $ip/32"
expect_eq "exec reaches the adopted host half" "$("$HP" exec "$POD" --pu host -- hostname)" "$POD"

# Servers on both halves; clients on the other half, in the namespace itself
# (as the runtime's containers are) and on the wire.
start_bg "$TMP/dpu-srv.log" "$HP" exec "$POD" --pu dpu0 -- "$PROBE_STATIC" listen 7101 --count 100 --ready "$TMP/r1"
start_bg "$TMP/host-srv.log" "$HP" exec "$POD" --pu host -- "$PROBE" listen 7102 --count 100 --ready "$TMP/r2"
wait_for "$TMP/r1"
wait_for "$TMP/r2"
wait_routed "$POD" host 7101
wait_routed "$POD" dpu0 7102
out=$("$HP" exec "$POD" --pu host -- "$PROBE" connect 127.0.0.1:7101)
expect_match "host half -> DPU half over 127.0.0.1" "$out" "connected local=127\.0\.0\.1:[0-9]+ peer=127\.0\.0\.1:7101"
expect_match "  answered by the DPU half" "$out" "hello from $POD"
out=$(ip netns exec "$NS1" "$PROBE_STATIC" connect 127.0.0.1:7101)
expect_match "a plain process in the runtime's namespace -> DPU half over 127.0.0.1" "$out" "peer=127\.0\.0\.1:7101"
out=$("$HP" exec "$POD" --pu dpu0 -- "$PROBE" connect 127.0.0.1:7102)
expect_match "DPU half -> host half over 127.0.0.1" "$out" "connected local=127\.0\.0\.1:[0-9]+ peer=127\.0\.0\.1:7102"
expect_match "  server sees a loopback peer" "$(tail -1 "$TMP/host-srv.log")" "local=127\.0\.0\.1:7102 peer=127\.0\.0\.1:"
expect_match "the wire routes the pod IP to dpu0" "$(ip -n "$NODE.wire" route get "$ip")" "via 198\.18\.1\.1 dev dpu0"
out=$("$HP" client -- "$PROBE" connect "$ip:7102")
expect_match "wire -> pod IP -> host half (through the DPU half)" "$out" "hello from $POD"
expect_match "  the host half sees the wire's address" "$(tail -1 "$TMP/host-srv.log")" "local=$ip:7102 peer=198\.18\.1\.2:"
out=$("$HP" client -- "$PROBE" connect "$ip:7101")
expect_match "wire -> pod IP -> DPU half" "$out" "hello from $POD"
# A server the runtime starts is in the namespace but not in the half's
# cgroup: its bind is announced to nobody. The DPU half passes the wire's
# connections that none of its own sockets takes on to the host half.
start_bg "$TMP/plain-srv.log" ip netns exec "$NS1" "$PROBE" listen 7103 --count 100 --ready "$TMP/r5"
wait_for "$TMP/r5"
out=$("$HP" client -- "$PROBE" connect "$ip:7103")
expect_match "wire -> a server that announced nothing, in the runtime's namespace" "$out" "connected .*peer=$ip:7103"
expect_match "  it saw the wire's address" "$(tail -1 "$TMP/plain-srv.log")" "local=$ip:7103 peer=198\.18\.1\.2:"

out=$(cni CHECK c1-$NODE /run/netns/$NS1 "$TMP/hn1.json")
expect_eq "CHECK succeeds silently" "$?:$out" "0:"

# Bad input: the spec's error object, the right code, nothing half-made.
echo '{"cniVersion":"9.9.9","name":"x","type":"heteronet"}' >"$TMP/bad-version.json"
expect_cni_error "unknown cniVersion" 1 cni ADD c9-$NODE /run/netns/$NS1 "$TMP/bad-version.json"
jq 'del(.prevResult)' "$TMP/hn1.json" >"$TMP/no-prev.json"
expect_cni_error "ADD without prevResult" 7 cni ADD c9-$NODE /run/netns/$NS1 "$TMP/no-prev.json"
jq '.node = "Bad_Node"' "$TMP/hn1.json" >"$TMP/bad-node.json"
expect_cni_error "a bad node name" 7 cni ADD c9-$NODE /run/netns/$NS1 "$TMP/bad-node.json"
jq '.dpu = 7' "$TMP/hn1.json" >"$TMP/bad-dpu.json"
expect_cni_error "a dpu that is not a name" 7 cni ADD c9-$NODE /run/netns/$NS1 "$TMP/bad-dpu.json"
echo 'not json' >"$TMP/garbage.json"
expect_cni_error "a configuration that is not JSON" 6 cni ADD c9-$NODE /run/netns/$NS1 "$TMP/garbage.json"
expect_cni_error "no CNI_CONTAINERID" 4 env CNI_COMMAND=ADD CNI_NETNS=/run/netns/$NS1 CNI_IFNAME=eth0 "$HN" <"$TMP/hn1.json"
expect_cni_error "an unknown CNI_COMMAND" 4 cni FROB c9-$NODE /run/netns/$NS1 "$TMP/hn1.json"
jq --arg a "${SUB1%.0}.250/24" '.prevResult.ips[0].address = $a' "$TMP/hn1.json" >"$TMP/other-ip.json"
expect_cni_error "a namespace of the node itself" 101 cni ADD c9-$NODE /run/netns/$NODE.wire "$TMP/other-ip.json"
expect_cni_error "the IP of another pod" 101 cni ADD c9-$NODE /run/netns/$NS1 "$TMP/hn1.json"
down=zq$(printf '%05x' $((RANDOM * 7 % 0xfffff)))
while [ -e "/run/heteropod/$down" ]; do down=zq$(printf '%05x' $((RANDOM))); done
jq --arg n "$down" '.node = $n' "$TMP/hn1.json" >"$TMP/down.json"
expect_cni_error "a node that is not up" 11 cni ADD c9-$NODE /run/netns/$NS1 "$TMP/down.json"
expect_status "DEL on a node that is not up succeeds" 0 cni DEL c9-$NODE /run/netns/$NS1 "$TMP/down.json"
expect_eq "no pod came of the bad requests" "$("$HP" pod list --json | jq '.pods | length')" 1

# STATUS (1.1): the node's host agent answers, or code 50.
jq '.cniVersion = "1.1.0" | del(.prevResult)' "$TMP/hn1.json" >"$TMP/status.json"
expect_status "STATUS with the node up" 0 env CNI_COMMAND=STATUS "$HN" <"$TMP/status.json"
jq --arg n "$down" '.node = $n' "$TMP/status.json" >"$TMP/status-down.json"
expect_cni_error "STATUS of a node that is not up" 50 env CNI_COMMAND=STATUS "$HN" <"$TMP/status-down.json"

# DEL: idempotent, and it takes away only what we added.
kill "${STARTED_PIDS[@]}" 2>/dev/null
expect_status "DEL" 0 cni DEL c1-$NODE /run/netns/$NS1 "$TMP/hn1.json"
expect_status "DEL again" 0 cni DEL c1-$NODE /run/netns/$NS1 "$TMP/hn1.json"
expect_status "DEL without CNI_NETNS" 0 cni DEL c1-$NODE "" "$TMP/hn1.json"
expect_eq "the runtime's namespace is still there" "$(ip netns list | grep -c "^$NS1 ")" 1
expect_match "eth0 keeps its address" "$(ip -n "$NS1" -4 -o addr show dev eth0)" "inet $ip/24"
expect_eq "and the default route" "$(ip -n "$NS1" -4 route show default)" "$gw_before"
expect_eq "our tunnel is gone" "$(ip -n "$NS1" -o link show hpx0 2>/dev/null | wc -l)" 0
expect_eq "the routing rules are the kernel's again" "$(ip -n "$NS1" rule | awk '{print $1}' | tr -d '\n')" "0:32766:32767:"
expect_eq "no table 102 is left" "$(ip -n "$NS1" route show table 102 2>/dev/null | wc -l)" 0
expect_eq "no netfilter chain of ours is left" "$(ip netns exec "$NS1" iptables-save | grep -c HETEROPOD)" 0
expect_eq "the ephemeral port range is back" "$(ip netns exec "$NS1" sysctl -n net.ipv4.ip_local_port_range)" "$orig_range"
expect_eq "the DPU half is gone" "$(ip netns list | grep -c "^$NODE\.pod\.$POD\.")" 0
expect_eq "the agent has no pod" "$("$HP" pod list --json | jq '.pods | length')" 0
expect_eq "the wire no longer routes the pod IP" "$(ip -n "$NODE.wire" route show "$ip/32" | wc -l)" 0
expect_cni_error "CHECK after DEL: container unknown" 3 cni CHECK c1-$NODE /run/netns/$NS1 "$TMP/hn1.json"

# GC (1.1): attachments of this network that the runtime no longer lists go.
jq '.cniVersion = "1.1.0"' "$TMP/hn1.json" >"$TMP/hn1-11.json"
expect_status "ADD again (1.1.0)" 0 cni ADD c1-$NODE /run/netns/$NS1 "$TMP/hn1-11.json"
ip netns add "$NS2"
bridge ADD c2-$NODE /run/netns/$NS2 >"$TMP/prev2.json" || fail "bridge ADD 2"
hn_conf 1.1.0 "$NODE" "$TMP/prev2.json" >"$TMP/hn2.json"
expect_status "ADD of a second container" 0 cni ADD c2-$NODE /run/netns/$NS2 "$TMP/hn2.json"
stale=$("$HP" pod list --json | jq -r --arg c c2-$NODE '.pods[] | select(.attachment.container == $c) | .name')
expect_match "a pod without K8S names is named from the container id" "$stale" "^c2-$NODE$"
jq --arg c c1-$NODE 'del(.prevResult) | .["cni.dev/valid-attachments"] = [{containerID: $c, ifname: "eth0"}]' \
	"$TMP/hn1-11.json" >"$TMP/gc.json"
expect_status "GC" 0 env CNI_COMMAND=GC CNI_PATH=$HP_BUILD "$HN" <"$TMP/gc.json"
expect_eq "GC kept the valid attachment and removed the stale one" \
	"$("$HP" pod list --json | jq -c '[.pods[].attachment.container]')" "[\"c1-$NODE\"]"
expect_eq "the stale pod's namespace keeps its eth0" "$(ip -n "$NS2" -o link show eth0 | wc -l)" 1
expect_eq "  and lost our tunnel" "$(ip -n "$NS2" -o link show hpx0 2>/dev/null | wc -l)" 0

# A host agent that dies takes its pods with it; the next one (node up) gives
# adopted namespaces back as the primary plugin left them.
kill -9 "$(cat "/run/heteropod/$NODE/host.pid")"
expect_status "node up after the host agent died" 0 "$HP" node up
expect_eq "the new host agent gave the namespace back" \
	"$(ip -n "$NS1" -o link show hpx0 2>/dev/null | wc -l):$(ip -n "$NS1" rule | awk '{print $1}' | tr -d '\n')" "0:0:32766:32767:"
expect_eq "  and its port range" "$(ip netns exec "$NS1" sysctl -n net.ipv4.ip_local_port_range)" "$orig_range"
expect_status "DEL after the agent died" 0 cni DEL c1-$NODE /run/netns/$NS1 "$TMP/hn1-11.json"
expect_status "ADD once more" 0 cni ADD c1-$NODE /run/netns/$NS1 "$TMP/hn1-11.json"
expect_status "DEL of the kept one" 0 cni DEL c1-$NODE /run/netns/$NS1 "$TMP/hn1-11.json"
bridge DEL c1-$NODE /run/netns/$NS1 >/dev/null || fail "bridge DEL 1"
bridge DEL c2-$NODE /run/netns/$NS2 >/dev/null || fail "bridge DEL 2"

# ===== 2. podman's CNI backend: bridge + heteronet ===========================

if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
	fail "podman and runc are needed (scripts/deps.sh installs them)"
	finish
	exit
fi
mkdir -p "$TMP/cni-net" "$TMP/img/bin"
cat >"$CONTAINERS_CONF" <<EOF
[network]
network_backend = "cni"
cni_plugin_dirs = ["$HP_BUILD", "$CNI"]
network_config_dir = "$TMP/cni-net"
EOF
jq -n --arg net "$NET2" --arg br "$BR2" --arg sub "$SUB2/24" --arg dir "$TMP/ipam2" --arg node "$NODE" \
	'{cniVersion: "1.0.0", name: $net, plugins: [
	   {type: "bridge", bridge: $br, isGateway: true, ipMasq: false,
	    ipam: {type: "host-local", ranges: [[{subnet: $sub}]], routes: [{dst: "0.0.0.0/0"}], dataDir: $dir}},
	   {type: "heteronet", node: $node, wireFallback: true}]}' >"$TMP/cni-net/$NET2.conflist"

# A tiny image: busybox and the static probe.
cp /bin/busybox "$PROBE_STATIC" "$TMP/img/bin/"
mv "$TMP/img/bin/hp-probe-static" "$TMP/img/bin/hp-probe"
for a in sh ip cat sleep hostname; do ln -s busybox "$TMP/img/bin/$a"; done
tar -C "$TMP/img" -cf "$TMP/img.tar" . && podman import -q "$TMP/img.tar" "$IMG" >/dev/null ||
	fail "podman import"

# crun cannot run here (cgroup v1 hybrid), and the default rlimits exceed
# what this machine lets a container raise: runc, and modest limits within ours.
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] || [ "$nofile" -gt 1024 ] && nofile=1024
[ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ] && nproc=4096
if ! podman --runtime runc run -d --name "$CTR" --network "$NET2" \
	--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" --hostname "ctr-$NODE" \
	"$IMG" /bin/hp-probe listen 7203 --count 100 >"$TMP/ctr.id" 2>"$TMP/podman.err"; then
	fail "podman run: $(cat "$TMP/podman.err")"
	finish
	exit
fi
cip=$(podman inspect -f "{{(index .NetworkSettings.Networks \"$NET2\").IPAddress}}" "$CTR" 2>/dev/null)
expect_match "the container got an address in $SUB2/24" "$cip" "^${SUB2%.0}\.[0-9]+$"
pods=$("$HP" pod list --json)
CPOD=$(jq -r --arg c "$(cat "$TMP/ctr.id")" '.pods[] | select(.attachment.container == $c) | .name' <<<"$pods")
expect_eq "podman's ADD made a pod named after the container (K8S_POD_NAME)" "$CPOD" "$CTR"
expect_eq "with the container's IP" "$(jq -r --arg p "$CTR" '.pods[] | select(.name == $p) | .ip' <<<"$pods")" "$cip"

start_bg "$TMP/c-dpu.log" "$HP" exec "$CTR" --pu dpu0 -- "$PROBE_STATIC" listen 7201 --count 100 --ready "$TMP/r3"
start_bg "$TMP/c-host.log" "$HP" exec "$CTR" --pu host -- "$PROBE" listen 7202 --count 100 --ready "$TMP/r4"
wait_for "$TMP/r3"
wait_for "$TMP/r4"
wait_routed "$CTR" host 7201
wait_routed "$CTR" dpu0 7202
out=$(podman exec "$CTR" hp-probe connect 127.0.0.1:7201)
expect_match "the container reaches a listener in the DPU half over 127.0.0.1" "$out" "connected local=127\.0\.0\.1:[0-9]+ peer=127\.0\.0\.1:7201"
expect_match "  answered by the DPU half" "$out" "hello from $CTR"
out=$("$HP" client -- "$PROBE" connect "$cip:7202")
expect_match "the wire reaches the container's IP through the DPU half" "$out" "hello from $CTR"
expect_match "  in the container's own namespace" "$(tail -1 "$TMP/c-host.log")" "local=$cip:7202 peer=198\.18\.1\.2:"
out=$("$HP" client -- "$PROBE" connect "$cip:7201")
expect_match "the wire reaches the DPU half's listener on the container's IP" "$out" "hello from $CTR"
out=$(retry 50 "$HP" client -- "$PROBE" connect "$cip:7203")
expect_match "the wire reaches the container's own server through the DPU half" "$out" "hello from ctr-$NODE"

expect_status "podman rm -f (DEL)" 0 podman rm -f -t 0 "$CTR"
expect_eq "no agent pod is left" "$("$HP" pod list --json | jq '.pods | length')" 0
expect_eq "no DPU half is left" "$(ip netns list | grep -c "^$NODE\.pod\.")" 0
expect_eq "no tunnel is left in the host PU's stack" "$(ip -n "$NODE.host" -o link show type vxlan 2>/dev/null | wc -l)" 0
expect_eq "no tunnel is left in the DPU's stack" "$(ip -n "$NODE.dpu0" -o link 2>/dev/null | grep -c hpp)" 0
expect_eq "the wire no longer routes the container's IP" "$(ip -n "$NODE.wire" route show "$cip/32" | wc -l)" 0

finish
