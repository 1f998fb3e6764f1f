#!/usr/bin/env python3
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Benchmark the scheduler side of maxphysaddr, against upstream Nova.

    .venv/bin/python tools/bench_scheduler.py [--hosts N] [--repeat R]
                                              [--with-upstream]

(``./run bench`` runs exactly this.)  10,000 compute nodes by default, each
with the ``cpu_info`` JSON string a libvirt compute node stores: the 74
features of the real AMD host in tests/fixtures plus the 26 baseline flags
of its CPU model (100 flags), widths 36 to 52 bits, and about one host in
seven without ``maxphysaddr`` (old libvirt).  Every request below runs
through both filters; the table gives per-host microseconds (the best of
``--repeat`` runs over all hosts, ``time.perf_counter``) and how many hosts
passed, and per-call microseconds for ``ResourceRequest.from_request_spec``
for each request, so that what the feature adds to a call shows against
the requests without it.  The runs are interleaved (each round times every
case once), so that a burst of load on a shared machine costs one round,
not one case's figure.  ``--record`` writes the results for the docs
(doc/source/data/bench-scheduler.json, shown by the ``bench-results``
directive).

Ours is measured two ways: ``host_passes`` called per host (Nova's own
calling convention), and the filter handler (one ``prepare`` per request,
then the per-host check, recording every rejection with its reason).

Upstream Nova runs the same workload in its own interpreter, a throw-away
virtualenv outside the project (never a dependency of it)::

    python3 -m venv /tmp/nova-upstream
    /tmp/nova-upstream/bin/pip install nova==34.0.0

``--with-upstream`` creates it when missing; without it the upstream
columns say how to.  The upstream side is this same file, run with
``--upstream-worker``, reading the workload this side wrote.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(
    REPO, 'tests', 'fixtures',
    'host-capabilities-amd-x86_64-48bit-libvirt-9.0.xml')
UPSTREAM_VENV = '/tmp/nova-upstream'
UPSTREAM_VERSION = '34.0.0'
SEED = 20240514
DEFAULT_HOSTS = 10000
DEFAULT_REPEAT = 15
REQUEST_SPEC_CALLS = 2000
MIN_BITS, MAX_BITS = 36, 52
# About one host in seven reports no width (libvirt older than 8.7).
NO_MAXPHYSADDR_ONE_IN = 7
# Targets (doc/source/contributor/scheduler-performance.rst): per host per
# filter for a maxphysaddr request, on both paths; with nothing to check;
# per from_request_spec call, and what the feature may add to one.
TARGET_FILTER_US = 0.3
TARGET_NOTHING_TO_CHECK_US = 0.15
TARGET_FROM_REQUEST_SPEC_US = 10.0
TARGET_FEATURE_OVERHEAD = 0.10
RECORD = os.path.join(REPO, 'doc', 'source', 'data', 'bench-scheduler.json')

# The CPU model's own flags, which libvirt does not list as extra features
# but /proc/cpuinfo (and a host-model guest) has.
BASELINE_FLAGS = [
    'fpu', 'vme', 'de', 'pse', 'tsc', 'msr', 'pae', 'mce', 'cx8', 'apic',
    'sep', 'mtrr', 'pge', 'mca', 'cmov', 'pat', 'pse36', 'clflush', 'mmx',
    'fxsr', 'sse', 'sse2', 'syscall', 'nx', 'lm', 'pni']

MEMORY_MB = 1536 * 1024  # 1.5 TiB: the guest the feature exists for
BITS = 42
# name -> (flavor extra specs, image properties, uses the feature); a
# request with nothing for a filter to check is in NOTHING_TO_CHECK.
REQUESTS = {
    'no feature': ({}, {}, False),
    'no feature, image arch': ({}, {'hw_architecture': 'x86_64'}, False),
    'flavor bits': ({'hw:maxphysaddr_mode': 'emulate',
                     'hw:maxphysaddr_bits': str(BITS)}, {}, True),
    'image bits': ({}, {'hw_maxphysaddr_mode': 'emulate',
                        'hw_maxphysaddr_bits': BITS}, True),
    'image bits + arch': ({}, {'hw_maxphysaddr_mode': 'emulate',
                               'hw_maxphysaddr_bits': BITS,
                               'hw_architecture': 'x86_64'}, True),
    'flavor + image bits': ({'hw:maxphysaddr_mode': 'emulate',
                             'hw:maxphysaddr_bits': str(BITS)},
                            {'hw_maxphysaddr_mode': 'emulate',
                             'hw_maxphysaddr_bits': BITS}, True),
    'passthrough': ({'hw:maxphysaddr_mode': 'passthrough'}, {}, True),
}
FILTERS = ('ComputeCapabilitiesFilter', 'ImagePropertiesFilter')
NOTHING_TO_CHECK = {('no feature', 'ComputeCapabilitiesFilter'),
                    ('no feature', 'ImagePropertiesFilter'),
                    ('no feature, image arch', 'ComputeCapabilitiesFilter')}


