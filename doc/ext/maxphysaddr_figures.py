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

"""Sphinx directives that draw and tabulate from the code's own constants.

``.. address-map:: [MACHINE_TYPE]``
    The guest physical address map (SVG) of one guest, by default 1.5 TiB
    on Nova's default x86_64 machine type (``pc``): RAM below 4 GiB, the
    32-bit PCI hole, RAM above 4 GiB (moved to 1 TiB for an AMD-vendor CPU
    whose map would reach the HyperTransport hole), the 64-bit PCI window
    and the ``2**bits`` lines, from :mod:`nova_maxphysaddr.rules.sizing`.
    ``:memory-mb:`` sets the RAM.
``.. request-flow::``
    API -> ResourceRequest -> Placement -> filters -> driver -> QEMU (SVG),
    each step marked with the errors that stop a boot there, from the
    code's exception classes and trait names.
``.. min-bits-table::``
    The minimum ``hw:maxphysaddr_bits`` per flavor RAM and machine type,
    computed by the rule the API enforces.
``.. qemu-verdicts::``
    QEMU's own verdicts per version (doc/source/data/qemu-verdicts.json,
    recorded by ``tools/qemu_verdicts.py``) next to the rule's minimum,
    with a summary of where they agree.
``.. bench-results:: NAME``
    A recorded benchmark run (doc/source/data/NAME.json).

Nothing here is typed in by hand: a changed constant, rule or recorded run
changes the pages at the next build.
"""

from __future__ import annotations

import html
import json
import os

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.parsers.rst import directives
from nova_maxphysaddr.rules import sizing
from nova_maxphysaddr.rules import values

from nova import exception
from nova.objects import fields
from nova.virt import hardware

import doc_tables

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'source', 'data')
MiB = sizing.MiB
GiB = sizing.GiB
TiB = sizing.TiB
# The machine type Nova gives an x86_64 guest when neither the image nor
# [libvirt]hw_machine_type names one.
DEFAULT_MACHINE_TYPE = hardware.DEFAULT_MACHINE_TYPES[
    fields.Architecture.X86_64]
# The guest the feature exists for.
LARGE_GUEST_MB = 1536 * 1024

# Colours of the figures, one meaning each.
RAM_FILL = '#8fbc8f'
WINDOW_FILL = '#f4a460'
HOLE_FILL = '#b22222'
UNUSED_FILL = '#f2f2f2'
LOW_HOLE_FILL = '#d9d9d9'
BITS_STROKE = '#1f4fbf'
ERROR_FILL = '#b22222'
NOTE_FILL = '#555'


def _svg(width: int, height: int, body: list[str], title: str) -> nodes.raw:
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" role="img" '
           'viewBox="0 0 %d %d" width="100%%" style="max-width:%dpx" '
           'font-family="sans-serif" font-size="12"><title>%s</title>%s'
           '</svg>' % (width, height, width, html.escape(title),
                       ''.join(body)))
    return nodes.raw('', svg, format='html')


def _text(x: float, y: float, text: str, size: int = 12,
          fill: str = '#000', anchor: str = 'start',
          weight: str = 'normal') -> str:
    return ('<text x="%.1f" y="%.1f" font-size="%d" fill="%s" '
            'text-anchor="%s" font-weight="%s">%s</text>' % (
                x, y, size, fill, anchor, weight, html.escape(text)))


def _rect(x: float, y: float, width: float, height: float, fill: str,
          stroke: str = '#333') -> str:
    return ('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" '
            'stroke="%s" stroke-width="0.8"/>' % (x, y, width, height, fill,
                                                  stroke))


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str,
          dash: bool = False, width: float = 1.2) -> str:
    return ('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" '
            'stroke-width="%.1f"%s/>' % (
                x1, y1, x2, y2, stroke, width,
                ' stroke-dasharray="4 3"' if dash else ''))


