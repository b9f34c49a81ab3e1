# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the integration tests: a unique node per test, teardown on any
# exit, and small assertion helpers. Sourced, not run.
set -uo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (namespaces, cgroups, eBPF)"
	exit 77
fi

HP_BUILD=${HP_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../build" && pwd)}
HP_SRC=${HP_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
HP=$HP_BUILD/heteropod
PROBE=$HP_BUILD/tests/hp-probe
PROBE_STATIC=$HP_BUILD/tests/hp-probe-static
PY=/usr/bin/python3 # Debian's: the pyenv shim is slow to start and not everywhere

# A node name unique to this run (8 characters at most).
NODE=${NODE:-t$(printf '%05x' $(($$ % 0xfffff)))$(printf '%02x' $((RANDOM % 256)))}
NODE=${NODE:0:8}
export HETEROPOD_NODE=$NODE
TMP=$(mktemp -d "/tmp/hp-$NODE-XXXXXX")
chmod 1777 "$TMP" # servers may run as another user (Istio's proxy is uid 1337)
STARTED_PIDS=()
CLEANUP_HOOKS=() # commands (strings) run at exit before the node goes down
FAILURES=0
CHECKS=0

cleanup() {
	local rc=$?
	for p in "${STARTED_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for h in "${CLEANUP_HOOKS[@]}"; do
		eval "$h" >/dev/null 2>&1
	done
	"$HP" --node "$NODE" node down >/dev/null 2>&1
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { CHECKS=$((CHECKS + 1)); echo "ok: $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "FAIL: $*"; }

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
# expect_match WHAT TEXT REGEX
expect_match() {
	if [[ $2 =~ $3 ]]; then pass "$1"; else fail "$1: '$2' does not match /$3/"; fi
}
# expect_status WHAT WANT CMD... : run CMD, compare its exit status
expect_status() {
	local what=$1 want=$2 got
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" = "$want" ]; then
		pass "$what (exit $got)"
	else
		fail "$what: exit $got, want $want; stderr: $(head -c 300 "$TMP/err")"
	fi
}

# Start CMD in the background (its pid is killed at exit); output to FILE.
start_bg() {
	local out=$1
	shift
	"$@" >"$out" 2>&1 &
	STARTED_PIDS+=($!)
	disown $! # we kill it ourselves; no job-control chatter
}

# wait_for FILE [SECONDS]: until FILE exists.
wait_for() {
	local f=$1 t=${2:-10} i
	for ((i = 0; i < t * 20; i++)); do
		[ -e "$f" ] && return 0
		sleep 0.05
	done
	fail "timed out waiting for $f"
	return 1
}

# retry N CMD...: run CMD until it succeeds (port events take a moment to cross the PU link).
retry() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# wait_routed POD PU PORT: until PU's half routes PORT to the other half
# (the other half bound it and the PU link carried the news).
wait_routed() {
	retry 100 sh -c "'$HP' exec '$1' --pu '$2' -- ip rule 2>/dev/null | grep -q 'dport $3 '" ||
		fail "port $3 of pod $1 never reached $2"
}

finish() {
	echo "$CHECKS checks, $FAILURES failed"
	[ "$FAILURES" -eq 0 ]
}
