#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# heteropod play end to end with podman: a real Istio-injected Deployment
# (../shared/manifests, adapted to the local images) is planned, annotated
# and played split across host and dpu0 over the heteronet CNI network;
# traffic from the wire is intercepted by the proxy on the DPU; the pod is
# profiled; a DPU container logs, keeps the pod's hostname and is restarted
# by its restartPolicy; bad input, a missing image and a dead DPU agent give
# clear errors and leave nothing behind; --down removes everything.
source "$(dirname "$0")/lib.sh"

command -v podman >/dev/null || { echo "SKIP: podman is not installed"; exit 77; }
MANIFEST=$HP_SRC/../shared/manifests/istio/frontend.injected.yaml
[ -f "$MANIFEST" ] || { echo "SKIP: $MANIFEST is not there"; exit 77; }

PLAYED=()
play_down_all() { for f in "${PLAYED[@]}"; do "$HP" play "$f" --down; done; }
CLEANUP_HOOKS+=("play_down_all")

bash "$HP_SRC/scripts/images.sh" toolbox >/dev/null || { fail "build the toolbox image"; finish; }
"$HP" node up >/dev/null || { fail "node up"; finish; }
dpu_ctrs() { runc --root "/run/heteropod/$NODE/dpu0-runc" list -q 2>/dev/null | grep -c .; }
agent_pods() { "$HP" pod list --json | jq '.pods | length'; }

# 1. A real Istio-injected Deployment, planned and played.
/usr/bin/python3 "$HP_SRC/tests/tools/localize-manifest.py" "$MANIFEST" >"$TMP/frontend.yaml"
PLAYED+=("$TMP/frontend.yaml")
expect_status "play the Istio frontend Deployment" 0 "$HP" play "$TMP/frontend.yaml"
expect_match "the planner put the proxy and its init container on dpu0, the app on the host" \
	"$(cat "$TMP/err")" "istio-init->dpu0 nginx->host istio-proxy->dpu0"
ip=$("$HP" pod list --json | jq -r '.pods[] | select(.name=="frontend-pod-0") | .ip')
expect_match "the pod is a HeteroPod with an IP from the CNI network" "$ip" '^10\.89\.'
expect_eq "its proxy runs in the DPU's runc" "$(dpu_ctrs)" 1
reply=$(retry 50 "$HP" client -- curl -sf -m 2 -i "http://$ip:80/"; "$HP" client -- curl -s -m 2 -i "http://$ip:80/")
expect_match "traffic from the wire is intercepted by the proxy on the DPU half" "$reply" "X-HeteroPod-Proxy: frontend-pod-0"
expect_match "and served by the app on the host half" "$reply" "hello from frontend-pod-0"

# 2. A profile of the running pod, which the planner reads.
start_bg "$TMP/load" "$HP" client -- sh -c "while curl -s -o /dev/null http://$ip:80/; do :; done"
"$HP" profile frontend-pod-0 --seconds 2 -o "$TMP/profile.json" 2>"$TMP/perr"
expect_eq "profile exit status" "$?" 0
expect_eq "the profile measures both containers" \
	"$(jq -r '.pods["Pod/frontend-pod-0"].containers | keys | join(",")' "$TMP/profile.json")" "istio-proxy,nginx"
expect_match "the proxy measured on dpu0" "$(cat "$TMP/perr")" "istio-proxy +on dpu0"
expect_match "with the CPU the load cost it" \
	"$(jq -r '.pods["Pod/frontend-pod-0"].containers["istio-proxy"].cpu' "$TMP/profile.json")" '^0\.0*[1-9]|^[1-9]'
msgs=$(jq -r '.pods["Pod/frontend-pod-0"].traffic[] | select(.from=="istio-proxy" and .to=="nginx") | .msgsPerSec' "$TMP/profile.json")
expect_match "and the proxy-to-app traffic the load made" "$msgs" '^[0-9]*[1-9][0-9]*(\.[0-9]+)?$'
jq '.pods["Deployment/frontend"] = .pods["Pod/frontend-pod-0"] | del(.pods["Pod/frontend-pod-0"])' \
	"$TMP/profile.json" >"$TMP/profile2.json"
expect_status "the planner plans with the measured profile" 0 \
	"$HP" plan "$TMP/frontend.yaml" --profile "$TMP/profile2.json" --json
expect_match "using the profile's figures" "$(jq -r '.placements[] | select(.container=="istio-proxy") | .pu' "$TMP/out")" dpu0
kill "${STARTED_PIDS[-1]}" 2>/dev/null

# 3. --down removes everything.
expect_status "play --down" 0 "$HP" play "$TMP/frontend.yaml" --down
expect_eq "no podman pod left" "$(podman pod ps -q --filter name=frontend-pod-0 | grep -c .)" 0
expect_eq "no HeteroPod left on the node" "$(agent_pods)" 0
expect_eq "no container left on the DPU" "$(dpu_ctrs)" 0
expect_eq "no half left" "$(ip netns list | grep -c "^$NODE\.pod\.")" 0

# 4. A DPU container: logs, hostname, environment, restart policy.
cat >"$TMP/talk.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: talk$NODE
  annotations:
    heteropod.io/placement: '{"talker": "dpu0", "crasher": "dpu0"}'
