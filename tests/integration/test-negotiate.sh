#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# hetero-socket capability negotiation (HNETNS_SO_CAPABLE /
# HNETNS_SO_PEER_CAPABLE, the flags of TCP option 254): across the halves,
# peer_capable is 1 on both ends exactly when both ends are capable, for
# dynamic and static binaries; the wire never sees the option, nor can it
# forge it; SO_ORIGINAL_DST still crosses the halves.
source "$(dirname "$0")/lib.sh"
# The probes mark their sockets themselves, and plain ones must stay plain:
# every process runs without the interposer (--no-accel), which would mark
# its sockets (tests/integration/test-preload.sh covers it).

# Prints one line per SYN / SYN-ACK seen on any interface of its network
# namespace: "IF SYN|SYNACK SRC:SP>DST:DP hp=none|FLAGS" (FLAGS = the flags
# byte of our option 254/0x4850). Captures until STOP exists.
cat >"$TMP/sniff.py" <<'EOF'
import os, socket, sys
stop, ready = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3))
s.settimeout(0.1)
open(ready, "w").close()
while not os.path.exists(stop):
    try:
        pkt, addr = s.recvfrom(65535)
    except socket.timeout:
        continue
    if addr[1] != 0x0800 or len(pkt) < 34:
        continue
    ip = pkt[14:]
    ihl = (ip[0] & 15) * 4
    if ip[9] != 6:
        continue
    tcp = ip[ihl:]
    if len(tcp) < 20 or not tcp[13] & 0x02:
        continue
    opts, i, hp = tcp[20:(tcp[12] >> 4) * 4], 0, "none"
    while i < len(opts) and opts[i] != 0:
        if opts[i] == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        k, n = opts[i], opts[i + 1]
        if k == 254 and n >= 4 and opts[i + 2:i + 4] == b"\x48\x50":
            hp = str(opts[i + 10]) if n >= 11 else "0"
        i += n
    print("%s %s %s:%d>%s:%d hp=%s" % (addr[0], "SYNACK" if tcp[13] & 0x10 else "SYN",
          socket.inet_ntoa(ip[12:16]), int.from_bytes(tcp[0:2], "big"),
          socket.inet_ntoa(ip[16:20]), int.from_bytes(tcp[2:4], "big"), hp), flush=True)
EOF

# Sends one SYN from the wire to DST:PORT carrying our option with the
# capability flag set, as a hostile client would (raw socket: the wire side
# has no hetero-netns programs, and no socket of its own on that port).
cat >"$TMP/forge.py" <<'EOF'
import socket, struct, sys
dst, port = sys.argv[1], int(sys.argv[2])
src = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
src.connect((dst, port))
src_ip = src.getsockname()[0]
sport = 40999
opt = struct.pack("!BBHIHB", 254, 11, 0x4850, 0, 0, 1) + b"\x01"  # + NOP: 12 bytes
opt += struct.pack("!BBH", 2, 4, 1400)
hdr_len = 20 + len(opt)
def tcp(csum):
    return struct.pack("!HHIIBBHHH", sport, port, 1, 0, (hdr_len // 4) << 4, 0x02,
                       64240, csum, 0) + opt
pseudo = socket.inet_aton(src_ip) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, hdr_len)
data = pseudo + tcp(0)
s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
while s >> 16:
    s = (s & 0xffff) + (s >> 16)
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
raw.sendto(tcp(~s & 0xffff), (dst, 0))
print("forged %s:%d>%s:%d" % (src_ip, sport, dst, port))
EOF

"$HP" node up >/dev/null || { fail "node up"; finish; exit 1; }
"$HP" pod create neg >/dev/null || { fail "pod create"; finish; exit 1; }
ip=$("$HP" pod list --json | jq -r '.pods[] | select(.name=="neg") | .ip')

# Capable and plain servers on each half, static and dynamic.
start_bg "$TMP/d-cap.log" "$HP" exec neg --no-accel --pu dpu0 -- "$PROBE_STATIC" listen 7101 --capable --count 100 --ready "$TMP/r1"
start_bg "$TMP/d-plain.log" "$HP" exec neg --no-accel --pu dpu0 -- "$PROBE" listen 7102 --count 100 --ready "$TMP/r2"
start_bg "$TMP/h-cap.log" "$HP" exec neg --no-accel --pu host -- "$PROBE" listen 7201 --capable --count 100 --ready "$TMP/r3"
start_bg "$TMP/h-plain.log" "$HP" exec neg --no-accel --pu host -- "$PROBE_STATIC" listen 7202 --count 100 --ready "$TMP/r4"
for r in r1 r2 r3 r4; do wait_for "$TMP/$r"; done
for p in 7101 7102; do wait_routed neg host $p; done
for p in 7201 7202; do wait_routed neg dpu0 $p; done
expect_eq "capable listeners started" "$(cat "$TMP/d-cap.log" "$TMP/h-cap.log")" ""

