#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# hetero-netns: one pod IP and hostname, one port space, one localhost, and
# the wire reaching either half — for dynamic and static binaries and real
# programs (curl, python3's http.server), servers and clients on both halves.
source "$(dirname "$0")/lib.sh"

"$HP" node up >/dev/null || { fail "node up"; finish; exit 1; }
expect_status "pod create" 0 "$HP" pod create web
ip=$("$HP" pod list --json | jq -r '.pods[] | select(.name=="web") | .ip')
expect_match "pod list --json has the pod IP" "$ip" '^198\.18\.[0-9]+\.[0-9]+$'

# --- a. one pod IP and one hostname on both halves -----------------------
for pu in host dpu0; do
	expect_eq "hostname on $pu" "$("$HP" exec web --pu $pu -- hostname)" web
	expect_eq "static binary's hostname on $pu" "$("$HP" exec web --pu $pu -- "$PROBE_STATIC" hostname)" web
	expect_match "ip addr on $pu shows the pod IP" \
		"$("$HP" exec web --pu $pu -- ip -4 -o addr show dev eth0)" "inet $ip/32"
done
# exec passes stdio and the exit status through.
expect_eq "stdin passes through" "$(echo hi | "$HP" exec web --pu dpu0 -- cat)" hi
expect_status "exit status passes through" 7 "$HP" exec web --pu host -- sh -c 'exit 7'

# --- servers on both halves ------------------------------------------------
start_bg "$TMP/dpu-srv.log" "$HP" exec web --pu dpu0 -- "$PROBE_STATIC" listen 7001 --count 100 --ready "$TMP/r1"
start_bg "$TMP/host-srv.log" "$HP" exec web --pu host -- "$PROBE" listen 7002 --count 100 --ready "$TMP/r2"
start_bg "$TMP/http.log" "$HP" exec web --pu dpu0 -- $PY -m http.server 8080 --bind 0.0.0.0
wait_for "$TMP/r1"
wait_for "$TMP/r2"
wait_routed web host 7001
wait_routed web dpu0 7002
retry 100 "$HP" exec web --pu host -- curl -sf -o /dev/null http://127.0.0.1:8080/ ||
	fail "http.server on dpu0 never became reachable from the host half"

# --- b. one port space ------------------------------------------------------
for probe in "$PROBE" "$PROBE_STATIC"; do
	expect_eq "$(basename "$probe"): host cannot bind dpu0's port" \
		"$("$HP" exec web --pu host -- "$probe" bind 7001)" "error: EADDRINUSE"
	expect_eq "$(basename "$probe"): dpu0 cannot bind the host's port" \
		"$("$HP" exec web --pu dpu0 -- "$probe" bind 127.0.0.1:7002)" "error: EADDRINUSE"
done
expect_status "python on the host cannot bind dpu0's 8080" 1 \
	"$HP" exec web --pu host -- $PY -c 'import socket; socket.socket().bind(("0.0.0.0", 8080))'
expect_match "it gets EADDRINUSE" "$(cat "$TMP/err")" "Errno 98"
expect_eq "a free port binds on the host" "$("$HP" exec web --pu host -- "$PROBE" bind 7003)" bound

