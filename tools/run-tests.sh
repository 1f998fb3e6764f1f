#!/usr/bin/env bash
# Run the whole suite with pytest; exit non-zero on any failure, and when no
# test ran at all (pytest's exit status 5).
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest -q -p no:cacheprovider "${@:-tests}"
rc=$?
if [ "$rc" = 5 ]; then
    echo "run-tests: no tests were collected" >&2
    exit 1
fi
exit "$rc"