# --- the four combinations, both directions, static and dynamic clients ----
# check CLIENT_PU PORT SERVER_LOG CLIENT_FLAG(--capable|"") WANT [DEST]
check() {
	local pu=$1 port=$2 log=$3 flag=$4 want=$5 dest=${6:-127.0.0.1} probe out srv
	for probe in "$PROBE" "$PROBE_STATIC"; do
		local what="$(basename "$probe") ${flag:-plain} on $pu -> $(basename "$log" .log) $dest:$port"
		out=$("$HP" exec neg --no-accel --pu "$pu" -- "$probe" connect "$dest:$port" $flag)
		expect_match "$what: client peer_capable=$want" "$out" \
			"^connected local=[0-9.:]+ peer=$dest:$port peer_capable=$want
hello from neg"
		srv=$(tail -1 "$TMP/$log")
		expect_match "  server peer_capable=$want, origdst intact" "$srv" \
			"^accepted local=$dest:$port peer=$dest:[0-9]+ origdst=$dest:$port peer_capable=$want$"
	done
}
check host 7101 d-cap.log --capable 1
check host 7101 d-cap.log "" 0
check host 7102 d-plain.log --capable 0
check host 7102 d-plain.log "" 0
check dpu0 7201 h-cap.log --capable 1
check dpu0 7201 h-cap.log "" 0
check dpu0 7202 h-plain.log --capable 0
check dpu0 7202 h-plain.log "" 0
check host 7101 d-cap.log --capable 1 "$ip"
check dpu0 7201 h-cap.log --capable 1 "$ip"

# Within one half (over lo) the same SYN / SYN-ACK exchange runs.
out=$("$HP" exec neg --no-accel --pu dpu0 -- "$PROBE" connect 127.0.0.1:7101 --capable)
expect_match "same half (dpu0), both capable" "$out" "peer_capable=1"
expect_match "  server agrees" "$(tail -1 "$TMP/d-cap.log")" "peer_capable=1$"

# --- SO_ORIGINAL_DST across NAT and halves, with negotiation ---------------
expect_status "REDIRECT in the host half" 0 "$HP" exec neg --no-accel --pu host -- \
	iptables -t nat -A OUTPUT -p tcp -d 203.0.113.7 --dport 80 -j REDIRECT --to-ports 7101
out=$("$HP" exec neg --no-accel --pu host -- "$PROBE_STATIC" connect 203.0.113.7:80 --capable)
expect_match "capable app -> 203.0.113.7:80, redirected to dpu0's capable 7101" "$out" \
	"peer=203\.0\.113\.7:80 peer_capable=1"
expect_match "  server: SO_ORIGINAL_DST = the app's destination, peer_capable=1" \
	"$(tail -1 "$TMP/d-cap.log")" "local=127\.0\.0\.1:7101 .*origdst=203\.0\.113\.7:80 peer_capable=1$"

# --- the private options themselves ----------------------------------------
# Set after connect: refused (the SYN already went without the flag).
cat >"$TMP/late.py" <<EOF
import socket
s = socket.create_connection(("127.0.0.1", 7102))
try:
    s.setsockopt(socket.SOL_TCP, 0x4850, 1)
    print("accepted")
except OSError as e:
    print("errno", e.errno)
print("peer", s.getsockopt(socket.SOL_TCP, 0x4851))
EOF
out=$("$HP" exec neg --no-accel --pu host -- $PY "$TMP/late.py")
expect_eq "HNETNS_SO_CAPABLE after connect: EINVAL, still 0" "$out" "errno 22
peer 0"
out=$("$HP" exec neg --no-accel --pu host -- $PY -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_TCP, 0x4850, 1)
print(s.getsockopt(socket.SOL_TCP, 0x4850), s.getsockopt(socket.SOL_TCP, 0x4851))')
expect_eq "HNETNS_SO_CAPABLE reads back; unconnected socket: peer 0" "$out" "1 0"

# --- TCP Fast Open: the SYN-ACK's cookie leaves no room, so both ends say 0 --
for pu in host dpu0; do
	"$HP" exec neg --no-accel --pu $pu -- sysctl -qw net.ipv4.tcp_fastopen=3 || fail "tcp_fastopen on $pu"
done
cat >"$TMP/tfo-srv.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_TCP, 0x4850, 1)
s.bind(("0.0.0.0", 7301))
s.setsockopt(socket.SOL_TCP, 23, 16)  # TCP_FASTOPEN
s.listen(8)
open(sys.argv[1], "w").close()
for i in range(2):
    c, _ = s.accept()
    print("server", c.getsockopt(socket.SOL_TCP, 0x4851), flush=True)
    c.recv(10)
    c.send(b"x")
    c.close()
