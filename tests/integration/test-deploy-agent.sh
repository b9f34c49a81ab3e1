#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# deploy/agents-daemonset.yaml's host agent, run as the kubelet would run it
# but with podman: the node image built from this build tree, the
# DaemonSet's own scripts and volume mounts (tests/tools/deploy-podman.py),
# a unique node name. The node it brings up must serve pods from the host
# (pod create, exec into both halves), an agent that dies must come back
# when the container restarts, and everything goes at the end.
#
# Everything runs in a private mount namespace (a slave of the host's), so
# the shared mounts the DaemonSet's init container makes on a real node are
# made here only: the test leaves the machine's mount table as it was. The
# installs go to temp dirs, not /usr/local/bin and /opt/cni/bin.
. "$(dirname "$0")/lib.sh"

command -v podman >/dev/null || { echo "SKIP: podman is not installed"; exit 77; }
command -v unshare >/dev/null || { echo "SKIP: unshare is not installed"; exit 77; }

export CONTAINERS_CONF=$HP_SRC/scripts/containers.conf
export HP_IMAGE_PREFIX=localhost/hptest-$NODE
IMAGE=$HP_IMAGE_PREFIX/node:latest
YAML=${HP_DEPLOY_YAML:-$HP_SRC/deploy/agents-daemonset.yaml} # a broken copy shows the test can fail
CTR=hpdep-$NODE-agent

if [ "${HP_IN_MOUNT_NS:-}" != 1 ]; then
	# Outside: build the image, then run this script again in a private
	# mount namespace; remove the image and anything left afterwards.
	outer_cleanup() {
		local rc=$?
		podman rm -f -t 0 "$CTR" >/dev/null 2>&1
		"$HP_SRC/scripts/images.sh" --remove node >/dev/null 2>&1
		(exit $rc)
		cleanup
	}
	trap outer_cleanup EXIT
	[ -x "$HP" ] || { echo "FAIL: $HP not built"; exit 1; }
	if ! HP_BUILD=$HP_BUILD "$HP_SRC/scripts/images.sh" node >"$TMP/img.out" 2>"$TMP/img.err"; then
		echo "FAIL: images.sh node: $(tail -3 "$TMP/img.err")"
		exit 1
	fi
	pass "node image built from $HP_BUILD"
	HP_IN_MOUNT_NS=1 NODE=$NODE unshare -m --propagation slave bash "$0"
	rc=$?
	ip netns list 2>/dev/null | grep -q "^$NODE\." && fail "network namespaces of $NODE left behind" ||
		pass "no network namespace of $NODE left behind"
	[ -e "/run/heteropod/$NODE" ] && fail "/run/heteropod/$NODE left behind" ||
		pass "no /run/heteropod/$NODE left behind"
	finish || exit 1
	exit $rc
fi

# Inside the private mount namespace.
inner_cleanup() {
	local rc=$?
	podman rm -f -t 0 "$CTR" >/dev/null 2>&1
	(exit $rc)
	cleanup
}
trap inner_cleanup EXIT

ROOT=$TMP/host # where the installs land instead of the host's directories
mkdir -p "$ROOT/etc"
printf '[node]\nname = %s\ndpus = 1\n\n[window]\nsize = 64M\n' "$NODE" >"$ROOT/etc/node.conf"
REMAP=(/usr/local/bin="$ROOT/usr-local-bin" /opt/cni/bin="$ROOT/opt-cni-bin" /etc/heteropod="$ROOT/etc")

# prepare CONTAINER: $TMP/CONTAINER/{script,args} from the YAML.
prepare() {
	$PY "$HP_SRC/tests/tools/deploy-podman.py" "$YAML" heteropod-host "$1" "$TMP/$1" "${REMAP[@]}" ||
		{ fail "cannot read container $1 of heteropod-host"; return 1; }
	mapfile -t ARGS <"$TMP/$1/args"
}

