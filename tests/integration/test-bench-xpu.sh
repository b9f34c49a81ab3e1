#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `heteropod bench xpu` runs every mode on a private node and reports the
# JSON other tools read. This checks the report's shape and the cleanup,
# never the figures (a benchmark is not a timed test).
source "$(dirname "$0")/lib.sh"

expect_status "bench xpu --quick --json" 0 "$HP" bench xpu --quick --json
cp "$TMP/out" "$TMP/bench.json"
for mode in hetero-socket kernel-bypass kernel-path loopback; do
	for key in rtt_p50_us rtt_p99_us cpu_s_per_m_rtt stream_gbytes_s connects_per_s \
		oversub_p50_us oversub_p99_us oversub_cpu_s_per_m_req idle_cpu_pct idle_window_bytes; do
		t=$(jq -r ".modes[\"$mode\"].$key | type" "$TMP/bench.json")
		[ "$t" = number ] || fail "$mode.$key is $t"
	done
	expect_eq "$mode has no error" "$(jq -r ".modes[\"$mode\"].error // \"none\"" "$TMP/bench.json")" none
done
pass "every mode reports every figure"
# Large transfers: copying vs zero-copy, for hetero-socket and kernel-path.
for mode in hetero-socket kernel-path; do
	rows="sendfile_1m sendfile_16m"
	[ "$mode" = hetero-socket ] && rows="$rows recv_to_file_1m recv_to_file_16m"
	for row in $rows; do
		for key in copy_gbytes_s copy1m_gbytes_s zc_gbytes_s copy_cpu_s_per_gb \
			copy1m_cpu_s_per_gb zc_cpu_s_per_gb gbytes_s_ratio cpu_ratio; do
			t=$(jq -r ".modes[\"$mode\"].large.$row.$key | type" "$TMP/bench.json")
			[ "$t" = number ] || fail "$mode.large.$row.$key is $t"
		done
	done
done
pass "large transfers: every variant reported"
expect_status "bench xpu --large-runs 0 is refused" 2 "$HP" bench xpu --large-runs 0
expect_eq "ratios against the three baselines" "$(jq -r '.ratios | keys | join(",")' "$TMP/bench.json")" \
	"kernel-bypass,kernel-path,loopback"
expect_eq "every oversubscribed request was answered" \
	"$(jq -r '[.modes[].oversub_requests] | unique | length' "$TMP/bench.json")" 1
# Only this run's node: another bench may be running beside the test.
bx=$(jq -r .setup.node "$TMP/bench.json")
expect_match "the report names its node" "$bx" '^bx[0-9a-f]{4}$'
expect_eq "the bench node is gone" "$(ip netns list | grep -c "^$bx\.")" 0
expect_eq "its windows are gone" "$(ls /dev/shm | grep -c "^heteropod\.$bx\.")" 0
expect_eq "its state is gone" "$(ls /run/heteropod | grep -c "^$bx\$")" 0
finish