EOF
cat >"$TMP/tfo-cli.py" <<'EOF'
import socket
s = socket.socket()
s.setsockopt(socket.SOL_TCP, 0x4850, 1)
s.setsockopt(socket.SOL_TCP, 30, 1)  # TCP_FASTOPEN_CONNECT
s.connect(("127.0.0.1", 7301))
s.send(b"hi")
s.recv(10)
print("client", s.getsockopt(socket.SOL_TCP, 0x4851))
EOF
start_bg "$TMP/tfo.log" "$HP" exec neg --no-accel --pu dpu0 -- $PY "$TMP/tfo-srv.py" "$TMP/r8"
wait_for "$TMP/r8"
wait_routed neg host 7301
# The first connection asks for a cookie, the second brings it (data in the SYN).
out=$("$HP" exec neg --no-accel --pu host -- $PY "$TMP/tfo-cli.py"; "$HP" exec neg --no-accel --pu host -- $PY "$TMP/tfo-cli.py")
expect_eq "Fast Open, capable pair: the clients say 0" "$out" "client 0
client 0"
retry 20 test "$(grep -c server "$TMP/tfo.log")" = 2
expect_eq "  and so does the server, both times" "$(cat "$TMP/tfo.log")" "server 0
server 0"

# --- the wire: never sees the option, cannot forge it -----------------------
start_bg "$TMP/wire-srv.log" "$HP" client -- "$PROBE" listen 9000 --count 10 --ready "$TMP/r5"
start_bg "$TMP/wire-sniff.log" "$HP" client -- $PY "$TMP/sniff.py" "$TMP/stop" "$TMP/r6"
start_bg "$TMP/half-sniff.log" "$HP" exec neg --no-accel --pu dpu0 -- $PY "$TMP/sniff.py" "$TMP/stop" "$TMP/r7"
for r in r5 r6 r7; do wait_for "$TMP/$r"; done
sleep 0.3 # AF_PACKET is bound once the ready file exists; let queued noise pass

out=$("$HP" client -- "$PROBE" connect "$ip:7101")
expect_match "wire -> dpu0's capable listener: peer_capable=0" "$out" "peer_capable=0"
expect_match "  server: peer_capable=0" "$(tail -1 "$TMP/d-cap.log")" "peer=198\.18\.1\.2:[0-9]+ .*peer_capable=0$"
out=$("$HP" client -- "$PROBE_STATIC" connect "$ip:7201")
expect_match "wire -> host's capable listener: peer_capable=0" "$out" "peer_capable=0"
expect_match "  server: peer_capable=0" "$(tail -1 "$TMP/h-cap.log")" "peer_capable=0$"
strip_pkts() {
	"$HP" exec neg --no-accel --pu dpu0 -- iptables -t mangle -L HETEROPOD-PRE -v -x -n |
		awk '/TCPOPTSTRIP/ { print $1 }'
}
before=$(strip_pkts)
for probe in "$PROBE" "$PROBE_STATIC"; do
	for pu in host dpu0; do
		out=$("$HP" exec neg --no-accel --pu $pu -- "$probe" connect 198.18.1.2:9000 --capable)
		expect_match "capable $(basename "$probe") on $pu -> wire server: peer_capable=0" "$out" \
			"peer=198\.18\.1\.2:9000 peer_capable=0"
	done
done
expect_eq "  each SYN-ACK from the wire passed the strip rule" "$(($(strip_pkts) - before))" 4
# A wire client forging the flag gets no flag back (the DPU half strips the
# option on the way in, so the listener sees a plain SYN).
out=$("$HP" client -- $PY "$TMP/forge.py" "$ip" 7101)
expect_match "forged SYN sent" "$out" "^forged "
# Positive control: a capable pair across the halves, seen inside the tunnel.
out=$("$HP" exec neg --no-accel --pu host -- "$PROBE" connect 127.0.0.1:7101 --capable)
expect_match "capable pair while sniffing" "$out" "peer_capable=1"
sleep 0.5
touch "$TMP/stop"
sleep 0.5

wire=$(cat "$TMP/wire-sniff.log")
expect_match "the wire saw the SYNs and SYN-ACKs" "$wire" "SYNACK .*:7201>.*SYNACK .*:9000>"
expect_match "  and the forged SYN" "$wire" ":40999>$ip:7101 hp=1"
expect_eq "  but no option 254 from the pod, ever" \
	"$(grep -v ':40999>' <<<"$wire" | grep -vc 'hp=none')" 0
expect_match "  the forged SYN got a SYN-ACK without it" "$wire" \
	"SYNACK $ip:7101>198\.18\.1\.2:40999 hp=none"
half=$(cat "$TMP/half-sniff.log")
expect_match "control: in the tunnel, SYN carries the flag" "$half" "hpx0 SYN 127\.0\.0\.1:[0-9]+>127\.0\.0\.1:7101 hp=1"
expect_match "control: in the tunnel, SYN-ACK carries the flag" "$half" "hpx0 SYNACK 127\.0\.0\.1:7101>127\.0\.0\.1:[0-9]+ hp=1"

finish