# 1. shared-mounts: its script, with nsenter aimed at this namespace
# (pid 1 is the machine's init: that is what the test must not change).
prepare shared-mounts || exit 1
sed "s/nsenter -t 1 /nsenter -t $$ /" "$TMP/shared-mounts/script" >"$TMP/shared-mounts/script.here"
grep -q "nsenter -t $$ " "$TMP/shared-mounts/script.here" || fail "shared-mounts: no 'nsenter -t 1' to redirect"
expect_status "init container shared-mounts" 0 podman run --rm --name "$CTR-sm" "${ARGS[@]}" \
	-v "$TMP/shared-mounts/script.here:/hp-script:ro" "$IMAGE" /bin/sh /hp-script
for d in /run/heteropod /run/netns; do
	grep " $d " /proc/self/mountinfo | grep -q shared: && pass "$d is a shared mount" ||
		fail "$d is not a shared mount: $(grep " $d " /proc/self/mountinfo)"
done
expect_status "shared-mounts again (idempotent)" 0 podman run --rm --name "$CTR-sm" "${ARGS[@]}" \
	-v "$TMP/shared-mounts/script.here:/hp-script:ro" "$IMAGE" /bin/sh /hp-script
expect_eq "no stacked mounts" "$(grep -c ' /run/heteropod ' /proc/self/mountinfo)" 1

# 2. install: needs heteropod-runtime and heteronet in the image.
if [ -x "$HP_BUILD/heteropod-runtime" ] && [ -x "$HP_BUILD/heteronet" ]; then
	prepare install || exit 1
	expect_status "init container install" 0 podman run --rm --name "$CTR-in" "${ARGS[@]}" \
		-v "$TMP/install/script:/hp-script:ro" "$IMAGE" /bin/sh /hp-script
	for f in usr-local-bin/heteropod-runtime usr-local-bin/heteropod opt-cni-bin/heteronet; do
		cmp -s "$ROOT/$f" "$HP_BUILD/${f##*/}" && pass "installed $f" || fail "$f not installed"
	done
else
	echo "SKIP (part): heteropod-runtime or heteronet not built here: the install step is not run"
fi

# 3. the agent container.
prepare agent || exit 1
podman run -d --name "$CTR" "${ARGS[@]}" -v "$TMP/agent/script:/hp-script:ro" "$IMAGE" \
	/bin/sh /hp-script >/dev/null 2>"$TMP/err" || fail "agent container: $(cat "$TMP/err")"
if retry 100 "$HP" --node "$NODE" node status >/dev/null 2>&1; then
	pass "the DaemonSet's agent container brought node $NODE up"
else
	fail "node $NODE never came up: $(podman logs --tail 5 "$CTR" 2>&1)"
	finish
	exit 1
fi
expect_status "pod create from the host" 0 "$HP" --node "$NODE" pod create p1
ip=$("$HP" --node "$NODE" pod list --json 2>/dev/null | $PY -c 'import json,sys; print(json.load(sys.stdin)["pods"][0]["ip"])' 2>/dev/null)
expect_match "pod has an IP" "$ip" '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$'
for pu in host dpu0; do
	out=$("$HP" --node "$NODE" exec p1 --pu "$pu" -- ip -4 -o addr show dev eth0 2>&1)
	expect_match "exec into the $pu half (its eth0 has the pod IP)" "$out" " $ip/"
done

# 4. the container stops: on cgroup v2 the agents live on in their PU
# partitions; on v1 they die with it (pids/freezer groups). Either way a
# restart of the container must bring the node back.
podman stop -t 5 "$CTR" >/dev/null 2>&1
if "$HP" --node "$NODE" node status >/dev/null 2>&1; then
	echo "agents after the container stopped: alive"
else
	echo "agents after the container stopped: down (cgroup v1 keeps them in the container's groups)"
fi
podman start "$CTR" >/dev/null 2>"$TMP/err" || fail "restart: $(cat "$TMP/err")"
retry 100 "$HP" --node "$NODE" node status >/dev/null 2>&1 && pass "node up again after a restart" ||
	fail "node not up after the container restarted: $(podman logs --tail 5 "$CTR" 2>&1)"
expect_status "the container's status loop sees the node" 0 sh -c "sleep 1; podman ps --format '{{.Names}}' | grep -qx '$CTR'"

# 5. teardown from the host, as an operator would after deleting the DaemonSet.
podman rm -f -t 0 "$CTR" >/dev/null 2>&1
expect_status "node down" 0 "$HP" --node "$NODE" node down
finish
