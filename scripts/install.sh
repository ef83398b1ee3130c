#!/usr/bin/env bash
# Installs augmentd as a systemd service:
#   /usr/local/bin/augmentd                    the release binary (built here unless AUGMENTD_BIN names one)
#   /etc/systemd/system/augmentd.service       the unit (hardened; see its comments)
#   /etc/augmentd/augmentd.toml                the configuration (never overwritten: a newer example
#                                              goes to augmentd.toml.example)
#   user and group `augmentd`; /srv/augmentd/{inbox,dataset} owned by it
# Then: systemctl enable --now augmentd
#
# DESTDIR=/some/root installs below that folder instead (for packaging; no user is created and
# systemd is not told). PREFIX=/usr/local by default.
set -euo pipefail
cd "$(dirname "$0")/.."
destdir="${DESTDIR:-}"
prefix="${PREFIX:-/usr/local}"

bin="${AUGMENTD_BIN:-}"
if [ -z "$bin" ]; then
    swift build -c release --product augmentd
    bin=.build/release/augmentd
fi

install -d "$destdir$prefix/bin" "$destdir/etc/systemd/system" "$destdir/etc/augmentd"
install -m 0755 "$bin" "$destdir$prefix/bin/augmentd"
sed "s#/usr/local/bin/augmentd#$prefix/bin/augmentd#" systemd/augmentd.service > "$destdir/etc/systemd/system/augmentd.service"
chmod 0644 "$destdir/etc/systemd/system/augmentd.service"
if [ -e "$destdir/etc/augmentd/augmentd.toml" ]; then
    install -m 0644 etc/augmentd/augmentd.toml "$destdir/etc/augmentd/augmentd.toml.example"
    echo "kept the existing /etc/augmentd/augmentd.toml; the new example is augmentd.toml.example"
else
    install -m 0644 etc/augmentd/augmentd.toml "$destdir/etc/augmentd/augmentd.toml"
fi

owner=()
if [ -z "$destdir" ]; then
    if ! getent passwd augmentd >/dev/null; then
        useradd --system --user-group --home-dir /var/lib/augmentd --no-create-home --shell /usr/sbin/nologin augmentd
    fi
    owner=(-o augmentd -g augmentd)
fi
install -d "${owner[@]}" -m 0755 "$destdir/srv/augmentd" "$destdir/srv/augmentd/inbox" "$destdir/srv/augmentd/dataset"

"$destdir$prefix/bin/augmentd" check-config --skip-path-checks "$destdir/etc/augmentd/augmentd.toml" >/dev/null
if [ -z "$destdir" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
fi
cat <<MSG
installed augmentd $("$destdir$prefix/bin/augmentd" --version) to $destdir$prefix/bin/augmentd
next:  systemctl enable --now augmentd      then drop images into /srv/augmentd/inbox/<label>/
       journalctl -u augmentd -f            its log;  augmentd status --config /etc/augmentd/augmentd.toml
MSG