# --- c. localhost spans the halves, and looks like loopback on both ends ---
out=$("$HP" exec web --pu host -- "$PROBE_STATIC" connect 127.0.0.1:7001)
expect_match "host -> dpu0 over 127.0.0.1 (static client)" "$out" "connected local=127\.0\.0\.1:[0-9]+ peer=127\.0\.0\.1:7001"
expect_match "  reply from the pod" "$out" "hello from web"
expect_match "  server sees a loopback peer" "$(tail -1 "$TMP/dpu-srv.log")" "local=127\.0\.0\.1:7001 peer=127\.0\.0\.1:"
out=$("$HP" exec web --pu dpu0 -- "$PROBE" connect 127.0.0.1:7002)
expect_match "dpu0 -> host over 127.0.0.1" "$out" "connected local=127\.0\.0\.1:[0-9]+ peer=127\.0\.0\.1:7002"
expect_match "  server sees a loopback peer" "$(tail -1 "$TMP/host-srv.log")" "local=127\.0\.0\.1:7002 peer=127\.0\.0\.1:"
out=$("$HP" exec web --pu host -- "$PROBE" connect "$ip:7001")
expect_match "host -> dpu0 over the pod IP" "$out" "connected local=$ip:[0-9]+ peer=$ip:7001"
expect_match "  server sees the pod IP" "$(tail -1 "$TMP/dpu-srv.log")" "local=$ip:7001 peer=$ip:"
code=$("$HP" exec web --pu host -- curl -s -o /dev/null -w '%{http_code} %{local_ip} %{remote_ip}' http://127.0.0.1:8080/)
expect_eq "curl on the host -> http.server on dpu0 via localhost" "$code" "200 127.0.0.1 127.0.0.1"
expect_match "  http.server logged a loopback client" "$(cat "$TMP/http.log")" "127\.0\.0\.1 - - .*GET / HTTP"
out=$("$HP" exec web --pu dpu0 -- "$PROBE" connect 127.0.0.1:7009)
expect_eq "a port nobody holds is refused" "$out" "error: ECONNREFUSED"

# --- d. the wire reaches podIP:P whichever half listens --------------------
out=$("$HP" client -- "$PROBE" connect "$ip:7001")
expect_match "wire -> dpu0 listener" "$out" "hello from web"
out=$("$HP" client -- "$PROBE" connect "$ip:7002")
expect_match "wire -> host listener" "$out" "hello from web"
expect_match "  host server sees the wire client's address" "$(tail -1 "$TMP/host-srv.log")" "peer=198\.18\.1\.2:"
expect_eq "curl on the wire -> http.server" \
	"$("$HP" client -- curl -s -o /dev/null -w '%{http_code}' "http://$ip:8080/")" 200

# --- the pod reaches the wire from either half -----------------------------
start_bg "$TMP/wire-srv.log" "$HP" client -- "$PROBE" listen 9000 --count 2 --ready "$TMP/r3"
wait_for "$TMP/r3"
expect_match "host half -> wire" "$("$HP" exec web --pu host -- "$PROBE" connect 198.18.1.2:9000)" "connected local=$ip:"
expect_match "dpu0 half -> wire" "$("$HP" exec web --pu dpu0 -- "$PROBE_STATIC" connect 198.18.1.2:9000)" "connected local=$ip:"
expect_match "the wire sees the pod IP" "$(cat "$TMP/wire-srv.log")" "peer=$ip:.*peer=$ip:"

# --- f. UDP across the halves (DNS-style, to 127.0.0.1:53) -----------------
start_bg "$TMP/udp.log" "$HP" exec web --pu dpu0 -- "$PROBE" listen 127.0.0.1:53 --udp --count 5 --ready "$TMP/r4"
wait_for "$TMP/r4"
retry 30 sh -c "'$HP' exec web --pu host -- '$PROBE' connect 127.0.0.1:53 --udp | grep -q 'hello from web'" &&
	pass "UDP host -> dpu0 127.0.0.1:53" || fail "UDP host -> dpu0 127.0.0.1:53"

# --- releasing a port gives it back -----------------------------------------
kill "${STARTED_PIDS[0]}" 2>/dev/null # the dpu0 probe on 7001
retry 50 sh -c "'$HP' exec web --pu host -- '$PROBE' bind 7001 | grep -q bound" &&
	pass "port 7001 is free for the host once dpu0 closed it" || fail "port 7001 never came back"

# --- bad input: clear errors, nothing changed ------------------------------
expect_status "duplicate pod" 2 "$HP" pod create web
expect_match "  says so" "$(cat "$TMP/err")" "already exists"
expect_status "unknown DPU" 2 "$HP" pod create other --dpu dpu3
expect_status "bad pod name" 2 "$HP" pod create Not_Valid
expect_status "unknown pod (exec)" 2 "$HP" exec nope --pu host -- true
expect_match "  names the pod" "$(cat "$TMP/err")" "unknown pod 'nope'"
expect_status "bad PU name" 2 "$HP" exec web --pu gpu0 -- true
expect_match "  names the PU" "$(cat "$TMP/err")" "unknown PU 'gpu0'"
expect_status "unknown pod (delete)" 2 "$HP" pod delete nope
expect_eq "still exactly one pod" "$("$HP" pod list --json | jq '.pods | length')" 1
expect_eq "no stray namespaces" "$(ip netns list | grep -c "^$NODE\.pod\.")" 2

expect_status "pod delete" 0 "$HP" pod delete web
expect_eq "halves gone" "$(ip netns list | grep -c "^$NODE\.pod\.")" 0
expect_status "a node without pods lists none" 0 "$HP" pod list

finish
