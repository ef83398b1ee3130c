#!/usr/bin/env bash
# The README's first Quick start command: install what is missing, build the release binary,
# and show augmentd at work on the bundled sample images.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(pkg-config libpng-dev libjpeg-dev libssl-dev libsqlite3-dev)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

swift build -c release --product augmentd
bin=.build/release/augmentd
echo
echo "== augmentd inspect on the bundled samples"
"$bin" inspect etc/augmentd/examples/images/*
