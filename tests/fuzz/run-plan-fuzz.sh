#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the planner's manifest fuzzer with clang -fsanitize=fuzzer and run it
# briefly (FUZZ_SECONDS, default 60) on the real manifests as the corpus.
set -eu
SRC="${HP_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
MAN="${HETEROPOD_MANIFESTS:-$SRC/../shared/manifests}"
command -v clang >/dev/null || { echo "no clang"; exit 77; }
out=$(mktemp -d /tmp/hp-plan-fuzz.XXXXXX)
trap 'rm -rf "$out"' EXIT
clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-I"$SRC/src/lib" "$SRC/tests/fuzz/fuzz-plan-manifest.c" "$SRC"/src/lib/plan/*.c \
	"$SRC/src/lib/util/util.c" "$SRC/src/lib/config/config.c" "$SRC/src/lib/netns/addr.c" \
	-lyaml -ljansson -lglpk -lm -o "$out/fuzz"
mkdir -p "$out/corpus"
[ -d "$MAN" ] && cp "$MAN"/*/*.yaml "$out/corpus/" 2>/dev/null || true
"$out/fuzz" -max_total_time="${FUZZ_SECONDS:-60}" -max_len=65536 "$out/corpus"
