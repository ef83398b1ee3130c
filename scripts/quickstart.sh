#!/usr/bin/env bash
# The README's first Quick start command: install what is missing, build the release binary,
# and run the daemon on the bundled example (etc/augmentd/examples/demo.toml): it watches
# ./demo/inbox, where two sample images are already waiting, and grows ./demo/dataset.
set -euo pipefail
cd "$(dirname "$0")/.."

# The build's libraries, and what the second Quick start command (`swift test`) uses: Python with
# numpy and Pillow (the reference checker, the tiny trainer), systemd-analyze, git.
packages=(pkg-config libpng-dev libjpeg-dev libwebp-dev libtiff-dev libssl-dev libsqlite3-dev libpq-dev python3 python3-numpy python3-pil systemd git)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    # Another apt run (unattended-upgrades at boot) holds the lock: wait for it rather than fail.
    $sudo apt-get -o DPkg::Lock::Timeout=120 update -qq
    $sudo apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${missing[@]}"
fi

# AUGMENTD_BIN=path uses an already built binary (the test suite runs this script that way).
bin="${AUGMENTD_BIN:-.build/release/augmentd}"
if [ -z "${AUGMENTD_BIN:-}" ]; then
    swift build -c release --product augmentd
fi
config=etc/augmentd/examples/demo.toml

# The first folder below the inbox names the class; copies, because the daemon moves what it takes.
mkdir -p demo/inbox/samples
cp etc/augmentd/examples/images/*.jpg demo/inbox/samples/

cat <<MSG

augmentd is running on $config.
  Drop images into   $(pwd)/demo/inbox/<label>/      (a folder per class)
  Dataset grows in   $(pwd)/demo/dataset/train|val/<label>/
  Bad files go to    $(pwd)/demo/inbox/.failed/ with a .error.txt saying why
  Preview a profile: $bin preview IMAGE --config $config --profile photos --out sheet.png
Stop with Ctrl-C.

MSG
exec "$bin" run --config "$config"
