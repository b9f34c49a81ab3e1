#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# heteropod-runtime under podman: containers of one HeteroPod on the host
# and on dpu0 (started by the DPU's agent, played on the host by a
# stand-in), their output in `podman logs`, exit statuses, stop and removal,
# and clear errors that leave nothing behind.
source "$(dirname "$0")/lib.sh"

RT=$HP_BUILD/heteropod-runtime
IMG=localhost/hp-rt-$NODE:test
POD=rtp
HALF=/run/netns/$NODE.pod.$POD.host
ANN='"heteropod.io/placement={""proxy"":""dpu0"",""app"":""host"",""bad"":""dpu0""}"'
CTRS=()

command -v podman >/dev/null || { echo "SKIP: podman is not installed"; exit 77; }

rm_ctrs() { [ ${#CTRS[@]} -eq 0 ] || podman rm -f -t 0 "${CTRS[@]}"; }
CLEANUP_HOOKS+=("rm_ctrs" "podman rmi -f $IMG")

# A tiny image: busybox-static and its applets.
mkdir -p "$TMP/root/bin"
cp /bin/busybox "$TMP/root/bin/"
for a in sh sleep echo cat hostname ip wget httpd grep; do ln -s busybox "$TMP/root/bin/$a"; done
tar -C "$TMP/root" -cf "$TMP/img.tar" .
podman import -q "$TMP/img.tar" "$IMG" >/dev/null || { fail "import the test image"; finish; }

"$HP" node up >/dev/null || { fail "node up"; finish; }
"$HP" pod create "$POD" >/dev/null || { fail "pod create"; finish; }
ip=$("$HP" pod list --json | jq -r ".pods[] | select(.name==\"$POD\") | .ip")

run() { # NAME CONTAINER-NAME CMD...
	local name=$1 cname=$2
	shift 2
	CTRS+=("$name")
	podman run -d --name "$name" --runtime "$RT" --network "ns:$HALF" --annotation "$ANN" \
		-e "HETEROPOD_CONTAINER=$cname" "$IMG" "$@"
}

# An application on the host half, a "proxy" on dpu0.
expect_status "app container created on the host" 0 \
	run "$NODE-app" app /bin/sh -c 'echo app up; mkdir -p /w; echo hello > /w/i; exec httpd -f -p 8080 -h /w'
expect_status "proxy container created on dpu0" 0 \
	run "$NODE-proxy" proxy /bin/sh -c 'trap "exit 143" TERM; echo proxy on $(hostname); cat /proc/self/cgroup; ip -4 -o addr; echo to-stderr >&2; while :; do sleep 0.2; done'
sleep 1
logs=$(podman logs "$NODE-proxy" 2>&1)
expect_match "the DPU container's output reaches podman logs" "$logs" "proxy on $POD"
expect_match "its stderr too" "$logs" "to-stderr"
expect_match "it runs in dpu0's partition, in the pod's group" "$logs" "cpuset:/heteropod\.$NODE/dpu0/pod\.$POD/ctr-"
expect_match "and in the pod's DPU half (hpx0 tunnel, eth0 with the pod IP)" "$logs" "hpx0"
expect_match "with the pod IP" "$logs" "inet $ip/32"
# The stand-in only relays: it sleeps while the container is quiet.
standin=$(podman inspect -f '{{.State.Pid}}' "$NODE-proxy")
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
t0=$(ticks "$standin")
sleep 1
t1=$(ticks "$standin")
if [ $((t1 - t0)) -le 5 ]; then pass "the stand-in uses no CPU while its container is quiet ($((t1 - t0)) ticks in 1 s)"; else fail "the stand-in used $((t1 - t0)) ticks in 1 s"; fi
app_cg=$(cat /proc/$(podman inspect -f '{{.State.Pid}}' "$NODE-app")/cgroup)
expect_match "the host container runs in the host PU's partition" "$app_cg" "cpuset:/heteropod\.$NODE/host/pod\.$POD/ctr-"
expect_match "under the pod's v2 group (the hetero-netns hooks)" "$app_cg" "0::/heteropod\.$NODE/host/pod\.$POD"

# Across the halves over localhost, inside one pod.
expect_status "a DPU container reaches the host container over 127.0.0.1" 0 \
	run "$NODE-get" proxy /bin/sh -c 'wget -qO- http://127.0.0.1:8080/i'
for _ in $(seq 50); do
	[ "$(podman inspect -f '{{.State.Status}}' "$NODE-get")" = exited ] && break
	sleep 0.1
done
expect_eq "its output" "$(podman logs "$NODE-get" 2>&1)" "hello"
expect_eq "and its exit status 0" "$(podman inspect -f '{{.State.ExitCode}}' "$NODE-get")" 0

run "$NODE-exit" proxy /bin/sh -c 'exit 7' >/dev/null
for _ in $(seq 50); do
	[ "$(podman inspect -f '{{.State.Status}}' "$NODE-exit")" = exited ] && break
	sleep 0.1
done
expect_eq "a DPU container's exit status reaches the engine" \
	"$(podman inspect -f '{{.State.ExitCode}}' "$NODE-exit")" 7

expect_eq "podman sees the DPU container running" \
	"$(podman inspect -f '{{.State.Status}}' "$NODE-proxy")" running
t0=$(date +%s%N)
podman stop -t 5 "$NODE-proxy" >/dev/null
t1=$(date +%s%N)
expect_eq "podman stop ends it (SIGTERM through the agent, shell exits 143)" \
	"$(podman inspect -f '{{.State.ExitCode}}' "$NODE-proxy")" 143
ms=$(((t1 - t0) / 1000000))
if [ "$ms" -lt 4000 ]; then pass "without waiting for the kill timeout (${ms} ms)"; else fail "stop took ${ms} ms"; fi
podman rm -f "$NODE-proxy" "$NODE-get" "$NODE-exit" >/dev/null
left=$(runc --root "/run/heteropod/$NODE/dpu0-runc" list -q 2>/dev/null)
expect_eq "removed DPU containers leave nothing in the DPU's runc" "$left" ""
expect_eq "nor a record in the runtime" "$(ls /run/heteropod-runtime 2>/dev/null | grep -c .)" 0

# Errors: clear, and nothing created.
expect_status "a malformed placement is refused (podman: runtime error 126)" 126 \
	podman run --name "$NODE-bad1" --runtime "$RT" --network "ns:$HALF" \
	--annotation '"heteropod.io/placement={""x"":"' -e HETEROPOD_CONTAINER=x "$IMG" true
CTRS+=("$NODE-bad1")
expect_match "naming the annotation" "$(cat "$TMP/err")" "heteropod.io/placement"
expect_status "a DPU placement outside a HeteroPod is refused" 126 \
	podman run --name "$NODE-bad2" --runtime "$RT" --annotation "$ANN" \
	-e HETEROPOD_CONTAINER=bad "$IMG" true
CTRS+=("$NODE-bad2")
expect_match "saying why" "$(cat "$TMP/err")" "not a HeteroPod"

kill "$(cat "/run/heteropod/$NODE/dpu0.pid")"
sleep 0.3
expect_status "with the DPU agent dead, a DPU container cannot start" 126 \
	run "$NODE-dead" proxy true
expect_match "and the error says the PU link is down" "$(cat "$TMP/err")" "not reachable|did not answer|PU link"
left=$(runc --root "/run/heteropod/$NODE/dpu0-runc" list -q 2>/dev/null)
expect_eq "nothing was left on the DPU" "$left" ""

finish