spec:
  restartPolicy: OnFailure
  containers:
  - name: talker
    image: localhost/heteropod/toolbox:latest
    command: ["sh", "-c", "echo talker on \$(hostname) with GREETING=\$GREETING; exec sleep 600"]
    env:
    - name: GREETING
      value: hi
  - name: crasher
    image: localhost/heteropod/toolbox:latest
    command: ["sh", "-c", "echo crashing; sleep 0.3; exit 3"]
  - name: app
    image: localhost/heteropod/toolbox:latest
    command: ["sleep", "600"]
YAML
PLAYED+=("$TMP/talk.yaml")
expect_status "play a pod with DPU containers" 0 "$HP" play "$TMP/talk.yaml"
sleep 1
expect_match "podman logs shows a DPU container's output, its hostname is the pod's, its env as written" \
	"$(podman logs "talk$NODE-talker" 2>&1)" "talker on talk$NODE with GREETING=hi"
restarts=0
for _ in $(seq 60); do
	restarts=$(podman inspect -f '{{.RestartCount}}' "talk$NODE-crasher" 2>/dev/null || echo 0)
	[ "$restarts" -ge 2 ] && break
	sleep 0.2
done
if [ "$restarts" -ge 2 ]; then pass "a crashing DPU container is restarted by its restartPolicy ($restarts restarts)"; else fail "crasher restarted $restarts times"; fi
expect_match "each run's output reaches podman logs" "$(podman logs "talk$NODE-crasher" 2>&1 | grep -c crashing)" '^[2-9]|[1-9][0-9]+$'
expect_status "play --down" 0 "$HP" play "$TMP/talk.yaml" --down
expect_eq "nothing left on the DPU" "$(dpu_ctrs)" 0
expect_eq "nor on the node" "$(agent_pods)" 0

# 5. Volumes across PUs: a configMap and an emptyDir the host writes.
cat >"$TMP/vol.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: conf$NODE
data:
  greeting.txt: hello from a configMap
---
apiVersion: v1
kind: Pod
metadata:
  name: vol$NODE
  annotations:
    heteropod.io/placement: '{"reader": "dpu0"}'
spec:
  restartPolicy: OnFailure
  containers:
  - name: writer
    image: localhost/heteropod/toolbox:latest
    command: ["sh", "-c", "echo written-on-the-host > /shared/f; exec sleep 600"]
    volumeMounts: [{name: shared, mountPath: /shared}]
  - name: reader
    image: localhost/heteropod/toolbox:latest
    command: ["sh", "-c", "while [ ! -s /shared/f ]; do sleep 0.1; done; cat /conf/greeting.txt; echo; cat /shared/f; exec sleep 600"]
    volumeMounts: [{name: conf, mountPath: /conf}, {name: shared, mountPath: /shared}]
  volumes:
  - {name: conf, configMap: {name: conf$NODE}}
  - {name: shared, emptyDir: {}}
YAML
PLAYED+=("$TMP/vol.yaml")
expect_status "play a pod whose DPU container mounts a configMap and an emptyDir" 0 "$HP" play "$TMP/vol.yaml"
logs=
for _ in $(seq 50); do
	logs=$(podman logs "vol$NODE-reader" 2>&1)
	[[ $logs == *written* ]] && break
	sleep 0.1
done
expect_match "the DPU container reads the configMap" "$logs" "hello from a configMap"
expect_match "and what the host container wrote in the shared emptyDir" "$logs" "written-on-the-host"
expect_status "play --down" 0 "$HP" play "$TMP/vol.yaml" --down

# 6. Errors leave nothing behind.
sed 's/"talker": "dpu0"/"talker": "dpu7"/' "$TMP/talk.yaml" >"$TMP/bad.yaml"
expect_status "a placement on a PU the node lacks" 2 "$HP" play "$TMP/bad.yaml"
expect_match "is refused by name" "$(cat "$TMP/err")" "dpu7"
printf 'kind: Pod\nmetadata: {name: x}\nspec:\n  containers: [{name: a, image: x}\n' >"$TMP/broken.yaml"
expect_status "malformed YAML" 2 "$HP" play "$TMP/broken.yaml"
expect_match "with its file and line" "$(cat "$TMP/err")" "broken.yaml:[0-9]+"
sed "s|localhost/heteropod/toolbox:latest|localhost/heteropod/nonexistent-$NODE:1|" "$TMP/talk.yaml" >"$TMP/noimg.yaml"
expect_status "a missing image" 1 "$HP" play "$TMP/noimg.yaml"
expect_eq "leaves no podman pod" "$(podman pod ps -q --filter name=talk$NODE | grep -c .)" 0
expect_eq "and no HeteroPod" "$(agent_pods)" 0
kill "$(cat "/run/heteropod/$NODE/dpu0.pid")"
sleep 0.3
expect_status "with the DPU agent dead, a split pod does not start" 1 "$HP" play "$TMP/talk.yaml"
expect_match "and says why" "$(cat "$TMP/err")" "PU link|dpu0 agent|not reachable"
expect_eq "leaving no podman pod" "$(podman pod ps -q --filter name=talk$NODE | grep -c .)" 0
expect_eq "and no HeteroPod" "$(agent_pods)" 0

finish
