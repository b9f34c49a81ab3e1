#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build each tests/fuzz/fuzz-*.c with libFuzzer + ASan + UBSan and run it for
# a few seconds (CI) or longer (FUZZ_SECONDS=600 tests/fuzz/run.sh).
# A target says in comment lines which library sources it needs
# ("FUZZ-SOURCES:", globs relative to src/lib), extra link flags
# ("FUZZ-LIBS:"), seed files ("FUZZ-CORPUS:", globs relative to the
# repository) and its largest input ("FUZZ-MAXLEN:", default 4096).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=${FUZZ_OUT:-${HP_BUILD:-$src/build}/fuzz}
seconds=${FUZZ_SECONDS:-10}
mkdir -p "$out"

if ! command -v clang >/dev/null; then
	echo "SKIP: clang not found"
	exit 77
fi

status=0
for target in "$here"/fuzz-*.c; do
	name=$(basename "$target" .c)
	sources=$(sed -n 's/.*FUZZ-SOURCES:\(.*\)/\1/p' "$target")
	libs=$(sed -n 's/.*FUZZ-LIBS:\(.*\)/\1/p' "$target")
	seeds=$(sed -n 's/.*FUZZ-CORPUS:\(.*\)/\1/p' "$target")
	maxlen=$(sed -n 's/.*FUZZ-MAXLEN: *\([0-9]*\).*/\1/p' "$target")
	files=()
	for s in $sources; do
		for f in "$src"/src/lib/$s; do files+=("$f"); done
	done
	# shellcheck disable=SC2086
	clang -g -O1 -D_GNU_SOURCE -std=gnu11 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I"$src/src/lib" \
		"$target" "${files[@]}" -o "$out/$name" $libs -lm
	mkdir -p "$out/$name.corpus"
	[ -d "$here/corpus/$name" ] && cp -n "$here/corpus/$name"/* "$out/$name.corpus/" 2>/dev/null || true
	for s in $seeds; do
		for f in "$src"/$s; do [ -f "$f" ] && cp -n "$f" "$out/$name.corpus/"; done
	done
	echo "fuzz: $name for ${seconds}s"
	if ! "$out/$name" -artifact_prefix="$out/$name-" -max_total_time="$seconds" -max_len="${maxlen:-4096}" -print_final_stats=1 \
		"$out/$name.corpus" >"$out/$name.log" 2>&1; then
		echo "fuzz: $name FAILED"
		tail -40 "$out/$name.log"
		status=1
	else
		grep -E 'stat::number_of_executed_units' "$out/$name.log" || true
	fi
done
exit $status
