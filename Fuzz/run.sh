#!/usr/bin/env bash
# Fuzzes the PNG/JPEG/WebP/TIFF decoders' C boundary with libFuzzer + AddressSanitizer + UBSan.
#   Fuzz/run.sh [SECONDS]     fuzz for SECONDS (default 300)
#   Fuzz/run.sh replay        run every seed and every kept crasher once (CI does this)
# Seeds: Fuzz/seeds (the bad-input corpus and valid files). Crashers land in Fuzz/crashers and
# stay there as regression cases.
set -euo pipefail
cd "$(dirname "$0")"
clang="${CLANG:-$(dirname "$(readlink -f "$(command -v swift)")")/clang}"
src=../Sources/CImageCodecs
"$clang" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$src/include" -I"$src" $(pkg-config --cflags libpng16 libjpeg libwebpdemux libtiff-4) fuzz_decode.c "$src"/*.c \
    $(pkg-config --libs libpng16 libjpeg libwebp libwebpdemux libtiff-4) -o fuzz_decode
mkdir -p corpus-work crashers
if [ "${1:-}" = "replay" ]; then
    ./fuzz_decode seeds/* crashers/*
    exit
fi
./fuzz_decode -max_total_time="${1:-300}" -max_len=65536 -rss_limit_mb=2048 \
    -artifact_prefix=crashers/ corpus-work seeds
