#!/usr/bin/env bash
# The README's first Quick start command: install what is missing, build the release binary,
# and run augmentd on the bundled example (etc/augmentd/examples/demo.toml), writing ./demo.
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
config=etc/augmentd/examples/demo.toml
samples=etc/augmentd/examples/images

echo
echo "== what augmentd sees in the bundled samples"
"$bin" inspect "$samples"/*
echo
echo "== augmenting them into ./demo/dataset (profile \"photos\": 8 variants each)"
"$bin" augment "$samples" --config "$config" --profile photos --label samples --out demo/dataset
"$bin" preview "$samples/cat-chelsea.jpg" --config "$config" --profile recipe --out demo/preview.png
echo
echo "Dataset: $(pwd)/demo/dataset   (load it with Keras image_dataset_from_directory or torchvision ImageFolder)"
echo "Contact sheet of the \"recipe\" profile: $(pwd)/demo/preview.png"
echo "Next: drop your own images into a folder and run: $bin augment FOLDER --config $config --profile photos --out demo/dataset"
