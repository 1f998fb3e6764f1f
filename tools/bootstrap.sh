#!/usr/bin/env bash
# Set up everything the project needs on a Debian 12 machine, idempotently:
# Debian packages (libvirt headers to build libvirt-python, libvirt's schemas,
# QEMU and libvirt's QEMU driver for the real-QEMU paths), a virtualenv in
# .venv, and the project with its test requirements installed into it.
# A second run with nothing changed takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
    libvirt-dev pkg-config          # build libvirt-python
    libvirt0                        # libvirt, its test driver and RNG schemas
    libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86  # real QEMU
    python3-venv                    # Debian's python3 has no venv without it
    gcc python3-dev                 # compile libvirt-python
)

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else echo "bootstrap: need root (or sudo) to run: $*" >&2; return 1
    fi
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in *"ok installed"*) ;; *) missing+=("$pkg") ;; esac
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
fi

# libvirt's QEMU driver (also embedded, qemu:///embed) looks up its
# compiled-in QEMU user and group even when qemu.conf runs QEMU as root;
# Debian creates them only in libvirt-daemon-system, which we do not install.
# As any other user the driver runs QEMU as that user and looks up no one.
if [ "$(id -u)" = 0 ]; then
    getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
    getent passwd libvirt-qemu >/dev/null ||
        useradd --system --gid libvirt-qemu --no-create-home \
            --home-dir /var/lib/libvirt --shell /usr/sbin/nologin libvirt-qemu
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "bootstrap: creating .venv"
    "$PYTHON" -m venv .venv
fi

# Reinstall only when what we install from has changed.
stamp=$(cat requirements.txt test-requirements.txt doc/requirements.txt \
        setup.cfg pyproject.toml plugin/pyproject.toml 2>/dev/null |
        sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.bootstrap-stamp 2>/dev/null)" != "$stamp" ]; then
    echo "bootstrap: installing Python packages into .venv (first run: ~1 min)"
    log=$(mktemp)
    quiet() {
        # pip's warnings only when it fails.
        if ! "$@" >"$log" 2>&1; then
            cat "$log" >&2
            echo "bootstrap: failed: $*" >&2
            rm -f "$log"
            exit 1
        fi
    }
    quiet .venv/bin/pip install -q --upgrade pip wheel
    quiet .venv/bin/pip install -q -r requirements.txt \
        -r test-requirements.txt -r doc/requirements.txt
    # The shared rules (nova_maxphysaddr), then this tree.
    quiet .venv/bin/pip install -q --no-deps -e ./plugin
    quiet .venv/bin/pip install -q --no-deps -e .
    rm -f "$log"
    echo "$stamp" > .venv/.bootstrap-stamp
fi
