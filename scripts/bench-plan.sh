#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The planner's benchmark as docs/planner.md reports it: every family of
# random instances (applications moving, sidecars only, DPUs short of
# memory; one to eight DPUs; 10 to 5000 containers), run by one heteropod
# binary or by two, one after the other within each family, and printed
# as the docs' Markdown tables, before/after where there are two, with
# the totals: proven up to 2000 containers and in all, the slowest solves,
# the largest gap left per family. A benchmark: it never fails on timing.
#
#   taskset -c 0,1 scripts/bench-plan.sh [--out DIR] [--time-limit S] [--smoke] BIN [BIN2]
# BIN, BIN2: heteropod binaries (e.g. build/heteropod and an older build's).
# --out DIR keeps each run's `bench plan --json` output there, FAMILY.N.json.
# --smoke: one instance of 10 containers a family, for tests of the script.
set -euo pipefail

OUT=
LIMIT=2
BINS=()
SMOKE=()
usage() { sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	--out) OUT=${2:?--out needs a directory}; shift 2 ;;
	--time-limit) LIMIT=${2:?--time-limit needs seconds}; shift 2 ;;
	--smoke) SMOKE=(--sizes 10 --seeds 1); shift ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "bench-plan: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	*) BINS+=("$1"); shift ;;
	esac
