#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Each pod gets its own window from the node's budget, mapped by both
# agents; a process reaches only its own pod's window, through its agent;
# a channel opened on the host half is read on the DPU half; when the
# budget is spent, pods still work (on the kernel path).
source "$(dirname "$0")/lib.sh"
WIN=$HP_BUILD/tests/hp-window

# Budget for exactly one 8M pod window (16M minus the header's 2M).
"$HP" node up --window-size 16M >/dev/null || { fail "node up"; finish; exit 1; }
expect_status "pod a" 0 "$HP" pod create a
expect_status "pod b" 0 "$HP" pod create b
expect_eq "pod list: a has a window, b has none" \
	"$("$HP" pod list --json | jq -r '[.pods[] | "\(.name)=\(.window)"] | join(",")')" "a=true,b=false"
expect_eq "no window file is left to open by name" "$(ls /dev/shm | grep -c "^heteropod\.$NODE\.pod\.")" 0

expect_match "host half of a gets a's window (side 0)" "$("$HP" exec a --pu host -- "$WIN" info)" "window side=0 size=8388608"
expect_match "dpu0 half of a gets it too (side 1)" "$("$HP" exec a --pu dpu0 -- "$WIN" info)" "window side=1 size=8388608"
expect_match "pod b: budget spent, no window" "$("$HP" exec b --pu host -- "$WIN" info)" "error: no HETERONET_AGENT"
expect_match "  but b works on the kernel path" "$("$HP" exec b --pu host -- hostname)" "^b$"
expect_match "--no-accel: no window" "$("$HP" exec a --pu host --no-accel -- "$WIN" info)" "error: no HETERONET_AGENT"

# A process of pod b cannot have pod a's window, nor can one outside any pod.
out=$("$HP" exec b --pu host -- env HETERONET_AGENT=/run/heteropod/$NODE/host.sock "$WIN" ask a)
expect_match "pod b asking for a's window is refused" "$out" "error: process [0-9]+ is not in the host half of pod 'a'"
out=$(HETERONET_AGENT=/run/heteropod/$NODE/host.sock HETERONET_POD=a "$WIN" info)
expect_match "a process outside the pod is refused" "$out" "error: process [0-9]+ is not in the host half"

# A channel across the PUs through the window each half got from its own agent.
"$HP" exec a --pu host -- "$WIN" open >"$TMP/open.log" 2>&1 &
STARTED_PIDS+=($!)
for _ in $(seq 100); do grep -q slot= "$TMP/open.log" && break; sleep 0.05; done
read -r slot nonce < <(sed -n 's/slot=\([0-9]*\) nonce=\([0-9]*\)/\1 \2/p' "$TMP/open.log")
expect_match "dpu0 reads what the host wrote" "$("$HP" exec a --pu dpu0 -- "$WIN" accept "$slot" "$nonce")" "received: hello across the window"
wait "${STARTED_PIDS[-1]}" 2>/dev/null
expect_match "the host reads dpu0's answer" "$(cat "$TMP/open.log")" "answer: ack"
expect_match "a wrong nonce is refused" "$("$HP" exec a --pu dpu0 -- "$WIN" accept "$slot" 12345)" "error: accept refused"

# Deleting the pod gives its budget back.
expect_status "delete a" 0 "$HP" pod delete a
expect_status "pod c" 0 "$HP" pod create c
expect_match "c got the window a gave back" "$("$HP" exec c --pu host -- "$WIN" info)" "window side=0"
finish
