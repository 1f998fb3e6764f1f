#!/usr/bin/env bash
# The whole suite: the tree's tests with pytest (unit, functional, e2e on
# real QEMU, the KVM tier and the QEMU version matrix), then the plugin's
# tests inside real Nova 34 (tools/run-nova34-tests.sh, which builds its
# virtualenv on first use).  Exits non-zero on any failure, and when pytest
# collected no test at all (its exit status 5).
#   tools/run-tests.sh                 everything
#   tools/run-tests.sh PYTEST_ARGS...  only pytest, with these arguments
set -uo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
    .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
    rc=$?
    [ "$rc" = 5 ] && { echo "run-tests: no tests were collected" >&2; exit 1; }
    exit "$rc"
fi
.venv/bin/python -m pytest -q -p no:cacheprovider tests
rc=$?
if [ "$rc" = 5 ]; then
    echo "run-tests: no tests were collected" >&2
    rc=1
fi
tools/run-nova34-tests.sh
plugin_rc=$?
if [ "$rc" != 0 ] || [ "$plugin_rc" != 0 ]; then
    echo "run-tests: FAILED (tree suite exit $rc, real-Nova suite exit $plugin_rc)" >&2
    exit 1
fi
echo "run-tests: all suites passed"
