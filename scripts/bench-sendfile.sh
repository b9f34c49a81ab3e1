#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A large file served by nginx (`sendfile on`, dpu0) and fetched by curl
# (host) across the halves, side by side on one emulated node:
#   kernel-path   both --no-accel: TCP over the PU link, the kernel's sendfile
#   LABEL         both preloaded with the libheteropod-preload.so found in DIR
#                 (default: "window", the build's own library)
# Reports, per variant, the median and range over ROUNDS fetches (variants
# interleaved) of the transfer rate and of the CPU time of both PU
# partitions (cgroup cpuacct) per GB. A benchmark: it never fails on timing.
#
#   scripts/bench-sendfile.sh [--size MiB] [--rounds N] [LABEL=DIR[:ENV=VALUE]]...
# DIR must hold heteropod, heteropodd and libheteropod-preload.so (the
# interposer is the one beside the heteropod binary); ENV=VALUE is set for
# both ends (e.g. old=/tmp/old:HETERONET_ZEROCOPY=0).
HP_BUILD=${HP_BUILD:-$(cd "$(dirname "$0")/../build" && pwd)}
source "$(dirname "$0")/../tests/integration/lib.sh"

SIZE=256
ROUNDS=5
VARIANTS=()
while [ $# -gt 0 ]; do
	case $1 in
	--size) SIZE=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	-h | --help)
		sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*=*) VARIANTS+=("$1"); shift ;;
	*) echo "bench-sendfile: unexpected argument '$1'" >&2; exit 2 ;;
	esac
done
[[ $SIZE =~ ^[0-9]+$ && $ROUNDS =~ ^[0-9]+$ && $SIZE -gt 0 && $ROUNDS -gt 0 ]] ||
	{ echo "bench-sendfile: --size and --rounds want positive numbers" >&2; exit 2; }
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=("window=$HP_BUILD")
command -v nginx >/dev/null && command -v curl >/dev/null ||
	{ echo "SKIP: needs nginx and curl"; exit 77; }

"$HP" node up >/dev/null || { echo "node up failed" >&2; exit 1; }
"$HP" pod create web >/dev/null || { echo "pod create failed" >&2; exit 1; }
mkdir -p "$TMP/www"
head -c $((SIZE << 20)) /dev/urandom >"$TMP/www/big.bin"

cpu_ns() {
	local s=0 pu
	for pu in host dpu0; do
		s=$((s + $(cat "/sys/fs/cgroup/cpuacct/heteropod.$NODE/$pu/cpuacct.usage")))
	done
	echo $s
}

# start_nginx PORT HP MODE ENV...: nginx (master + 1 worker, daemon) on dpu0.
start_nginx() {
	local port=$1 hp=$2 mode=$3
	shift 3
	cat >"$TMP/nginx-$port.conf" <<EOF
daemon on;
master_process on;
worker_processes 1;
env HETERONET_STATS;
env HETERONET_ZEROCOPY;
pid $TMP/nginx-$port.pid;
error_log $TMP/nginx-$port.err;
events { worker_connections 64; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $TMP/b-$port;
	proxy_temp_path $TMP/p-$port;
	fastcgi_temp_path $TMP/f-$port;
	uwsgi_temp_path $TMP/u-$port;
	scgi_temp_path $TMP/s-$port;
	server { listen 127.0.0.1:$port; root $TMP/www; }
}
EOF
	env "$@" "$hp" exec web --pu dpu0 "$mode" -- nginx -c "$TMP/nginx-$port.conf" \
		-e "$TMP/nginx-$port.err" || return 1
	wait_for "$TMP/nginx-$port.pid"
	STARTED_PIDS+=("$(cat "$TMP/nginx-$port.pid")")
	wait_routed web host "$port"
}

# One variant per port: label, heteropod binary, mode, environment.
LABELS=(kernel-path) HPS=("$HP") MODES=(--no-accel) ENVS=("")
for v in "${VARIANTS[@]}"; do
	label=${v%%=*} rest=${v#*=}
	dir=${rest%%:*} envv=""
	[ "$rest" != "$dir" ] && envv=${rest#*:}
	[ -x "$dir/heteropod" ] && [ -e "$dir/libheteropod-preload.so" ] ||
		{ echo "bench-sendfile: $dir lacks heteropod or libheteropod-preload.so" >&2; exit 2; }
	LABELS+=("$label") HPS+=("$dir/heteropod") MODES+=(--accel) ENVS+=("$envv")
done
for i in "${!LABELS[@]}"; do
	# shellcheck disable=SC2086
	start_nginx $((8380 + i)) "${HPS[$i]}" "${MODES[$i]}" ${ENVS[$i]} ||
		{ echo "nginx for ${LABELS[$i]} did not start" >&2; exit 1; }
done

declare -A RATE CPU
for ((r = 0; r < ROUNDS; r++)); do
	for i in "${!LABELS[@]}"; do
		c0=$(cpu_ns)
		# shellcheck disable=SC2086
		bps=$(env ${ENVS[$i]} "${HPS[$i]}" exec web --pu host "${MODES[$i]}" -- \
			curl -sf -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$((8380 + i))/big.bin")
		c1=$(cpu_ns)
		RATE[$i]+="$bps "
		CPU[$i]+="$(awk -v c=$((c1 - c0)) -v b=$((SIZE << 20)) 'BEGIN {printf "%.4f", c / 1e9 / (b / 1e9)}') "
	done
done

stats() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.3f (%.3f-%.3f)", m, v[1], v[NR]}'; }
printf "nginx sendfile -> curl, %d MiB file, %d rounds: median (min-max)\n" "$SIZE" "$ROUNDS"
printf "%-14s %-26s %-26s\n" variant "GB/s" "CPU s (both PUs) per GB"
for i in "${!LABELS[@]}"; do
	rate=$(for b in ${RATE[$i]}; do awk -v b="$b" 'BEGIN {printf "%.4f ", b / 1e9}'; done | stats)
	printf "%-14s %-26s %-26s\n" "${LABELS[$i]}" "$rate" "$(echo "${CPU[$i]}" | stats)"
done
