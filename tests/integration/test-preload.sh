#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# hetero-socket for unmodified programs (libheteropod-preload.so, injected
# by `heteropod exec`): the same TCP semantics on the window as on the
# kernel path; real programs (curl, nginx with master/worker and daemon on,
# python3's http.server, iperf3) across the halves; each connection's path
# proven by the library's statistics (HETERONET_STATS), not by timing; an
# accelerated end talking to a plain or static end stays on TCP and works.
source "$(dirname "$0")/lib.sh"
SC=$HP_BUILD/tests/hp-sockcheck
LIB=$HP_BUILD/libheteropod-preload.so
[ -e "$LIB" ] || { echo "SKIP: $LIB not built"; exit 77; }

"$HP" node up >/dev/null || { fail "node up"; finish; exit 1; }
"$HP" pod create web >/dev/null || { fail "pod create"; finish; exit 1; }

# stats FILE: "connect=N accept=N" connections that ran on the window.
stats() {
	echo "connect=$(grep -c 'role=connect window' "$1") accept=$(grep -c 'role=accept window' "$1")"
}
new_stats() { : >"$1"; chmod 666 "$1"; } # nginx's workers run as nobody
# wait_exit PID: until the process (started with start_bg) is gone, 60 s at most.
wait_exit() {
	local i
	for ((i = 0; i < 600; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "process $1 did not finish"
}

# --- TCP semantics: plain TCP and the window must look the same -------------
# sockcheck MODE TAG: server on dpu0, client on the host, both in MODE.
# ZC=0 in the environment: the copying sendfile (HETERONET_ZEROCOPY=0).
sockcheck() {
	local mode=$1 tag=$2 port=$3
	rm -f "$TMP/sc-ready"
	new_stats "$TMP/sc-$tag.stats"
	HETERONET_ZEROCOPY=${ZC:-1} HETERONET_STATS=$TMP/sc-$tag.stats start_bg "$TMP/sc-server-$tag.log" \
		"$HP" exec web --pu dpu0 "$mode" -- "$SC" server "$port" --ready "$TMP/sc-ready"
	wait_for "$TMP/sc-ready"
	wait_routed web host "$port"
	HETERONET_ZEROCOPY=${ZC:-1} HETERONET_STATS=$TMP/sc-$tag.stats timeout 120 "$HP" exec web --pu host "$mode" -- \
		"$SC" client "127.0.0.1:$port" >"$TMP/sc-client-$tag.log" 2>&1
	wait_exit "${STARTED_PIDS[-1]}"
}
sockcheck --no-accel plain 9101
sockcheck --accel window 9101
ZC=0 sockcheck --accel copy 9101
for s in client server; do
	expect_eq "hp-sockcheck $s: the window behaves as plain TCP" \
		"$(diff "$TMP/sc-$s-plain.log" "$TMP/sc-$s-window.log" && echo same)" "same"
	expect_eq "hp-sockcheck $s: so does the copying sendfile (HETERONET_ZEROCOPY=0)" \
		"$(diff "$TMP/sc-$s-plain.log" "$TMP/sc-$s-copy.log" && echo same)" "same"
done
all=$(cat "$TMP/sc-client-plain.log" "$TMP/sc-server-plain.log")
expect_eq "hp-sockcheck: every scenario ran (10 per side, no FATAL)" \
	"$(grep -o '^[a-z]* [0-9]*' <<<"$all" | sort -u | wc -l) $(grep -c FATAL <<<"$all")" "20 0"
expect_match "  level-triggered epoll after a partial read" "$all" "LT after partial read: n=1 IN=1"
expect_match "  edge-triggered: no event for what is left" "$all" "ET after partial read, nothing new: n=0"
expect_match "  poll and select after a partial read" "$all" "poll after partial read: 1 IN=1.*
.*select after partial read: 1"
expect_match "  MSG_PEEK, FIONREAD, MSG_WAITALL" "$all" "MSG_PEEK 4: 4 '0123'"
expect_match "  EPIPE and SIGPIPE" "$all" "write: -1 EPIPE, SIGPIPE 1"
expect_match "  fork, dup, dup2, dup3, F_DUPFD_CLOEXEC, exec" "$all" \
	"child read: child;parent;dup3;dup2;"
expect_eq "hp-sockcheck plain: nothing preloaded" "$(stats "$TMP/sc-plain.stats")" "connect=0 accept=0"
expect_match "  large sendfile/splice both ways, offsets, EOF" "$all" \
	"received 24118248 bytes from the server's file, pattern ok, then EOF: 0"
for tag in window copy; do
	expect_eq "hp-sockcheck $tag: all 11 connections on the window, both ends" \
		"$(stats "$TMP/sc-$tag.stats")" "connect=11 accept=11"
done

# --- python3 http.server <-> curl, both directions --------------------------
echo "hello from the pod" >"$TMP/index.html"
for dir in "dpu0 host 8101" "host dpu0 8102"; do
	read -r spu cpu port <<<"$dir"
	new_stats "$TMP/py.stats"
	HETERONET_STATS=$TMP/py.stats start_bg "$TMP/py-$spu.log" "$HP" exec web --pu "$spu" -- \
		$PY -m http.server "$port" --bind 127.0.0.1 --directory "$TMP"
	wait_routed web "$cpu" "$port"
	out=$(HETERONET_STATS=$TMP/py.stats retry 20 "$HP" exec web --pu "$cpu" -- \
		curl -sf "http://127.0.0.1:$port/index.html")
	expect_eq "curl on $cpu <- http.server on $spu" "$out" "hello from the pod"
	expect_eq "  on the window, both ends" "$(stats "$TMP/py.stats")" "connect=1 accept=1"
done

# --- nginx (daemon on, master + 2 workers) <-> curl ---------------------------
mkdir -p "$TMP/www"
head -c 3000000 /dev/urandom >"$TMP/www/big.bin"
echo "nginx here" >"$TMP/www/index.html"
cat >"$TMP/nginx.conf" <<EOF
daemon on;
master_process on;
worker_processes 2;
env HETERONET_STATS;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log;
events { worker_connections 256; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $TMP/ngx-body;
	proxy_temp_path $TMP/ngx-proxy;
	fastcgi_temp_path $TMP/ngx-fcgi;
	uwsgi_temp_path $TMP/ngx-uwsgi;
	scgi_temp_path $TMP/ngx-scgi;
	server { listen 127.0.0.1:8180; root $TMP/www; }
}
EOF
new_stats "$TMP/ngx.stats"
HETERONET_STATS=$TMP/ngx.stats expect_status "nginx starts (daemon on)" 0 \
	"$HP" exec web --pu dpu0 -- nginx -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log"
wait_for "$TMP/nginx.pid"
STARTED_PIDS+=("$(cat "$TMP/nginx.pid")")
wait_routed web host 8180
out=$(HETERONET_STATS=$TMP/ngx.stats "$HP" exec web --pu host -- \
	curl -sf http://127.0.0.1:8180/index.html http://127.0.0.1:8180/big.bin | md5sum)
want=$( (cat "$TMP/www/index.html" "$TMP/www/big.bin") | md5sum)
expect_eq "curl <- nginx: index and 3 MB (sendfile) intact" "$out" "$want"
expect_eq "  one keep-alive connection, on the window at both ends" \
	"$(stats "$TMP/ngx.stats")" "connect=1 accept=1"
expect_match "  nginx's worker (a forked child) served it" \
	"$(grep 'role=accept window' "$TMP/ngx.stats" | sed 's/ .*//')" \
	"pid=($(pgrep -d'|' -P "$(cat "$TMP/nginx.pid")"))$"
new_stats "$TMP/ngx.stats"
for i in 1 2 3 4 5; do
	HETERONET_STATS=$TMP/ngx.stats "$HP" exec web --pu host -- \
		curl -sf http://127.0.0.1:8180/index.html >>"$TMP/ngx-many.out"
done
expect_eq "5 more connections, all served" "$(grep -c 'nginx here' "$TMP/ngx-many.out")" 5
expect_eq "  all on the window" "$(stats "$TMP/ngx.stats")" "connect=5 accept=5"

# wrk: 20 concurrent keep-alive connections (epoll, non-blocking) for 2 s.
wrk_rate() {
	new_stats "$TMP/wrk.stats" # the client's; nginx writes to ngx.stats
	new_stats "$TMP/ngx.stats"
	HETERONET_STATS=$TMP/wrk.stats "$HP" exec web --pu host "$1" -- \
		wrk -t1 -c20 -d2 http://127.0.0.1:8180/index.html >"$TMP/wrk.out" 2>&1
	awk '/Requests\/sec/ {print $2}' "$TMP/wrk.out"
}
wrk_accel=$(wrk_rate --accel)
expect_match "wrk -> nginx preloaded: requests served, no errors" "$(cat "$TMP/wrk.out")" \
	"[0-9]+ requests in"
expect_eq "  no socket errors or non-2xx answers" \
	"$(grep -cE 'Socket errors|Non-2xx' "$TMP/wrk.out")" 0
# (nginx closes a keep-alive connection after 1000 requests; wrk opens another)
c=$(grep -c 'role=connect window' "$TMP/wrk.stats")
a=$(grep -c 'role=accept window' "$TMP/ngx.stats")
# A connection wrk opens just as the run ends can close before nginx read its
# offer: it carried nothing, and says so (eof-before-offer); none may fall back.
expect_eq "  every connection (at least 20) on the window at both ends ($c/$a)" \
	"$((c >= 20 && c == a)) $(cat "$TMP/wrk.stats" "$TMP/ngx.stats" | grep ' tcp ' | grep -vc 'eof-before-offer')" "1 0"
grep -h ' tcp ' "$TMP/wrk.stats" "$TMP/ngx.stats" | head -5 | sed 's/^/  (on tcp: /; s/$/)/'
wrk_plain=$(wrk_rate --no-accel)
expect_eq "wrk --no-accel: nothing on the window" "$(stats "$TMP/wrk.stats")" "connect=0 accept=0"
echo "wrk -> nginx (20 connections, /index.html): preloaded $wrk_accel req/s, --no-accel $wrk_plain req/s"
expect_eq "no nginx worker crashed" "$(grep -c 'exited on signal' "$TMP/nginx-error.log")" 0

# Same half: no window between two processes of dpu0; plain TCP, and it works.
new_stats "$TMP/same.stats"
out=$(HETERONET_STATS=$TMP/same.stats "$HP" exec web --pu dpu0 -- curl -sf http://127.0.0.1:8180/index.html)
expect_eq "curl on dpu0 <- nginx on dpu0" "$out" "nginx here"
expect_match "  stays on TCP (same half)" "$(cat "$TMP/same.stats")" "role=connect tcp same-half"
expect_eq "  nothing on the window" "$(stats "$TMP/same.stats")" "connect=0 accept=0"

# --- an accelerated end and a static or plain end --------------------------
start_bg "$TMP/static.log" "$HP" exec web --pu dpu0 -- "$PROBE_STATIC" listen 8190 --ready "$TMP/r-static"
wait_for "$TMP/r-static"
wait_routed web host 8190
new_stats "$TMP/static.stats"
out=$(HETERONET_STATS=$TMP/static.stats "$HP" exec web --pu host -- "$PROBE" connect 127.0.0.1:8190)
expect_match "accelerated client -> static server works" "$out" "hello from web"
expect_match "  and stays on TCP" "$(cat "$TMP/static.stats")" "role=connect tcp peer-not-capable"
start_bg "$TMP/dyn.log" "$HP" exec web --pu dpu0 -- "$PROBE" listen 8191 --ready "$TMP/r-dyn"
wait_for "$TMP/r-dyn"
wait_routed web host 8191
out=$("$HP" exec web --pu host -- "$PROBE_STATIC" connect 127.0.0.1:8191)
expect_match "static client -> accelerated server works" "$out" "hello from web"
out=$("$HP" exec web --pu host --no-accel -- curl -sf http://127.0.0.1:8180/index.html)
expect_eq "--no-accel client -> accelerated nginx works" "$out" "nginx here"

# --- the peer's process dies: a reader blocked on the window sees EOF -------
cat >"$TMP/die-srv.py" <<'EOF'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8192)); s.listen()
open(sys.argv[1], "w").close()
c, _ = s.accept()
c.sendall(b"x")
time.sleep(60)
EOF
cat >"$TMP/die-cli.py" <<'EOF'
import socket, sys, time
c = socket.create_connection(("127.0.0.1", 8192))
c.recv(1)
open(sys.argv[1], "w").close()
try:
    r = c.recv(10)  # blocks until the server's process is killed
    what = "eof" if r == b"" else "data"
except ConnectionResetError:
    what = "reset"
print(what, "%.0f" % ((time.monotonic() - float(open(sys.argv[2]).read())) * 1000))
EOF
new_stats "$TMP/die.stats"
HETERONET_STATS=$TMP/die.stats start_bg "$TMP/die-srv.log" "$HP" exec web --pu dpu0 -- $PY "$TMP/die-srv.py" "$TMP/r-die"
die_srv=${STARTED_PIDS[-1]}
wait_for "$TMP/r-die"
wait_routed web host 8192
HETERONET_STATS=$TMP/die.stats "$HP" exec web --pu host -- $PY "$TMP/die-cli.py" "$TMP/r-cli" "$TMP/t-kill" \
	>"$TMP/die-cli.log" 2>&1 &
cli=$!
wait_for "$TMP/r-cli"
sleep 0.3 # the client is asleep in recv() now
$PY -c 'import time; print(time.monotonic())' >"$TMP/t-kill"
kill -KILL "$die_srv"
wait "$cli"
read -r what ms <"$TMP/die-cli.log"
expect_eq "server killed: the blocked reader sees EOF" "$what" "eof"
expect_eq "  within 100 ms ($ms ms)" "$((ms < 100))" 1
expect_eq "  the connection was on the window" "$(stats "$TMP/die.stats")" "connect=1 accept=1"

# --- a server that spawns subprocesses (vfork + close_range + exec in the
# child, which shares the server's memory) keeps its connection -----------
cat >"$TMP/spawn-srv.py" <<'EOF'
import socket, subprocess, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8193)); s.listen()
open(sys.argv[1], "w").close()
c, _ = s.accept()
c.recv(1)
subprocess.run(["/bin/true"], check=True)
subprocess.run("exit 0", shell=True, check=True)
c.sendall(b"spawned")
print(c.recv(10).decode(), flush=True)
c.sendall(b"bye")
c.close()
EOF
cat >"$TMP/spawn-cli.py" <<'EOF'
import socket
c = socket.create_connection(("127.0.0.1", 8193))
c.sendall(b"a")
r = c.recv(20)
c.sendall(b"back")
print(r.decode(), c.recv(20).decode())
EOF
new_stats "$TMP/spawn.stats"
HETERONET_STATS=$TMP/spawn.stats start_bg "$TMP/spawn-srv.log" "$HP" exec web --pu dpu0 -- \
	$PY "$TMP/spawn-srv.py" "$TMP/r-spawn"
wait_for "$TMP/r-spawn"
wait_routed web host 8193
out=$(HETERONET_STATS=$TMP/spawn.stats timeout 20 "$HP" exec web --pu host -- $PY "$TMP/spawn-cli.py")
expect_eq "a server spawning subprocesses keeps its connection" "$out" "spawned bye"
wait_exit "${STARTED_PIDS[-1]}"
expect_eq "  it read what came after" "$(cat "$TMP/spawn-srv.log")" "back"
expect_eq "  on the window" "$(stats "$TMP/spawn.stats")" "connect=1 accept=1"

# --- iperf3: throughput preloaded vs --no-accel (reported, not judged) ------
# iperf3 MODE PORT: prints received bits/s
iperf() {
	local mode=$1 port=$2
	new_stats "$TMP/iperf.stats"
	HETERONET_STATS=$TMP/iperf.stats start_bg "$TMP/iperf-s.log" \
		"$HP" exec web --pu dpu0 "$mode" -- iperf3 -s -B 127.0.0.1 -p "$port" -1
	wait_routed web host "$port"
	HETERONET_STATS=$TMP/iperf.stats retry 20 "$HP" exec web --pu host "$mode" -- \
		iperf3 -c 127.0.0.1 -p "$port" -t 2 -J >"$TMP/iperf.json" 2>&1
	wait_exit "${STARTED_PIDS[-1]}"
	jq -r '.end.sum_received.bits_per_second // 0' "$TMP/iperf.json"
}
accel=$(iperf --accel 5301)
expect_eq "iperf3 preloaded: control and data connections on the window" \
	"$(stats "$TMP/iperf.stats")" "connect=2 accept=2"
plain=$(iperf --no-accel 5302)
expect_eq "iperf3 --no-accel: nothing on the window" "$(stats "$TMP/iperf.stats")" "connect=0 accept=0"
echo "iperf3 host -> dpu0: preloaded $(awk -v b="$accel" 'BEGIN{printf "%.2f", b/1e9}') Gbit/s," \
	"--no-accel $(awk -v b="$plain" 'BEGIN{printf "%.2f", b/1e9}') Gbit/s," \
	"ratio $(awk -v a="$accel" -v p="$plain" 'BEGIN{printf "%.1f", (p > 0 ? a / p : 0)}')x"
finish
