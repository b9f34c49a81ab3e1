#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make demo`: a service-mesh pod played with podman on an emulated node.
# The application (nginx) runs on the host half; an L7 sidecar proxy (nginx
# in istio-proxy's place, uid 1337) sits behind Istio's own interception
# rules (istio-iptables, installed by the istio-init container). Load comes
# from the wire, which reaches the pod only through the DPU. The same pod is
# played in each placement and measured side by side: latency, throughput,
# and the CPU each PU spends. Everything is torn down at the end.
set -uo pipefail

HP=${1:-build/heteropod}
BUILD=$(dirname "$HP")
SRC=$(cd "$(dirname "$0")/.." && pwd)
NODE=demo$(printf '%02x' $((RANDOM % 256)))
WORK=$(mktemp -d /tmp/heteropod-demo-XXXXXX)
SECONDS_PER_RUN=${DEMO_SECONDS:-5}
H() { "$HP" --node "$NODE" "$@"; }
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
playing=

cleanup() {
	[ -n "$playing" ] && H play "$playing" --down >/dev/null 2>&1
	say "Tearing down node $NODE (pods, containers, namespaces, cgroups, eBPF hooks, window)."
	H node down
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (namespaces, cgroups, eBPF, podman)" >&2
	exit 1
fi

say "1. Local container images (built offline from Debian's files; a no-op when up to date)."
bash "$SRC/scripts/images.sh" toolbox || exit 1

say "2. An emulated node: a host PU (cpu 0) and a DPU (cpu 1), with a PU link and a wire."
H node up || exit 1

# cpu_ns PU: CPU time the PU's partition has used (cgroup accounting).
cpu_ns() {
	local f=/sys/fs/cgroup/cpuacct/heteropod.$NODE/$1/cpuacct.usage
	[ -r "$f" ] || f=/sys/fs/cgroup/heteropod.$NODE/$1/cpu.stat
	if [[ $f == *cpu.stat ]]; then
		awk '/usage_usec/ { print $2 * 1000 }' "$f"
	else
		cat "$f"
	fi
}
# to_us 279.00us|1.2ms|1.1s -> microseconds
to_us() {
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000;
		else if (v ~ /s$/) print n * 1e6; else print n }'
}

# run MODE PROXY_PU: play the mesh pod with the proxy on PROXY_PU, load it
# from the wire, and record its figures in $WORK/MODE.
run() {
	local mode=$1 proxy_pu=$2 yaml=$WORK/mesh-$2.yaml ip out h0 h1 d0 d1
	sed "s/\"istio-proxy\": \"dpu0\"/\"istio-proxy\": \"$proxy_pu\"/" \
		"$SRC/examples/mesh-pod.yaml" >"$yaml"
	say "   $mode: istio-init on dpu0, istio-proxy on $proxy_pu, app on host"
	H play "$yaml" 2>&1 | sed 's/^/   /' || return 1
	playing=$yaml
	ip=$(H pod list --json | jq -r '.pods[] | select(.name=="mesh") | .ip')
	for _ in $(seq 50); do
		H client -- curl -sf -o /dev/null -m 1 "http://$ip:8080/" && break
		sleep 0.1
	done
	printf '   one request from the wire: '
	H client -- curl -s -D - -o "$WORK/body" -m 2 "http://$ip:8080/" |
		awk '/^HTTP|^X-HeteroPod-Proxy/ { gsub("\r", ""); printf "%s; ", $0 }'
	cat "$WORK/body"
	H client -- wrk -t1 -c4 -d1s "http://$ip:8080/" >/dev/null 2>&1 # warm up
	h0=$(cpu_ns host) d0=$(cpu_ns dpu0)
	out=$(H client -- wrk -t1 -c4 -d"${SECONDS_PER_RUN}s" --latency "http://$ip:8080/")
	h1=$(cpu_ns host) d1=$(cpu_ns dpu0)
	echo "$out" | awk -v mode="$mode" -v hns=$((h1 - h0)) -v dns=$((d1 - d0)) \
		-v secs="$SECONDS_PER_RUN" '
		function us(v) { n = v + 0; if (v ~ /us$/) return n; if (v ~ /ms$/) return n * 1000; return n * 1e6 }
		/^ +50%/ { p50 = us($2) } /^ +99%/ { p99 = us($2) }
		/^Requests\/sec/ { rps = $2 } /requests in/ { n = $1 }
		END { printf "%s\t%.0f\t%.0f\t%.0f\t%.3f\t%.1f\t%.3f\n", mode, rps, p50, p99,
			hns / 1e9 / secs, n ? hns / 1e3 / n : 0, dns / 1e9 / secs }' >"$WORK/$mode"
	H play "$yaml" --down >/dev/null 2>&1
	playing=
}

say "3. The mesh pod (examples/mesh-pod.yaml), played by podman with heteropod-runtime,"
echo "   each placement measured with wrk from the wire for ${SECONDS_PER_RUN}s (4 connections):"
run co-located host || exit 1
run offloaded dpu0 || exit 1

say "4. Side by side (host CPU = the host PU's cgroups; the DPU's cores are its own):"
printf '   %-12s %9s %9s %9s %10s %12s %9s\n' placement req/s "p50 µs" "p99 µs" "host cores" "host µs/req" "dpu cores"
for m in co-located offloaded; do
	IFS=$'\t' read -r mode rps p50 p99 hc hus dc <"$WORK/$m"
	printf '   %-12s %9s %9s %9s %10s %12s %9s\n' "$mode" "$rps" "$p50" "$p99" "$hc" "$hus" "$dc"
done
IFS=$'\t' read -r _ _ c50 _ _ chus _ <"$WORK/co-located"
IFS=$'\t' read -r _ _ o50 _ _ ohus _ <"$WORK/offloaded"
awk -v c50="$c50" -v o50="$o50" -v chus="$chus" -v ohus="$ohus" 'BEGIN {
	printf "\n   Offloading the proxy: host CPU per request %.2fx of co-located, p50 latency %.2fx.\n",
		ohus / chus, o50 / c50 }'
echo "   Over the kernel path every request crosses the PU link twice (VXLAN over the"
echo "   emulated link); hetero-socket is the shared-memory path meant to remove that cost."
say "Done: one pod, its proxy on the DPU, its application on the host, one pod IP and localhost."
