#!/usr/bin/env bash
# Fetch a second QEMU for the sizing-rule tests, without installing it:
# Debian bookworm-backports' QEMU 10.0, extracted into a cache directory.
#
#   tools/fetch-qemu.sh          # prints the extracted root
#
# The system's QEMU (Debian 12: 7.2) stays as it is.  apt's own state is not
# touched either: the backports index goes to a private lists directory.
# Works as any user (apt-get download needs no root); a second run with the
# root already extracted does nothing.
set -euo pipefail

QEMU_SUITE=bookworm-backports
QEMU_SERIES=10.0
PACKAGES=(qemu-system-x86 qemu-system-data qemu-system-common seabios)
CACHE=${NOVA_MAXPHYSADDR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nova-maxphysaddr}
ROOT=$CACHE/qemu-$QEMU_SERIES/root
BINARY=$ROOT/usr/bin/qemu-system-x86_64

if [ -x "$BINARY" ]; then
    echo "$ROOT"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/debs"
cat > "$work/sources" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $QEMU_SUITE main
EOF
apt_opts=(
    -o "Dir::Etc::sourcelist=$work/sources" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work"
    -o "Dir::Cache::archives=$work/archives" -o "Debug::NoLocking=1"
    -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=$(id -un)" -qq)
echo "fetch-qemu: downloading QEMU $QEMU_SERIES from $QEMU_SUITE" >&2
apt-get "${apt_opts[@]}" update
(cd "$work/debs" && apt-get "${apt_opts[@]}" download \
    "${PACKAGES[@]/%//$QEMU_SUITE}")
mkdir -p "$ROOT.new"
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$ROOT.new"
done
"$ROOT.new/usr/bin/qemu-system-x86_64" --version | grep -q "version $QEMU_SERIES" || {
    echo "fetch-qemu: the $QEMU_SUITE QEMU is not $QEMU_SERIES:" >&2
    "$ROOT.new/usr/bin/qemu-system-x86_64" --version >&2
    exit 1
}
rm -rf "$ROOT"
mv "$ROOT.new" "$ROOT"
echo "$ROOT"
