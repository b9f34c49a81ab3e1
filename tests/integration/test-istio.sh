#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Istio-style interception with the proxy on the DPU half and the
# application on the host half. Both halves get the rules istio-init
# installs for real injected pods (../shared/manifests/istio):
#   istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x "" -b '*' -d 15090,15021,15020
source "$(dirname "$0")/lib.sh"

ISTIO_ARGS=(-p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x "" -b '*' -d 15090,15021,15020)
manifest="$HP_SRC/../shared/manifests/istio/frontend.injected.yaml"
if [ -f "$manifest" ]; then
	flags=$(grep -A22 -- '- istio-iptables' "$manifest" | tr -d " \"'\n")
	expect_match "the flags are those of a real injected pod" "$flags" \
		'^-istio-iptables--p-15001--z-15006--u-1337--m-REDIRECT--i-\*--x---b-\*--d-15090,15021,15020'
fi

"$HP" node up >/dev/null || { fail "node up"; finish; exit 1; }
"$HP" pod create mesh >/dev/null || { fail "pod create"; finish; exit 1; }
ip=$("$HP" pod list --json | jq -r '.pods[0].ip')
for pu in host dpu0; do
	expect_status "istio-init rules on $pu" 0 "$HP" exec mesh --pu $pu -- "$HP_SRC/tools/istio-iptables.sh" "${ISTIO_ARGS[@]}"
done

# The "proxy" (uid 1337) on dpu0: outbound 15001, inbound 15006. The app on the host: 8080.
start_bg "$TMP/out.log" "$HP" exec mesh --pu dpu0 -- setpriv --reuid 1337 --regid 1337 --clear-groups "$PROBE_STATIC" listen 15001 --count 10 --ready "$TMP/r1"
start_bg "$TMP/in.log" "$HP" exec mesh --pu dpu0 -- setpriv --reuid 1337 --regid 1337 --clear-groups "$PROBE_STATIC" listen 15006 --count 10 --ready "$TMP/r2"
start_bg "$TMP/app.log" "$HP" exec mesh --pu host -- "$PROBE" listen 8080 --count 10 --ready "$TMP/r3"
start_bg "$TMP/wire.log" "$HP" client -- "$PROBE" listen 9999 --count 10 --ready "$TMP/r4"
for r in r1 r2 r3 r4; do wait_for "$TMP/$r"; done
wait_routed mesh host 15001
wait_routed mesh host 15006
wait_routed mesh dpu0 8080

# Outbound: the app connects anywhere; the proxy's 15001 gets it, and
# SO_ORIGINAL_DST there is what the app asked for.
out=$("$HP" exec mesh --pu host -- "$PROBE" connect 198.18.1.2:80)
expect_match "app's outbound connection is answered by the proxy" "$out" "hello from mesh"
expect_match "  app still sees its own destination" "$out" "peer=198\.18\.1\.2:80"
expect_match "  proxy on dpu0: SO_ORIGINAL_DST = the app's destination" "$(tail -1 "$TMP/out.log")" "local=127\.0\.0\.1:15001 .*origdst=198\.18\.1\.2:80"
out=$("$HP" exec mesh --pu host -- "$PROBE_STATIC" connect 203.0.113.9:443)
expect_match "static app too" "$(tail -1 "$TMP/out.log")" "origdst=203\.0\.113\.9:443"

# Inbound from the wire reaches 15006, with the original destination.
out=$("$HP" client -- "$PROBE" connect "$ip:8080")
expect_match "wire -> pod:8080 is answered by the proxy" "$out" "hello from mesh"
expect_match "  15006 got it, SO_ORIGINAL_DST = pod:8080" "$(tail -1 "$TMP/in.log")" "local=$ip:15006 .*origdst=$ip:8080"
expect_eq "  the app saw nothing of it" "$(grep -c accepted "$TMP/app.log")" 0

# The proxy's own traffic (uid 1337) is not looped back.
out=$("$HP" exec mesh --pu dpu0 -- setpriv --reuid 1337 --regid 1337 --clear-groups "$PROBE" connect 198.18.1.2:9999)
expect_match "proxy -> wire goes out directly" "$out" "connected local=$ip:[0-9]+ peer=198\.18\.1\.2:9999"
expect_match "  the wire server got it" "$(tail -1 "$TMP/wire.log")" "peer=$ip:"
n_out=$(grep -c accepted "$TMP/out.log")
expect_eq "  15001 saw only the app's two connections" "$n_out" 2

# The proxy reaches the app on 127.0.0.1:APP_PORT and via 127.0.0.6.
out=$("$HP" exec mesh --pu dpu0 -- setpriv --reuid 1337 --regid 1337 --clear-groups "$PROBE" connect 127.0.0.1:8080)
expect_match "proxy -> app on 127.0.0.1:8080" "$out" "connected local=127\.0\.0\.1:[0-9]+ peer=127\.0\.0\.1:8080"
expect_match "  app sees a loopback peer" "$(tail -1 "$TMP/app.log")" "local=127\.0\.0\.1:8080 peer=127\.0\.0\.1:"
out=$("$HP" exec mesh --pu dpu0 -- setpriv --reuid 1337 --regid 1337 --clear-groups "$PROBE" connect "$ip:8080" --bind 127.0.0.6:0)
expect_match "proxy -> app from 127.0.0.6 (inbound passthrough)" "$out" "connected local=127\.0\.0\.6:[0-9]+ peer=$ip:8080"
expect_match "  app sees 127.0.0.6" "$(tail -1 "$TMP/app.log")" "local=$ip:8080 peer=127\.0\.0\.6:"

# An app on the host talking to its own localhost is not intercepted.
start_bg "$TMP/local.log" "$HP" exec mesh --pu host -- "$PROBE" listen 127.0.0.1:8081 --ready "$TMP/r5"
wait_for "$TMP/r5"
expect_match "app -> its own 127.0.0.1 is not redirected" \
	"$("$HP" exec mesh --pu host -- "$PROBE" connect 127.0.0.1:8081)" "hello from mesh"

finish