# --- the workload (standard library only: both interpreters build it) -----

def fixture_features() -> list[str]:
    root = ET.parse(FIXTURE).getroot()
    return [f.get('name') for f in root.findall('./host/cpu/feature')]


def make_workload(hosts: int) -> list[dict]:
    """Compute node records shaped like the libvirt driver's report."""
    rng = random.Random(SEED)
    features = fixture_features() + BASELINE_FLAGS
    records = []
    for i in range(hosts):
        amd = rng.random() < 0.5
        cpu_info = {
            'arch': 'x86_64',
            'model': 'EPYC-Milan' if amd else 'Icelake-Server',
            'vendor': 'AMD' if amd else 'Intel',
            'topology': {'cells': 2, 'sockets': 2, 'cores': 32,
                         'threads': 2},
            'features': rng.sample(features, len(features)),
        }
        if rng.randrange(NO_MAXPHYSADDR_ONE_IN):
            cpu_info['maxphysaddr'] = {
                'mode': 'emulate', 'bits': rng.randint(MIN_BITS, MAX_BITS)}
        records.append({
            'hypervisor_hostname': 'compute%05d' % i,
            'cpu_info': json.dumps(cpu_info),
            'hypervisor_type': 'QEMU',
            'hypervisor_version': rng.choice([7002000, 8002000, 9000000]),
            'supported_instances': [['x86_64', 'qemu', 'hvm'],
                                    ['i686', 'qemu', 'hvm']],
            'vcpus': 128, 'memory_mb': 2 * 1024 * 1024, 'local_gb': 4000,
        })
    return records


def best_of(repeat: int, func) -> float:
    """Seconds of the fastest of ``repeat`` runs (after one warm-up).

    The garbage collector is off while timing, as in :mod:`timeit`: its
    pauses depend on what else the process holds, not on the code timed.
    """
    func()
    best = float('inf')
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            func()
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best


def best_of_each(repeat: int, groups: list[dict]) -> dict:
    """Seconds of the fastest of ``repeat`` runs of each function (after
    one warm-up each), the runs interleaved: each round runs every
    function once, so that a burst of load from elsewhere on a shared
    machine slows one run of many functions, which the other rounds make
    up for, rather than every run of one.  Within a round each group (of
    functions alike in what they touch) starts with an untimed run, so no
    timed run starts from the caches another group left, and its order is
    rotated from round to round, so no function always comes first.  The
    garbage collector is off, as in :func:`best_of`.
    """
    for funcs in groups:
        for func in funcs.values():
            func()
    best = {key: float('inf') for funcs in groups for key in funcs}
    gc.disable()
    try:
        for round_ in range(repeat):
            for funcs in groups:
                items = list(funcs.items())
                shift = round_ % len(items)
                items = items[shift:] + items[:shift]
                items[0][1]()
                for key, func in items:
                    start = time.perf_counter()
                    func()
                    elapsed = time.perf_counter() - start
                    if elapsed < best[key]:
                        best[key] = elapsed
    finally:
        gc.enable()
    return best


def per_host_us(seconds: float, hosts: int) -> float:
    return seconds / hosts * 1e6


# --- ours ------------------------------------------------------------------