def _fmt(size: int) -> str:
    """A size in the largest binary unit, rounded to two decimals."""
    for unit, scale in (('TiB', TiB), ('GiB', GiB)):
        if size >= scale:
            return ('%.2f' % (size / scale)).rstrip('0').rstrip('.') + \
                ' ' + unit
    return '%d MiB' % (size // MiB)


def _exact(size: int) -> str:
    """A size exactly, in the largest binary unit that divides it."""
    for unit, scale in (('TiB', TiB), ('GiB', GiB), ('MiB', MiB)):
        if size >= scale and size % scale == 0:
            return '%d %s' % (size // scale, unit)
    return '%#x' % size


def _ram(memory_mb: int) -> str:
    """Flavor RAM as operators would say it: '1.5 TiB', '978 GiB + 1 MiB'."""
    gib, mib = divmod(memory_mb, 1024)
    if mib and gib >= 10:
        return '%s + %d MiB' % (_exact(gib * GiB), mib)
    return _exact(memory_mb * MiB) if mib else _fmt(memory_mb * MiB)


def _memory_mb(text: str) -> int:
    number = int(text)
    if number <= 0:
        raise ValueError('memory-mb must be positive')
    return number


class AddressMapDirective(Directive):
    """The map of one guest, for an Intel-vendor and an AMD-vendor guest
    CPU, drawn to scale up to ``2**bits`` (with the first 4 GiB enlarged
    below, since they are too thin to see at that scale)."""

    optional_arguments = 1
    option_spec = {'memory-mb': _memory_mb}

    WIDTH = 940
    LEFT = 190
    BAR = 720

    def run(self) -> list[nodes.Node]:
        machine = (self.arguments[0] if self.arguments
                   else DEFAULT_MACHINE_TYPE)
        family = sizing.machine_family(machine)
        if family is None:
            raise self.error('the sizing rule knows no memory map for '
                             'machine type %r' % machine)
        memory_mb = self.options.get('memory-mb', LARGE_GUEST_MB)
        ram = memory_mb * MiB
        layout = sizing.GuestLayout(memory_mb, machine)
        low = ram if ram < family.all_low_ram_below else family.low_ram_size
        high = ram - low
        bits = {amd: sizing.min_bits(layout, amd_vendor=amd)
                for amd in (False, True)}
        top = 1 << max(bits.values())
        left, bar = self.LEFT, self.BAR
        body: list[str] = []

        def x(addr: int) -> float:
            return left + bar * addr / top

        def band(y: float, start: int, stop: int, fill: str,
                 minimum: float = 2.0) -> None:
            body.append(_rect(x(start), y, max(x(stop) - x(start), minimum),
                              26, fill))

        default = ' (Nova\'s default for x86_64)' if (
            machine == DEFAULT_MACHINE_TYPE) else ''
        body.append(_text(8, 18, 'A %s guest on %s%s' % (
            _fmt(ram), machine, default), 14, weight='bold'))
        body.append(_text(8, 36, (
            'It needs %d physical address bits with an Intel-vendor CPU '
            'model and %d with an AMD-vendor one; the API cannot tell which, '
            'so it refuses fewer than %d.' % (
                bits[False], bits[True], sizing.min_bits(layout))), 11,
            NOTE_FILL))
        marks = sorted({values.QEMU_DEFAULT_BITS, bits[False], bits[True]})
        rows = ((False, 78, 'Intel-vendor CPU', 'e.g. Skylake-Client'),
                (True, 178, 'AMD-vendor CPU', 'e.g. qemu64 (TCG default)'))
        for amd, y, name, example in rows:
            end = sizing.address_space_end(layout, amd_vendor=amd)
            moved = amd and end != sizing.address_space_end(
                layout, amd_vendor=False)
            high_start = (sizing.AMD_ABOVE_1TB_START if moved
                          else sizing.HIGH_RAM_START)
            window = end - family.pci_hole64_size
            body.append(_text(8, y + 12, name, 12, weight='bold'))
            body.append(_text(8, y + 26, example, 10, NOTE_FILL))
            body.append(_rect(x(0), y, bar, 26, UNUSED_FILL, '#999'))
            band(y, 0, low, RAM_FILL)
            if high:
                band(y, high_start, high_start + high, RAM_FILL)
            band(y, window, end, WINDOW_FILL, 3.0)
            if moved:
                band(y, sizing.AMD_HT_START, sizing.AMD_ABOVE_1TB_START,
                     HOLE_FILL, 2.0)
                body.append(_text(
                    x(sizing.AMD_HT_START) + 3, y - 8,
                    'HyperTransport hole at %s: RAM above 4 GiB moves to %s'
                    % (_exact(sizing.AMD_HT_START),
                       _exact(sizing.AMD_ABOVE_1TB_START)), 11, HOLE_FILL))
            for b in marks:
                body.append(_line(x(1 << b), y - 5, x(1 << b), y + 31,
                                  BITS_STROKE))
            where = ('RAM: %s below 4 GiB' % _exact(low)) + (
                ', %s from %s' % (_exact(high), _exact(high_start))
                if high else '')
            body.append(_text(left, y + 46, (
                '%s; 64-bit PCI window (%s) up to %s (last byte %#x): '
                '%d bits' % (where, _exact(family.pci_hole64_size),
                             _exact(end), end - 1, bits[amd])), 11))
        # The axis: the widths that matter here.
        axis = 262
        body.append(_line(left, axis, left + bar, axis, '#333', width=1))
        body.append(_text(left, axis + 16, '0', 11, anchor='middle'))
        for b in marks:
            body.append(_line(x(1 << b), axis - 4, x(1 << b), axis + 4,
                              BITS_STROKE))
            label = '2**%d = %s%s' % (
                b, _exact(1 << b),
                ' (QEMU\'s default)' if b == values.QEMU_DEFAULT_BITS else '')
            anchor = 'end' if (1 << b) == top else 'middle'
            body.append(_text(x(1 << b), axis + 16, label, 11, BITS_STROKE,
                              anchor))
        # The first 4 GiB, enlarged.
        y = 300
        scale = sizing.HIGH_RAM_START

        def x4(addr: int) -> float:
            return left + bar * addr / scale

        body.append(_text(8, y + 12, 'The first 4 GiB', 12, weight='bold'))
        body.append(_text(8, y + 26, 'enlarged', 10, NOTE_FILL))
        low_end = min(low, scale)
        body.append(_rect(x4(0), y, x4(low_end) - x4(0), 26, RAM_FILL))
        body.append(_text((x4(0) + x4(low_end)) / 2, y + 17,
                          'RAM: 0 to %s' % _exact(low_end), 11,
                          anchor='middle'))
        body.append(_rect(x4(low_end), y, x4(scale) - x4(low_end), 26,
                          LOW_HOLE_FILL))
        body.append(_text((x4(low_end) + x4(scale)) / 2, y + 17,
                          '32-bit PCI hole, firmware', 11,
                          anchor='middle'))
        body.append(_text(left, y + 44, (
            '%s: RAM below %s stays below 4 GiB; from %s, %s of it does and '
            'the rest starts at 4 GiB' % (
                family.name, _fmt(family.all_low_ram_below),
                _fmt(family.all_low_ram_below),
                _fmt(family.low_ram_size))), 11))
        # Legend.
        y = 368
        entries = ((RAM_FILL, 'guest RAM'),
                   (WINDOW_FILL, '64-bit PCI window'),
                   (HOLE_FILL, 'HyperTransport hole'),
                   (UNUSED_FILL, 'addresses the width gives, unused'))
        lx = left
        for fill, label in entries:
            body.append(_rect(lx, y - 10, 12, 12, fill))
            body.append(_text(lx + 17, y, label, 11))
            lx += 30 + 6.2 * len(label)
        body.append(_line(lx, y - 10, lx, y + 2, BITS_STROKE))
        body.append(_text(lx + 6, y, '2**bits', 11, BITS_STROKE))
        return [_svg(self.WIDTH, 384, body,
                     'guest physical address map: %s, %s'
                     % (_fmt(ram), machine))]


def _common_prefix(names: list[str]) -> str:
    prefix = os.path.commonprefix(names)
    return prefix[:prefix.rfind('_') + 1]


def _mode_traits() -> list[str]:
    """The required traits, as two short lines."""
    traits = [values.MODE_TRAITS[mode] for mode in values.MODES]
    prefix = _common_prefix(traits)
    return [prefix + '*:', ' / '.join(t[len(prefix):] for t in traits)]


def _refusals(classes: list[type[exception.NovaException]]) -> list[str]:
    """The classes' names, under what the refusal means for the boot."""
    if all(c.reschedulable for c in classes):
        head = 'another host is tried:'
    elif all(c.code == exception.Invalid.code for c in classes):
        head = 'HTTP %d:' % exception.Invalid.code
    else:
        head = 'the boot fails:'
    return [head] + [c.__name__ for c in classes]


# What the API answers for each refusal of the rules (ValidationError,
# FlavorImageConflict, ...): one mapping in the code, shown here.
_API_ERRORS = list(dict.fromkeys(hardware._NOVA_EXCEPTIONS.values()))
NO_VALID_HOST = 'NoValidHost'

# (step, what it does, what stops the boot there, a note)
_FLOW: tuple[tuple[str, list[str], list[str], str], ...] = (
    ('API', ['per-key validators,', 'flavor + image resolved', 'once'],
     _refusals(_API_ERRORS), 'before anything is scheduled'),
    ('ResourceRequest', ['mode -> required trait'] + _mode_traits(),
     ['refused in the scheduler:', 'the API\'s errors',
      '(resolved again)'],
     'for callers past the API'),
    ('Placement', ['allocation candidates', 'with the trait and', 'the RAM'],
     ['no candidate:', NO_VALID_HOST], 'old libvirt, non-x86: no trait'),
    ('Filters', ['ComputeCapabilities,', 'ImageProperties:', 'host width'],
     ['every host rejected:', NO_VALID_HOST], 'reasons in the debug log'),
    ('Driver (spawn)', ['host support and width', 'checked again, then',
                        '<maxphysaddr> written'],
     _refusals([exception.MaxPhysAddrUnsupported]),
     'before libvirt sees it'),
    ('QEMU', ['emulate: phys-bits=N', 'passthrough:', 'host-phys-bits=on'],
     _refusals([exception.InstanceBootFailed]),
     '"phys-bits too low"'),
)


class RequestFlowDirective(Directive):
    """Where a boot request that asks for a width goes, and what stops it
    at each step."""

    def run(self) -> list[nodes.Node]:
        box_w, gap, y, box_h = 160, 20, 16, 74
        width = len(_FLOW) * (box_w + gap) + gap
        errors_y = y + box_h + 20
        most = max(len(errors) for _name, _what, errors, _note in _FLOW)
        height = errors_y + 14 * most + 20
        body = ['<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" '
                'refY="5" markerWidth="7" markerHeight="7" orient="auto">'
                '<path d="M0,0 L10,5 L0,10 z" fill="#335"/></marker></defs>']
        for i, (name, what, errors, note) in enumerate(_FLOW):
            x0 = gap + i * (box_w + gap)
            middle = x0 + box_w / 2
            body.append('<rect x="%d" y="%d" width="%d" height="%d" rx="6" '
                        'fill="#eef" stroke="#335"/>' % (x0, y, box_w, box_h))
            body.append(_text(middle, y + 18, name, 12, anchor='middle',
                              weight='bold'))
            for j, line in enumerate(what):
                body.append(_text(middle, y + 34 + 12 * j, line,
                                  9 if line.isupper() else 10,
                                  anchor='middle'))
            if i:
                body.append('<line x1="%d" y1="%d" x2="%d" y2="%d" '
                            'stroke="#335" stroke-width="1.5" '
                            'marker-end="url(#arrow)"/>' % (
                                x0 - gap + 1, y + box_h / 2, x0 - 1,
                                y + box_h / 2))
            body.append(_line(middle, y + box_h, middle, errors_y - 12,
                              ERROR_FILL, dash=True, width=1))
            for j, line in enumerate(errors):
                # The first line says what the refusal means; class names
                # in bold, other words plain.
                name = bool(j) and line.isidentifier()
                body.append(_text(middle, errors_y + 14 * j, line,
                                  10 if j else 9,
                                  ERROR_FILL if j else NOTE_FILL,
                                  'middle', 'bold' if name else 'normal'))
            body.append(_text(middle, height - 8, note, 9, NOTE_FILL,
                              'middle'))
        return [_svg(width, height, body, 'request flow and where each '
                     'error arises')]


class MinBitsTableDirective(Directive):
    """The minimum width per flavor RAM, per machine type and vendor."""

    SIZES_MB = (1024, 4 * 1024, 8 * 1024, 64 * 1024, 512 * 1024,
                978 * 1024 + 1, 1000 * 1024, 1536 * 1024, 2 * 1024 * 1024,
                4 * 1024 * 1024)

    def run(self) -> list[nodes.Node]:
        rows = []
        for mb in self.SIZES_MB:
            row = [_ram(mb)]
            for family in sizing.FAMILIES:
                layout = sizing.GuestLayout(mb, family.name)
                row += [str(sizing.min_bits(layout)),
                        str(sizing.min_bits(layout, amd_vendor=False))]
            row.append(str(sizing.advised_bits(
                sizing.GuestLayout(mb, DEFAULT_MACHINE_TYPE))))
            rows.append(row)
        header = ['Flavor RAM']
        for family in sizing.FAMILIES:
            default = (' (default)' if family.name == DEFAULT_MACHINE_TYPE
                       else '')
            header += ['%s%s: minimum (enforced)' % (family.name, default),
                       '%s: Intel-vendor CPU' % family.name]
        header.append('advise on %s (never below %d)'
                      % (DEFAULT_MACHINE_TYPE, values.QEMU_DEFAULT_BITS))
        return [doc_tables.table(header, rows)]


def _ranges(numbers: list[int]) -> str:
    """[32, 36, 37, 38] -> '32, 36-38'."""
    parts: list[str] = []
    for number in numbers:
        if parts and '-' not in parts[-1] and int(parts[-1]) == number - 1:
            parts[-1] = '%s-%d' % (parts[-1], number)
        elif parts and '-' in parts[-1] and \
                int(parts[-1].split('-')[1]) == number - 1:
            parts[-1] = '%s-%d' % (parts[-1].split('-')[0], number)
        else:
            parts.append(str(number))
    return ', '.join(parts) or 'none'


class QEMUVerdictsDirective(Directive):
    """What QEMU itself said, per version, next to the rule."""

    def run(self) -> list[nodes.Node]:
        with open(os.path.join(DATA_DIR, 'qemu-verdicts.json')) as f:
            doc = json.load(f)
        bits = doc['bits']
        narrowest = bits[0]
        result: list[nodes.Node] = []
        summary = []
        for version in sorted(doc['qemus'],
                              key=lambda v: tuple(map(int, v.split('.')))):
            section = nodes.section(ids=['qemu-' + version.replace('.', '-')])
            section += nodes.title(text='QEMU %s' % version)
            header = ['RAM', 'machine', 'CPU (vendor)',
                      'QEMU starts it with (bits %d to %d)'
                      % (bits[0], bits[-1]),
                      'QEMU needs (above %d)' % narrowest,
                      'rule for this vendor', 'rule enforced (any vendor)']
            rows = []
            cells = exact = safe = narrowest_ok = 0
            for mb_text, why in sorted(doc['sizes'].items(),
                                       key=lambda item: int(item[0])):
                mb = int(mb_text)
                for machine, models in sorted(doc['qemus'][version].items()):
                    for model, by_size in sorted(models.items()):
                        verdicts = by_size[mb_text]['verdicts']
                        accepted = [b for b, v in zip(bits, verdicts)
                                    if v == '+']
                        needed = next((b for b in accepted
                                       if b > narrowest), None)
                        layout = sizing.GuestLayout(mb, machine)
                        vendor = doc['models'][model]
                        rule = sizing.min_bits(
                            layout, amd_vendor=(vendor == 'AMD'))
                        enforced = sizing.min_bits(layout)
                        cells += 1
                        exact += rule == needed
                        safe += needed is not None and enforced >= needed
                        narrowest_ok += narrowest in accepted
                        size = _ram(mb)
                        rows.append([
                            size if why == size else '%s (%s)' % (size, why),
                            machine,
                            '%s (%s)' % (model, vendor), _ranges(accepted),
                            needed or '> %d' % bits[-1], rule, enforced])
            summary.append(
                'QEMU %s, %d guests: the rule for the CPU\'s vendor is '
                'exactly the smallest width above %d that QEMU starts for '
                '%d of them, the enforced rule is at least that for %d, '
                'and QEMU starts %d of them at %d bits.' % (
                    version, cells, narrowest, exact, safe, narrowest_ok,
                    narrowest))
            section += doc_tables.table(header, rows)
            result.append(section)
        intro = nodes.paragraph(text=(
            'Recorded by %s: every guest started at each width from %d to '
            '%d bits. %s' % (doc['generated_by'], bits[0], bits[-1],
                             ' '.join(summary))))
        return [intro] + result


class BenchResultsDirective(Directive):
    """A recorded benchmark run (doc/source/data/NAME.json, which the
    benchmark's ``--record`` writes).

    ``:table: KEY`` picks one of the run's tables (default ``main``).  The
    run's summary line comes first, unless ``:no-summary:`` is given: a
    page showing several tables of one run says it once.  The page is
    rebuilt when the recorded run changes.
    """

    required_arguments = 1
    option_spec = {'table': directives.unchanged,
                   'no-summary': directives.flag}

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        path = os.path.join(DATA_DIR, name + '.json')
        env = getattr(self.state.document.settings, 'env', None)
        if env is not None:
            env.note_dependency(path)
        with open(path) as f:
            doc = json.load(f)
        key = self.options.get('table', 'main')
        if key not in doc['tables']:
            raise self.error('%s.json has no table %r (it has %s)' % (
                name, key, ', '.join(sorted(doc['tables']))))
        table = doc['tables'][key]
        result: list[nodes.Node] = []
        if 'no-summary' not in self.options:
            result.append(nodes.paragraph(text=doc['summary']))
        result.append(doc_tables.table(table['header'], table['rows']))
        return result


def setup(app: object) -> dict[str, bool]:
    for name, directive in (('address-map', AddressMapDirective),
                            ('request-flow', RequestFlowDirective),
                            ('min-bits-table', MinBitsTableDirective),
                            ('qemu-verdicts', QEMUVerdictsDirective),
                            ('bench-results', BenchResultsDirective)):
        app.add_directive(name, directive)  # type: ignore[attr-defined]
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
