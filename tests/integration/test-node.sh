#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The emulated node: up (idempotent), status, partitions, topology, down
# leaves nothing behind, bad configuration changes nothing.
source "$(dirname "$0")/lib.sh"

leftovers() {
	local n=0
	n=$((n + $(ip netns list | grep -c "^$NODE\.")))
	for c in cpuset cpu cpuacct memory unified; do
		[ -e "/sys/fs/cgroup/$c/heteropod.$NODE" ] && n=$((n + 1))
	done
	[ -e "/dev/shm/heteropod.$NODE.window" ] && n=$((n + 1))
	[ -e "/run/heteropod/$NODE" ] && n=$((n + 1))
	n=$((n + $(pgrep -f "heteropodd --node $NODE " | wc -l)))
	echo $n
}

# Bad configuration: exit 2, a message naming the field, nothing created.
printf '[dpu0]\nspeed = 3\n' >"$TMP/bad.conf"
expect_status "bad config file" 2 "$HP" node up --config "$TMP/bad.conf"
expect_match "message names file, line and field" "$(cat "$TMP/err")" "bad.conf:2: field 'dpu0.speed'"
expect_eq "nothing created by a bad config" "$(leftovers)" 0
expect_status "bad flag value" 2 "$HP" node up --window-size 3M
expect_match "message names the field" "$(cat "$TMP/err")" "field 'window.size'"
expect_status "CPU the machine lacks" 2 "$HP" node up --dpu-cpus 4095
expect_match "message names the field" "$(cat "$TMP/err")" "field 'dpu0.cpus'"
expect_eq "nothing created by a bad flag" "$(leftovers)" 0
expect_status "missing config file" 2 "$HP" node up --config "$TMP/none.conf"
expect_status "unknown flag" 2 "$HP" node up --frobnicate

progs_before=$(bpftool prog list 2>/dev/null | grep -c hnetns)
huge_before=$(cat /proc/sys/vm/nr_hugepages)

# Down when nothing is there succeeds.
expect_status "down with nothing to remove" 0 "$HP" node down

# Up, from a config file plus a flag.
printf '[node]\ndpus = 2\n[dpu]\nspeed = 0.5\nmemory = 256M\n[window]\nsize = 8M\n' >"$TMP/node.conf"
expect_status "node up" 0 "$HP" node up --config "$TMP/node.conf" --host-memory 1G
expect_status "node up again is a no-op" 0 "$HP" node up --config "$TMP/node.conf" --host-memory 1G
expect_status "node up with another config is refused" 2 "$HP" node up --dpus 1
expect_match "and says why" "$(cat "$TMP/err")" "already up with a different configuration"

"$HP" node status --json >"$TMP/status.json"
expect_eq "status: up" "$(jq -r .up "$TMP/status.json")" true
expect_eq "status: three PUs" "$(jq -r '.pus | length' "$TMP/status.json")" 3
expect_eq "status: every agent runs" "$(jq -r '[.pus[].agent] | all' "$TMP/status.json")" true
expect_eq "status: PU links up" "$(jq -r '[.pus[0].pu_link[].up] | all' "$TMP/status.json")" true
expect_eq "status: window size" "$(jq -r .window.size "$TMP/status.json")" $((8 << 20))
expect_status "status (text)" 0 "$HP" node status

# Partitions: cpusets, the DPU speed cap, memory limits.
if [ -d /sys/fs/cgroup/cpuset/heteropod.$NODE ]; then
	cg=/sys/fs/cgroup
	expect_eq "host cpuset" "$(cat $cg/cpuset/heteropod.$NODE/host/cpuset.cpus)" 0
	expect_eq "dpu0 cpuset" "$(cat $cg/cpuset/heteropod.$NODE/dpu0/cpuset.cpus)" 1
	expect_eq "dpu0 speed 0.5 = half a CPU" "$(cat $cg/cpu/heteropod.$NODE/dpu0/cpu.cfs_quota_us)" 50000
	expect_eq "dpu1 memory" "$(cat $cg/memory/heteropod.$NODE/dpu1/memory.limit_in_bytes)" $((256 << 20))
	expect_eq "host memory" "$(cat $cg/memory/heteropod.$NODE/host/memory.limit_in_bytes)" $((1 << 30))
	expect_eq "agents run in their PU" \
		"$(grep -c . $cg/cpuset/heteropod.$NODE/dpu1/agent/cgroup.procs)" 1
