#!/usr/bin/env bash
# The plugin's suite inside real Nova 34: build (or reuse) the real-Nova
# virtualenv, then run plugin/nova34_tests with stestr from plugin/, where
# `import nova` is upstream Nova and never this tree.  The real-QEMU test
# runs in a process of its own (libvirt's event loop and Nova's thread
# pools outlive a test; Nova's fixtures refuse to start after them).
# Prints a closing "N passed, N failed" line; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
venv=$(tools/build-nova-venv.sh) || exit 1
cd plugin
log=.stestr-run.log
rm -rf .stestr
: > "$log"
"$venv/bin/python" -m stestr run --concurrency "${NOVA34_CONCURRENCY:-2}" \
    --exclude-regex 'test_real_qemu' >> "$log" 2>&1
rc1=$?
"$venv/bin/python" -m stestr run --concurrency 1 'test_real_qemu' \
    >> "$log" 2>&1
rc2=$?
rm -rf .stestr
# Every failing test by name (the details are in the log).
grep -E '\.\.\. FAILED$' "$log" || true
# stestr's totals, summed over both runs: " - Passed: N".
total() {
    awk -v what=" - $1: " 'index($0, what) == 1 {
        n += substr($0, length(what) + 1) } END { print n + 0 }' "$log"
}
passed=$(total Passed)
failed=$(( $(total Failed) + $(total 'Unexpected Success') ))
skipped=$(total Skipped)
echo "real Nova 34 (plugin): ${passed} passed, ${failed} failed, ${skipped} skipped (log: plugin/${log})"
if [ "$rc1" != 0 ] || [ "$rc2" != 0 ] || [ "$failed" != 0 ] ||
        [ "$passed" = 0 ]; then
    exit 1
fi
