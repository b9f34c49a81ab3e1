#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/images.sh: the local podman images build offline, a second run is a
# no-op, and what the HeteroK8s demo runs from them works: busybox applets,
# nginx as the app (:8080) and as the L7 sidecar (:15006, uid 1337), curl,
# and istio-init's rules (tools/istio-iptables.sh) in a container's own netns.
. "$(dirname "$0")/lib.sh"

command -v podman >/dev/null || { echo "SKIP: podman is not installed"; exit 77; }

IMAGES=$HP_SRC/scripts/images.sh
export CONTAINERS_CONF=$HP_SRC/scripts/containers.conf # runc, rlimits runc may set
TOOLBOX=localhost/heteropod/toolbox:latest
BUSYBOX=localhost/heteropod/busybox:latest
RUN=hpimg-$NODE # every container and pod of this run is named $RUN-*
SCRATCH=localhost/hptest-$NODE # images of this run only (--force, --remove)

img_cleanup() {
	local rc=$? c
	for c in $(podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^$RUN-"); do
		podman rm -f -t 0 "$c" >/dev/null 2>&1
	done
	podman pod rm -f -t 0 "$RUN-pod" >/dev/null 2>&1
	HP_IMAGE_PREFIX=$SCRATCH "$IMAGES" --remove >/dev/null 2>&1
	(exit $rc)
	cleanup
}
trap img_cleanup EXIT

# prun NAME [podman run options] IMAGE CMD...: a container of this run.
prun() {
	local name=$1
	shift
	podman run --rm --name "$RUN-$name" "$@"
}

# Arguments.
expect_status "--help" 0 "$IMAGES" --help
expect_match "--help names the images" "$(cat "$TMP/out")" "toolbox.*busybox"
expect_status "unknown option" 2 "$IMAGES" --bogus
expect_match "unknown option is named" "$(cat "$TMP/err")" "unknown option '--bogus'"
expect_status "unknown image" 2 "$IMAGES" nosuchimage
expect_status "bad iptables backend" 2 "$IMAGES" --iptables ebpf
expect_status "--iptables without a value" 2 "$IMAGES" --iptables
expect_status "--remove with --force" 2 "$IMAGES" --remove --force

# Build (or find up to date), then a second run must not rebuild.
expect_status "images.sh builds" 0 "$IMAGES"
podman image exists "$TOOLBOX" && pass "toolbox image exists" || fail "no $TOOLBOX"
podman image exists "$BUSYBOX" && pass "busybox image exists" || fail "no $BUSYBOX"
id1=$(podman image inspect --format '{{.Id}}' "$TOOLBOX" 2>/dev/null)
t0=$(date +%s%N)
expect_status "second run" 0 "$IMAGES" --json
t1=$(date +%s%N)
echo "second run (no-op) took $(((t1 - t0) / 1000000)) ms"
st=$($PY -c 'import json,sys; print(" ".join(r["status"] for r in json.load(sys.stdin)))' <"$TMP/out" 2>&1)
expect_eq "second run rebuilds nothing (--json statuses)" "$st" "up-to-date up-to-date"
expect_eq "toolbox image unchanged" "$(podman image inspect --format '{{.Id}}' "$TOOLBOX")" "$id1"
label=$(podman image inspect --format '{{index .Config.Labels "io.heteropod.content"}}' "$TOOLBOX")
expect_match "content label" "$label" '^[0-9a-f]{64}$'

# --force rebuilds, and a recipe change is a new content hash: the other
# iptables backend under the plain names is a different image.
export HP_IMAGE_PREFIX=$SCRATCH
expect_status "build a scratch busybox image" 0 "$IMAGES" busybox
expect_match "scratch image built" "$(cat "$TMP/out")" "^$SCRATCH/busybox:latest built "
old=$(podman image inspect --format '{{.Id}}' "$SCRATCH/busybox:latest" 2>/dev/null)
expect_status "rebuild with --force" 0 "$IMAGES" --force busybox
expect_match "--force rebuilt it" "$(cat "$TMP/out")" "^$SCRATCH/busybox:latest built "
podman image exists "$old" && fail "the replaced image $old was left behind" ||
	pass "the replaced image is gone"
expect_status "no-op without --force" 0 "$IMAGES" busybox
expect_match "up to date again" "$(cat "$TMP/out")" "up-to-date"
expect_status "--remove" 0 "$IMAGES" --remove busybox
podman image exists "$SCRATCH/busybox:latest" && fail "--remove left the image" ||
	pass "--remove removed the image"
expect_status "--remove again (nothing there)" 0 "$IMAGES" --remove busybox
expect_match "reported absent" "$(cat "$TMP/out")" "absent"
unset HP_IMAGE_PREFIX

# busybox applets, users, files.
out=$(prun bb "$BUSYBOX" sh -c 'echo sh-ok; ls /etc/passwd; sleep 0; env | grep -c ^PATH=' 2>&1)
expect_eq "busybox image: sh, ls, sleep, env" "$out" $'sh-ok\n/etc/passwd\n1'
out=$(prun tb "$TOOLBOX" sh -c 'for a in sh ls cat sleep wget nc httpd ip hostname env ps bash curl nginx iptables iptables-restore iptables-save istio-iptables; do command -v $a >/dev/null || echo "missing $a"; done; grep -c "^istio-proxy:x:1337:1337:" /etc/passwd; hostname >/dev/null && echo hostname-ok; ps | grep -c "^ *1 "' 2>&1)
expect_eq "toolbox: every command there, istio-proxy user, hostname, ps" "$out" $'1\nhostname-ok\n1'
out=$(prun ip --network none --cap-add NET_ADMIN "$TOOLBOX" sh -c 'ip addr add 192.0.2.77/32 dev lo && ip -4 -o addr show dev lo' 2>&1)
expect_match "busybox ip in the container's netns" "$out" "192.0.2.77/32"
ip -4 -o addr show dev lo | grep -q 192.0.2.77 && fail "the address leaked to the host" ||
	pass "the address stayed in the container's netns"

# curl, nginx -t (root and uid 1337, app and sidecar configs).
out=$(prun curl "$TOOLBOX" curl --version 2>&1 | head -1)
expect_match "curl --version" "$out" "^curl [0-9]+\.[0-9]+"
expect_status "nginx -t as root" 0 prun ngx0 "$TOOLBOX" nginx -t
expect_status "nginx -t as uid 1337" 0 prun ngx1 --user 1337 "$TOOLBOX" nginx -t
expect_status "sidecar config -t as uid 1337" 0 prun ngx2 --user 1337 "$TOOLBOX" nginx -t -c /etc/nginx/sidecar.conf

# The demo's pod: the app on :8080 (root master, workers nobody), the sidecar
# on :15006 as uid 1337 proxying to it, a client in the same netns.
if podman pod create --name "$RUN-pod" --network none >/dev/null 2>"$TMP/err"; then
	podman run -d --pod "$RUN-pod" --name "$RUN-app" "$TOOLBOX" nginx -g 'daemon off;' >/dev/null
	podman run -d --pod "$RUN-pod" --name "$RUN-proxy" --user 1337 "$TOOLBOX" \
		nginx -c /etc/nginx/sidecar.conf -g 'daemon off;' >/dev/null
	out=$(prun client --pod "$RUN-pod" "$TOOLBOX" sh -c \
		'for i in $(seq 50); do curl -fsS -o /dev/null localhost:8080/healthz 2>/dev/null && curl -fsS -o /dev/null localhost:15006/ 2>/dev/null && break; sleep 0.1; done; curl -sS -i localhost:15006/; wget -qO- localhost:8080/healthz' 2>&1)
	expect_match "sidecar :15006 proxies to the app :8080" "$out" "hello from $RUN-pod"
	expect_match "through the sidecar" "$out" "X-HeteroPod-Proxy: $RUN-pod"
	expect_match "busybox wget reaches the app" "$out" $'\nok'
	out=$(podman exec "$RUN-proxy" sh -c 'id -u; ps -o user,args | grep "[n]ginx: worker"' 2>&1)
	expect_match "sidecar runs as istio-proxy" "$out" "^1337"
	podman pod rm -f -t 0 "$RUN-pod" >/dev/null 2>&1
else
	fail "podman pod create: $(cat "$TMP/err")"
fi

# istio-init: the injected pod's flags (shared/manifests/istio/frontend.injected.yaml),
# in the container's own netns, with NET_ADMIN and NET_RAW only.
host_before=$(iptables-save 2>/dev/null | grep -c ISTIO)
out=$(prun init --network none --cap-drop ALL --cap-add NET_ADMIN --cap-add NET_RAW "$TOOLBOX" \
	sh -c 'istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i "*" -x "" -b "*" -d 15090,15021,15020 && iptables -t nat -S' 2>&1)
expect_match "istio-init: inbound redirect to 15006" "$out" "-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006"
expect_match "istio-init: outbound redirect to 15001" "$out" "-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001"
expect_match "istio-init: owner match for uid 1337" "$out" "-m owner --uid-owner 1337 -j RETURN"
expect_match "istio-init: excluded port 15021" "$out" "--dport 15021 -j RETURN"
expect_eq "the host's rules untouched" "$(iptables-save 2>/dev/null | grep -c ISTIO)" "$host_before"
out=$(prun legacy --network none --cap-add NET_ADMIN "$TOOLBOX" sh -c \
	'iptables-legacy -t nat -A OUTPUT -p tcp -m conntrack --ctstate NEW -m owner ! --uid-owner 1337 -j REDIRECT --to-ports 15001 && iptables-legacy -t nat -S OUTPUT' 2>&1)
expect_match "legacy backend: conntrack, owner, REDIRECT" "$out" "-A OUTPUT -p tcp -m conntrack --ctstate NEW -m owner ! --uid-owner 1337 -j REDIRECT --to-ports 15001"
expect_status "iptables without NET_ADMIN is refused" 4 prun noadm --network none "$TOOLBOX" iptables -t nat -S

finish