def bench_ours(records: list[dict], repeat: int) -> dict:
    sys.path.insert(0, REPO)
    from nova import objects
    from nova.scheduler import filter_handler
    from nova.scheduler import host_manager
    from nova.scheduler import utils

    objects.register_all()
    results: dict = {'filters': {}, 'from_request_spec': {}}

    def build_hosts():
        hosts = []
        for rec in records:
            state = host_manager.HostState(rec['hypervisor_hostname'],
                                           rec['hypervisor_hostname'])
            state.update(rec)
            hosts.append(state)
        return hosts
    hosts = build_hosts()
    results['update_us'] = per_host_us(best_of(1, build_hosts), len(hosts))

    calls = REQUEST_SPEC_CALLS
    timed: dict = {}
    passed: dict = {}
    for name, (extra_specs, props, _) in REQUESTS.items():
        spec = objects.RequestSpec(
            flavor=objects.Flavor(memory_mb=MEMORY_MB, vcpus=16, root_gb=20,
                                  extra_specs=extra_specs),
            image=objects.ImageMeta.from_dict({'properties': props}))
        timed[('from_request_spec', name)] = (
            lambda spec=spec: [utils.ResourceRequest.from_request_spec(spec)
                               for _ in range(calls)])
        for filter_name in FILTERS:
            host_filter = filter_handler.get_filters([filter_name])[0]

            def run_host_passes(spec=spec, cls=type(host_filter)):
                # A new filter object per run: no request parsed beforehand.
                filt = cls()
                return sum(filt.host_passes(h, spec) for h in hosts)

            def run_handler(spec=spec, host_filter=host_filter):
                return filter_handler.get_filtered_hosts(
                    hosts, spec, [host_filter])

            timed[('host_passes', name, filter_name)] = run_host_passes
            timed[('handler', name, filter_name)] = run_handler
            passed[(name, filter_name)] = run_host_passes()
    # Two groups: from_request_spec calls, and the runs that sweep 10,000
    # hosts through the caches.
    best = best_of_each(repeat, [
        {k: f for k, f in timed.items() if k[0] == 'from_request_spec'},
        {k: f for k, f in timed.items() if k[0] != 'from_request_spec'}])
    for name in REQUESTS:
        results['from_request_spec'][name] = (
            best[('from_request_spec', name)] / calls * 1e6)
        for filter_name in FILTERS:
            results['filters'][(name, filter_name)] = {
                way: per_host_us(best[(way, name, filter_name)], len(hosts))
                for way in ('host_passes', 'handler')}
            results['filters'][(name, filter_name)]['passed'] = passed[
                (name, filter_name)]
    return results


# --- upstream Nova (run inside its own virtualenv) -------------------------

def upstream_worker(workload_path: str, repeat: int) -> None:
    """Time upstream Nova's filters; print the results as JSON."""
    from nova import objects
    from nova.scheduler.filters import compute_capabilities_filter
    from nova.scheduler.filters import image_props_filter
    from nova.scheduler import host_manager
    from nova.scheduler import utils

    objects.register_all()
    with open(workload_path) as f:
        records = json.load(f)

    def build_hosts(decode):
        hosts = []
        for rec in records:
            state = host_manager.HostState(rec['hypervisor_hostname'],
                                           rec['hypervisor_hostname'], None)
            # What update_from_compute_node() assigns.
            state.cpu_info = (json.loads(rec['cpu_info']) if decode
                              else rec['cpu_info'])
            state.hypervisor_type = rec['hypervisor_type']
            state.hypervisor_version = rec['hypervisor_version']
            state.supported_instances = rec['supported_instances']
            state.stats = {}
            hosts.append(state)
        return hosts
    host_sets = {'json': build_hosts(False), 'dict': build_hosts(True)}
    filter_classes = {
        'ComputeCapabilitiesFilter':
            compute_capabilities_filter.ComputeCapabilitiesFilter,
        'ImagePropertiesFilter': image_props_filter.ImagePropertiesFilter,
    }
    out: dict = {'version': __import__('nova.version').version
                 .version_string(), 'filters': {}, 'from_request_spec': {}}
    for name, (extra_specs, props, _) in REQUESTS.items():
        spec = objects.RequestSpec(
            flavor=objects.Flavor(memory_mb=MEMORY_MB, vcpus=16, root_gb=20,
                                  ephemeral_gb=0, swap=0,
                                  extra_specs=extra_specs),
            image=objects.ImageMeta.from_dict({'properties': props}),
            is_bfv=False)
        try:
            calls = REQUEST_SPEC_CALLS
            out['from_request_spec'][name] = best_of(repeat, lambda: [
                utils.ResourceRequest.from_request_spec(spec)
                for _ in range(calls)]) / calls * 1e6
        except Exception as exc:
            out['from_request_spec'][name] = '%s: %s' % (
                type(exc).__name__, exc)
        for filter_name, cls in filter_classes.items():
            filt = cls()
            for cpu_info_kind, hosts in host_sets.items():
                key = '%s|%s|%s' % (name, filter_name, cpu_info_kind)
                try:
                    passed = sum(filt.host_passes(h, spec) for h in hosts)
                except Exception as exc:
                    out['filters'][key] = {'error': '%s: %s' % (
                        type(exc).__name__, exc)}
                    continue
                seconds = best_of(repeat, lambda: [
                    filt.host_passes(h, spec) for h in hosts])
                out['filters'][key] = {
                    'host_passes': per_host_us(seconds, len(hosts)),
                    'passed': passed}
    json.dump(out, sys.stdout)


