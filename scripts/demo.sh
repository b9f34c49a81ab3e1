#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make demo`: an emulated node with one DPU, a HeteroPod whose HTTP server
# runs on the host half, reached from the DPU half over localhost and from
# the wire over the pod IP. Says what happened in plain words, then tears
# everything down.
set -uo pipefail

HP=${1:-build/heteropod}
NODE=demo$(printf '%02x' $((RANDOM % 256)))
POD=web
WORK=$(mktemp -d /tmp/heteropod-demo-XXXXXX)
H() { "$HP" --node "$NODE" "$@"; }
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
server_pid=

cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	say "Tearing down: node $NODE (namespaces, cgroups, eBPF hooks, window)."
	H node down
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (namespaces, cgroups, eBPF)" >&2
	exit 1
fi

say "1. Bringing up an emulated node: a host PU (cpu 0) and a DPU (cpu 1, half-speed cores)."
H node up --dpu-speed 0.5 --window-size 16M || exit 1
H node status

say "2. Creating pod '$POD': one network namespace split across the host and dpu0."
H pod create "$POD" || exit 1
ip=$(H pod list --json | jq -r ".pods[] | select(.name==\"$POD\") | .ip")
echo "   pod IP: $ip, hostname on both halves: $(H exec $POD --pu host -- hostname) / $(H exec $POD --pu dpu0 -- hostname)"

say "3. Starting an HTTP server (python3 http.server) on the HOST half, port 8080."
mkdir -p "$WORK/site"
echo "Hello from the host half of pod $POD" >"$WORK/site/index.html"
H exec "$POD" --pu host -- /usr/bin/python3 -m http.server 8080 --bind 0.0.0.0 \
	--directory "$WORK/site" >"$WORK/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
	H exec "$POD" --pu dpu0 -- curl -sf -o /dev/null http://127.0.0.1:8080/ && break
	sleep 0.1
done

say "4. From the DPU half, curl http://127.0.0.1:8080/ — localhost spans the two PUs:"
H exec "$POD" --pu dpu0 -- curl -s -w '(curl: HTTP %{http_code}, from %{local_ip}:%{local_port} to %{remote_ip}:%{remote_port}, %{time_total}s)\n' \
	http://127.0.0.1:8080/ | sed 's/^/   /'
echo "   The server on the host logged: $(grep 'GET' "$WORK/server.log" | tail -1)"
echo "   Both ends saw ordinary loopback addresses; the packets crossed the PU link."

say "5. The port is the pod's, not the half's: binding 8080 on the DPU half fails:"
H exec "$POD" --pu dpu0 -- /usr/bin/python3 -c '
import socket
try:
    socket.socket().bind(("0.0.0.0", 8080)); print("   bound (unexpected)")
except OSError as e:
    print("   dpu0 bind(8080):", e.strerror)'

say "6. From the wire (outside the node, reachable only through the DPU), curl http://$ip:8080/:"
H client -- curl -s -w '(curl: HTTP %{http_code}, from %{local_ip} to %{remote_ip}:%{remote_port}, %{time_total}s)\n' \
	"http://$ip:8080/" | sed 's/^/   /'
echo "   The server logged: $(grep 'GET' "$WORK/server.log" | tail -1)"
echo "   The request entered at the DPU, which owns the node's port, and was routed to the host half."

say "Done: one pod IP, one port space and one localhost across host and DPU."