done
if [ ${#BINS[@]} -lt 1 ] || [ ${#BINS[@]} -gt 2 ]; then
	echo "bench-plan: give one heteropod binary, or two to compare" >&2
	exit 2
fi
for b in "${BINS[@]}"; do
	if [ ! -x "$b" ]; then
		echo "bench-plan: '$b' is not an executable heteropod binary" >&2
		exit 2
	fi
done
if ! [[ $LIMIT =~ ^[0-9]+([.][0-9]+)?$ ]]; then
	echo "bench-plan: --time-limit '$LIMIT' is not a number of seconds" >&2
	exit 2
fi
command -v jq >/dev/null || { echo "bench-plan: needs jq (scripts/deps.sh)" >&2; exit 2; }
KEEP=$OUT
NONE=$(mktemp -d) # --manifests: none, the random instances alone
if [ -z "$OUT" ]; then
	OUT=$(mktemp -d)
	trap 'rm -rf "$OUT" "$NONE"' EXIT
else
	mkdir -p "$OUT"
	trap 'rmdir "$NONE"' EXIT
fi

ALL=10,20,50,100,200,500,1000,2000
MEM=20,50,100,200,500,1000,2000
# name|heading|arguments
FAMILIES=(
	"apps1|Applications may move, one DPU, 5 seeds|--dpus 1 --seeds 5 --sizes $ALL,5000"
	"apps2|two DPUs|--dpus 2 --seeds 5 --sizes $ALL,5000"
	"apps3|three DPUs|--dpus 3 --seeds 5 --sizes $ALL,5000"
	"apps4|four DPUs, 10 seeds|--dpus 4 --seeds 10 --sizes $ALL"
	"apps6|six DPUs, 5 seeds|--dpus 6 --seeds 5 --sizes $ALL"
	"apps8|eight DPUs (the most a node may have), 5 seeds|--dpus 8 --seeds 5 --sizes $ALL"
	"side1|Sidecars only (\`--sidecars-only\`), one DPU, 5 seeds|--sidecars-only --dpus 1 --seeds 5 --sizes $ALL"
	"side2|two DPUs|--sidecars-only --dpus 2 --seeds 5 --sizes $ALL"
	"side3|three DPUs|--sidecars-only --dpus 3 --seeds 5 --sizes $ALL"
	"side4|four DPUs|--sidecars-only --dpus 4 --seeds 5 --sizes $ALL"
	"side4x20|four DPUs, 20 seeds|--sidecars-only --dpus 4 --seeds 20 --sizes $ALL"
	"mem1|DPUs short of memory (\`--memory 0.5\`), one DPU, 5 seeds|--memory 0.5 --dpus 1 --seeds 5 --sizes $MEM"
	"mem2|two DPUs|--memory 0.5 --dpus 2 --seeds 5 --sizes $MEM"
	"mem3|three DPUs|--memory 0.5 --dpus 3 --seeds 5 --sizes $MEM"
	"mem3x10|three DPUs, 10 seeds|--memory 0.5 --dpus 3 --seeds 10 --sizes 500,1000,2000"
	"mem2x20|two DPUs, 20 seeds|--memory 0.5 --dpus 2 --seeds 20 --sizes 50,100,200,500"
)

# One row per size: containers proven instances median max gap, from run N.
rows() {
	jq -r '.random[] | [.containers, .proven_optimal, .instances, .median_ms, .max_ms,
			    .max_rel_gap] | @tsv' "$OUT/$1.$2.json"
}

n=${#BINS[@]} i=0
for f in "${FAMILIES[@]}"; do
	IFS='|' read -r name heading args <<<"$f"
	i=$((i + 1))
	for k in $(seq 0 $((n - 1))); do
		echo "bench-plan: $i/${#FAMILIES[@]} $name, ${BINS[k]}" >&2
		# shellcheck disable=SC2086 # the family's arguments, split on purpose
		"${BINS[k]}" bench plan --json --time-limit "$LIMIT" --manifests "$NONE" \
			$args "${SMOKE[@]}" >"$OUT/$name.$k.json"
	done
done

# Tables, then totals over every family.
declare -A proven total slow gap
for f in "${FAMILIES[@]}"; do
	IFS='|' read -r name heading args <<<"$f"
	printf '\n%s:\n\n' "$heading"
	if [ "$n" = 2 ]; then
		echo "| containers | proven, before | proven, after | median ms, before / after | max ms, before / after | gap left, after |"
		echo "|---|---|---|---|---|---|"
		paste <(rows "$name" 0) <(rows "$name" 1) |
			awk -F'\t' '{ printf "| %d | %d/%d | %d/%d | %.1f / %.1f | %.1f / %.1f | %.2g |\n",
				     $1, $2, $3, $8, $9, $4, $10, $5, $11, $12 }'
	else
		echo "| containers | proven | median ms | max ms | gap left |"
		echo "|---|---|---|---|---|"
		rows "$name" 0 | awk -F'\t' '{ printf "| %d | %d/%d | %.1f | %.1f | %.2g |\n",
					       $1, $2, $3, $4, $5, $6 }'
	fi
	for k in $(seq 0 $((n - 1))); do
		while IFS=$'\t' read -r c p t _ mx g; do
			big=$([ "$c" -gt 2000 ] && echo 5000 || echo 2000)
			proven[$k.$big]=$((${proven[$k.$big]:-0} + p))
			total[$k.$big]=$((${total[$k.$big]:-0} + t))
			slow[$k.$big]=$(awk -v a="${slow[$k.$big]:-0}" -v b="$mx" 'BEGIN { print (b > a ? b : a) }')
			gap[$k.$name]=$(awk -v a="${gap[$k.$name]:-0}" -v b="$g" 'BEGIN { print (b > a ? b : a) }')
		done < <(rows "$name" "$k")
	done
done

echo
for k in $(seq 0 $((n - 1))); do
	label=${BINS[k]}
	[ "$n" = 2 ] && label="$([ "$k" = 0 ] && echo before || echo after) (${BINS[k]})"
	up=${proven[$k.2000]:-0} upn=${total[$k.2000]:-0}
	all=$((up + ${proven[$k.5000]:-0})) alln=$((upn + ${total[$k.5000]:-0}))
	printf -- '- %s: proven up to 2000 containers %d of %d, all %d of %d; slowest solve up to 2000 %.1f ms, at 5000 %.1f ms\n' \
		"$label" "$up" "$upn" "$all" "$alln" "${slow[$k.2000]:-0}" "${slow[$k.5000]:-0}"
	printf '  largest gap left:'
	for f in "${FAMILIES[@]}"; do
		name=${f%%|*}
		printf ' %s %.2g%%' "$name" "$(awk -v g="${gap[$k.$name]}" 'BEGIN { print g * 100 }')"
	done
	echo
done
[ -n "$KEEP" ] && echo "bench-plan: the runs' JSON is in $KEEP" >&2
exit 0
