#!/usr/bin/env bash
# Build (or reuse) the real-Nova test virtualenv: Nova 34 from PyPI with its
# test requirements (plugin/nova34-requirements.txt) and the plugin
# installed from ./plugin the way an operator installs it (not editable, no
# file of this tree's `nova` package).  Prints the virtualenv's path.
# Rebuilt only when the requirements or the plugin's sources change: the
# first build takes about 2 minutes, a reuse well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${NOVA_VENV:-$PWD/.venv-nova34}
PYTHON=${PYTHON:-python3}

# What is installed: the requirements and the plugin's package (its tests
# run from the source tree and need no reinstall).
stamp=$( (cat plugin/nova34-requirements.txt plugin/pyproject.toml;
          find plugin/nova_maxphysaddr -name '*.py' | LC_ALL=C sort |
              xargs cat) | sha256sum | cut -d' ' -f1)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
quiet() {
    # pip's output only when it fails.
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        echo "build-nova-venv: failed: $*" >&2
        exit 1
    fi
}
if [ "$(cat "$VENV/.build-stamp" 2>/dev/null)" != "$stamp" ]; then
    if [ ! -x "$VENV/bin/python" ]; then
        echo "build-nova-venv: creating $VENV (nova 34 from PyPI, ~1 min)" >&2
        quiet "$PYTHON" -m venv "$VENV"
        quiet "$VENV/bin/pip" install -q --upgrade pip wheel
    fi
    quiet "$VENV/bin/pip" install -q -r plugin/nova34-requirements.txt
    echo "build-nova-venv: installing ./plugin into $VENV" >&2
    rm -rf plugin/build
    quiet "$VENV/bin/pip" install -q --no-deps --force-reinstall ./plugin
    rm -rf plugin/build plugin/*.egg-info
    echo "$stamp" > "$VENV/.build-stamp"
fi
echo "$VENV"
