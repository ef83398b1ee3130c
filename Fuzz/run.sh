#!/usr/bin/env bash
# Fuzzes the PNG/JPEG decoders with libFuzzer + AddressSanitizer.
#   Fuzz/run.sh [SECONDS]     (default 300)
# Seeds: Fuzz/seeds (the bad-input corpus and valid files); crashers land in Fuzz/crashers
# and must be kept there as regression cases (Tests/CodecsTests/FuzzRegressionTests.swift).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-300}"
clang="${CLANG:-$(dirname "$(command -v swift)")/clang}"
src=../Sources/CImageCodecs
"$clang" -g -O1 -fsanitize=fuzzer,address,undefined -I"$src/include" -I"$src" \
    $(pkg-config --cflags libpng16 libjpeg) fuzz_decode.c "$src"/*.c \
    $(pkg-config --libs libpng16 libjpeg) -o fuzz_decode
mkdir -p corpus-work crashers
./fuzz_decode -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    -artifact_prefix=crashers/ corpus-work seeds