fi

# Topology: the PU link works, the wire is reachable only through a DPU.
expect_status "host reaches dpu0 over the PU link" 0 \
	ip netns exec "$NODE.host" bash -c 'exec 3<>/dev/tcp/198.18.0.2/7077'
expect_status "the wire cannot reach the host PU" 1 \
	ip netns exec "$NODE.wire" timeout 2 bash -c 'exec 3<>/dev/tcp/198.18.0.1/7077' 
expect_status "the host PU cannot reach the wire directly" 1 \
	ip netns exec "$NODE.host" timeout 2 bash -c 'exec 3<>/dev/tcp/198.18.1.2/9'

# The window is mapped by both agents.
expect_eq "window file size" "$(stat -c %s /dev/shm/heteropod.$NODE.window)" $((8 << 20))

# A dead agent shows in status and node up brings it back.
kill "$(cat /run/heteropod/$NODE/dpu1.pid)"
sleep 0.3
expect_status "status reports a dead agent" 1 "$HP" node status
expect_status "node up restarts it" 0 "$HP" node up --config "$TMP/node.conf" --host-memory 1G
expect_status "status healthy again" 0 "$HP" node status

# A DPU agent that dies loses its halves (like a DPU that reboots); once it
# is back, the host agent restores them and the pod works again.
"$HP" pod create keep >/dev/null
start_bg "$TMP/keep-host.log" "$HP" exec keep --pu host -- "$PROBE" listen 7002 --count 5 --ready "$TMP/k1"
wait_for "$TMP/k1"
wait_routed keep dpu0 7002
kill "$(cat /run/heteropod/$NODE/dpu0.pid)"
sleep 0.3
expect_status "node up after the dpu0 agent died" 0 "$HP" node up --config "$TMP/node.conf" --host-memory 1G
retry 50 sh -c "'$HP' exec keep --pu dpu0 -- ip rule 2>/dev/null | grep -q 'dport 7002 '" ||
	fail "the host's port never reached the restored dpu0 half"
expect_match "the restored dpu0 half reaches the host half" \
	"$("$HP" exec keep --pu dpu0 -- "$PROBE" connect 127.0.0.1:7002)" "hello from keep"
expect_eq "one pod on each PU" "$("$HP" node status --json | jq -c '[.pus[0,1].pods]')" "[1,1]"

# A host agent that dies takes its pods with it, on both PUs.
kill "$(cat /run/heteropod/$NODE/host.pid)"
sleep 0.3
expect_status "node up after the host agent died" 0 "$HP" node up --config "$TMP/node.conf" --host-memory 1G
retry 30 sh -c "[ \"\$('$HP' node status --json | jq -c '[.pus[].pods]')\" = '[0,0,0]' ]" &&
	pass "no pod is left half-known" || fail "pods left: $("$HP" node status --json | jq -c '[.pus[].pods]')"
expect_eq "no pod halves left" "$(ip netns list | grep -c "^$NODE\.pod\.")" 0

# Down removes everything, and a second down is fine.
"$HP" pod create leftover >/dev/null
expect_status "node down" 0 "$HP" node down
expect_eq "nothing left behind" "$(leftovers)" 0
expect_status "second node down" 0 "$HP" node down
expect_status "status of a node that is down" 1 "$HP" node status
expect_eq "no eBPF programs left" "$(bpftool prog list 2>/dev/null | grep -c hnetns)" "$progs_before"

# A window on hugepages: reserved on demand, given back on down.
expect_status "node up --hugepages" 0 "$HP" node up --hugepages --window-size 4M
expect_match "the window is on hugetlbfs" "$(findmnt -n -o FSTYPE -T "/run/heteropod/$NODE/hugetlbfs/window")" hugetlbfs
expect_status "node down" 0 "$HP" node down
expect_eq "hugepage reservation restored" "$(cat /proc/sys/vm/nr_hugepages)" "$huge_before"
expect_eq "nothing left behind" "$(leftovers)" 0

finish
