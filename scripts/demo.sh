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

# run MODE PROXY_PU ACCEL: play the mesh pod with the proxy on PROXY_PU and
# hetero-socket on or off, load it from the wire, record its figures in
# $WORK/MODE.
run() {
	local mode=$1 proxy_pu=$2 accel=$3 yaml=$WORK/mesh-$1.yaml ip out h0 h1 d0 d1
	sed -e "s/\"istio-proxy\": \"dpu0\"/\"istio-proxy\": \"$proxy_pu\"/" \
		-e "s|^\(    heteropod.io/placement:.*\)|\1\n    heteropod.io/accel: \"$accel\"|" \
		"$SRC/examples/mesh-pod.yaml" >"$yaml"
	say "   $mode: istio-init on dpu0, istio-proxy on $proxy_pu, app on host; hetero-socket $([ "$accel" = true ] && echo on || echo off)"
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
	# Latency: one connection, one request at a time.
	lat=$(H client -- wrk -t1 -c1 -d"${SECONDS_PER_RUN}s" --latency "http://$ip:8080/")
	# Throughput and CPU: four connections.
	h0=$(cpu_ns host) d0=$(cpu_ns dpu0)
	out=$(H client -- wrk -t1 -c4 -d"${SECONDS_PER_RUN}s" "http://$ip:8080/")
	h1=$(cpu_ns host) d1=$(cpu_ns dpu0)
	{ echo "$lat" | sed 's/^/LAT /'; echo "$out"; } |
		awk -v mode="$mode" -v hns=$((h1 - h0)) -v dns=$((d1 - d0)) -v secs="$SECONDS_PER_RUN" '
		function us(v) { n = v + 0; if (v ~ /us$/) return n; if (v ~ /ms$/) return n * 1000; return n * 1e6 }
		/^LAT +50%/ { p50 = us($3) } /^LAT +99%/ { p99 = us($3) }
		/^Requests\/sec/ { rps = $2 } /^ +[0-9]+ requests in/ { n = $1 }
		END { printf "%s\t%.0f\t%.0f\t%.0f\t%.3f\t%.1f\t%.3f\n", mode, rps, p50, p99,
			hns / 1e9 / secs, n ? hns / 1e3 / n : 0, dns / 1e9 / secs }' >"$WORK/$mode"
	H play "$yaml" --down >/dev/null 2>&1
	playing=
}

say "3. The mesh pod (examples/mesh-pod.yaml), played by podman with heteropod-runtime,"
echo "   each placement loaded with wrk from the wire: ${SECONDS_PER_RUN}s on 1 connection (latency),"
echo "   then ${SECONDS_PER_RUN}s on 4 connections (throughput, CPU):"
run co-located host false || exit 1
run kernel-path dpu0 false || exit 1
if [ -e "$BUILD/libheteropod-preload.so" ]; then
	run hetero-socket dpu0 true || exit 1
else
	echo "   (hetero-socket: $BUILD/libheteropod-preload.so is not built; skipped)"
fi

say "4. Side by side (latency at 1 connection; req/s and CPU at 4; host CPU = the host PU's cgroups):"
printf '   %-13s %9s %9s %9s %10s %12s %9s\n' placement req/s "p50 µs" "p99 µs" "host cores" "host µs/req" "dpu cores"
for m in co-located kernel-path hetero-socket; do
	[ -e "$WORK/$m" ] || continue
	IFS=$'\t' read -r mode rps p50 p99 hc hus dc <"$WORK/$m"
	printf '   %-13s %9s %9s %9s %10s %12s %9s\n' "$mode" "$rps" "$p50" "$p99" "$hc" "$hus" "$dc"
done
IFS=$'\t' read -r _ crps c50 c99 _ chus _ <"$WORK/co-located"
echo
for m in kernel-path hetero-socket; do
	[ -e "$WORK/$m" ] || continue
	IFS=$'\t' read -r _ rps p50 p99 _ hus _ <"$WORK/$m"
	awk -v m="$m" -v c50="$c50" -v p50="$p50" -v c99="$c99" -v p99="$p99" -v chus="$chus" \
		-v hus="$hus" -v crps="$crps" -v rps="$rps" 'BEGIN {
		printf "   offloaded over %-13s vs co-located: host CPU/request %.2fx, p50 %.2fx, p99 %.2fx, req/s %.2fx\n",
			m ":", hus / chus, p50 / c50, p99 / c99, rps / crps }'
done
echo "   Over the kernel path each request crosses the PU link twice (VXLAN over the"
echo "   emulated link); with hetero-socket the proxy and the app talk through the"
echo "   pod's shared-memory window instead."
say "Done: one pod, its proxy on the DPU, its application on the host, one pod IP and localhost."