def ensure_upstream(create: bool) -> str | None:
    python = os.path.join(UPSTREAM_VENV, 'bin', 'python')
    if os.path.exists(python):
        return python
    if not create:
        return None
    subprocess.run(['python3', '-m', 'venv', UPSTREAM_VENV], check=True)
    subprocess.run([os.path.join(UPSTREAM_VENV, 'bin', 'pip'), 'install',
                    '--quiet', 'nova==%s' % UPSTREAM_VERSION], check=True)
    return python


def run_upstream(python: str, records: list[dict], repeat: int) -> dict:
    with tempfile.NamedTemporaryFile('w', suffix='.json') as f:
        json.dump(records, f)
        f.flush()
        proc = subprocess.run(
            [python, os.path.abspath(__file__), '--upstream-worker', f.name,
             '--repeat', str(repeat)],
            capture_output=True, text=True, cwd=tempfile.gettempdir(),
            check=False)
    if proc.returncode:
        raise RuntimeError('upstream worker failed:\n' + proc.stderr[-2000:])
    return json.loads(proc.stdout)


# --- the report -----------------------------------------------------------

def _fmt(value) -> str:
    return '%.2f' % value if isinstance(value, float) else str(value)


def report(ours: dict, upstream: dict | None, hosts: int, repeat: int,
           upstream_note: str) -> tuple[bool, dict]:
    """Print the tables; return whether every target is met, and the
    tables as data for the docs."""
    lines = []

    def out(line: str = '') -> None:
        print(line)
        lines.append(line)

    out('Scheduler benchmark: %d hosts, flavor %d MiB, bits=%d '
        '(per-host microseconds, best of %d interleaved runs; "pass" = '
        'hosts passed)' % (hosts, MEMORY_MB, BITS, repeat))
    out('HostState.update: %.2f us per host (JSON decode included)'
        % ours['update_us'])
    out('Upstream Nova: %s' % (
        upstream_note if upstream is None else
        'Nova %s (host_passes per host; cpu_info as the compute node '
        'stores it, a JSON string, and as a dict)' % upstream['version']))
    header = ['request', 'filter', 'host_passes', 'handler', 'pass',
              'target', 'nova:json', 'pass', 'nova:dict', 'pass']
    rows, failed = [], []
    for name, (_, _, feature) in REQUESTS.items():
        for filter_name in FILTERS:
            mine = ours['filters'][(name, filter_name)]
            target = (TARGET_NOTHING_TO_CHECK_US
                      if (name, filter_name) in NOTHING_TO_CHECK
                      else TARGET_FILTER_US if feature else None)
            cols = ['-'] * 4
            if upstream is not None:
                cols = []
                for kind in ('json', 'dict'):
                    ref = upstream['filters']['%s|%s|%s' % (
                        name, filter_name, kind)]
                    cols += (['crash', '-'] if 'error' in ref else
                             ['%.2f' % ref['host_passes'], ref['passed']])
            worst = max(mine['host_passes'], mine['handler'])
            if target is not None and worst > target:
                failed.append('%s / %s: %.3f us > %.2f' % (
                    name, filter_name, worst, target))
            rows.append([name, filter_name, '%.3f' % mine['host_passes'],
                         '%.3f' % mine['handler'], mine['passed'],
                         '%.2f' % target if target else '-', *cols])
    widths = [max(len(str(r[i])) for r in rows + [header])
              for i in range(len(header))]
    out()
    for row in [header] + rows:
        out('  '.join(str(c).ljust(w) for c, w in zip(row, widths)))
    spec_header = ['request', 'ours (us)', 'nova (us)', 'feature adds']
    spec_rows = []
    base = ours['from_request_spec']['no feature']
    for name, (_, _, feature) in REQUESTS.items():
        mine = ours['from_request_spec'][name]
        ref = upstream['from_request_spec'][name] if upstream else '-'
        adds = (mine - base) / base if feature else None
        if mine > TARGET_FROM_REQUEST_SPEC_US:
            failed.append('from_request_spec %s: %.2f us > %.0f' % (
                name, mine, TARGET_FROM_REQUEST_SPEC_US))
        if adds is not None and adds > TARGET_FEATURE_OVERHEAD:
            failed.append('from_request_spec %s: the feature adds %.0f%% > '
                          '%.0f%%' % (name, adds * 100,
                                      TARGET_FEATURE_OVERHEAD * 100))
        spec_rows.append([name, '%.2f' % mine,
                          '%.1f' % ref if isinstance(ref, float) else ref,
                          '%+.0f%%' % (adds * 100) if adds is not None
                          else '-'])
    out()
    out('ResourceRequest.from_request_spec (microseconds per call, best '
        'of %d interleaved runs of %d calls)' % (repeat, REQUEST_SPEC_CALLS))
    for row in spec_rows:
        out('  %-24s %8s %10s %8s' % tuple(row))
    out()
    out('Targets: <= %.2f us per host per filter for maxphysaddr requests '
        '(host_passes and handler), <= %.2f us with nothing to check, '
        'from_request_spec < %.0f us with the feature adding < %.0f%%: %s'
        % (TARGET_FILTER_US, TARGET_NOTHING_TO_CHECK_US,
           TARGET_FROM_REQUEST_SPEC_US, TARGET_FEATURE_OVERHEAD * 100,
           'MET' if not failed else 'NOT MET'))
    for failure in failed:
        out('  not met: ' + failure)
    summary = ('%d hosts, best of %d interleaved runs (Python %s); %s; '
               'HostState.update %.2f us per host. Targets %s.'
               % (hosts, repeat, platform.python_version(),
                  'upstream Nova %s measured alongside'
                  % upstream['version'] if upstream else
                  'upstream Nova not measured', ours['update_us'],
                  'met' if not failed else 'NOT met: ' + '; '.join(failed)))
    return not failed, {
        'generated_by': 'tools/bench_scheduler.py --record',
        'summary': summary,
        'tables': {'main': {'header': header, 'rows': rows},
                   'from_request_spec': {'header': spec_header,
                                         'rows': spec_rows}},
        'output': lines,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--hosts', type=int, default=DEFAULT_HOSTS)
    parser.add_argument('--repeat', type=int, default=DEFAULT_REPEAT)
    parser.add_argument('--with-upstream', action='store_true',
                        help='create %s with nova==%s if it is missing' % (
                            UPSTREAM_VENV, UPSTREAM_VERSION))
    parser.add_argument('--upstream-worker', metavar='WORKLOAD',
                        help=argparse.SUPPRESS)
    parser.add_argument('--record', action='store_true',
                        help='write the results for the docs (%s)' % RECORD)
    args = parser.parse_args()
    if args.upstream_worker:
        upstream_worker(args.upstream_worker, args.repeat)
        return 0

    records = make_workload(args.hosts)
    ours = bench_ours(records, args.repeat)
    python = ensure_upstream(args.with_upstream)
    upstream = None
    note = ('not measured: %s is missing; run with --with-upstream to '
            'create it (python3 -m venv %s && %s/bin/pip install nova==%s)'
            % (UPSTREAM_VENV, UPSTREAM_VENV, UPSTREAM_VENV, UPSTREAM_VERSION))
    if python is not None:
        upstream = run_upstream(python, records, args.repeat)
    met, recorded = report(ours, upstream, args.hosts, args.repeat, note)
    if args.record:
        with open(RECORD, 'w') as f:
            json.dump(recorded, f, indent=1)
            f.write('\n')
    return 0 if met else 1


if __name__ == '__main__':
    sys.exit(main())
