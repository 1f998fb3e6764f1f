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

"""Hypothesis strategies and oracles for compute hosts, shared by the
property tests: host capabilities documents (generated and mutated), the
libvirt/QEMU versions a connection reports, and a fake libvirt host to run
the driver on.

The oracles read documents with lxml directly and are written from the
design contract, not from the code under test, so a rule changed in the
code makes the properties fail.
"""

import contextlib
import copy
import os

from hypothesis import strategies as st
from lxml import etree

import nova.conf
from nova.conf import libvirt as libvirt_conf
from nova.objects import fields
from nova.virt.libvirt import driver as libvirt_driver
from nova.virt.libvirt import host

from tests import fakelibvirt
from tests import fakes

CONF = nova.conf.CONF

FIXTURE_TREES = [
    etree.parse(os.path.join(fakes.FIXTURES, name)).getroot()
    for name in sorted(os.listdir(fakes.FIXTURES))
    if name.startswith('host-capabilities-')]

# Versions as libvirt encodes them: major * 1,000,000 + minor * 1,000 + micro.
LIBVIRT_8_7 = 8007000
LIBVIRT_9_0 = 9000000
QEMU_2_7 = 2007000
# The host's own width, if libvirt wrote a usable one: canonical decimal,
# positive, and short enough to be a number at all (a value longer than
# this is junk to every parser we have).
MAX_WIDTH_DIGITS = 20

X86 = ('x86_64', 'i686', 'amd64', 'x64', 'i386', 'i486', 'i586', 'x86')
ARCHES = X86 + ('aarch64', 'ppc64le', 's390x', 'X86_64', '', ' x86_64')

# --- values ---------------------------------------------------------------

xml_text = st.text(
    st.characters(blacklist_categories=('Cs', 'Cc')), max_size=8)
junk_numbers = st.one_of(
    st.sampled_from(['', ' ', '0', '00', '-1', '46', ' 46', '46 ', '046',
                     '4_6', '0x2e', '1e3', '46.0', '+46', '\uff14\uff16',
                     '\u0664\u0666', '9' * MAX_WIDTH_DIGITS,
                     '9' * (MAX_WIDTH_DIGITS + 1), '9' * 5000]),
    st.integers(-2 ** 70, 2 ** 70).map(str),
    st.integers(0, 70).map(str))
attribute_values = st.one_of(
    junk_numbers, xml_text, st.sampled_from(ARCHES),
    st.sampled_from(['emulate', 'passthrough', 'EMULATE', 'kvm', 'qemu',
                     '&', '<', '"', "'"]))
TAGS = ('maxphysaddr', 'cpu', 'host', 'arch', 'guest', 'domain', 'feature',
        'topology', 'capabilities', 'junk')
ATTRIBUTES = ('bits', 'mode', 'limit', 'name', 'type', 'sockets', 'cores',
              'junk')


@st.composite
def generated_capabilities(draw):
    """A document as libvirt writes them, from the fake's own template."""
    bits = draw(st.one_of(st.none(), st.integers(1, 64)))
    return etree.fromstring(fakelibvirt.host_capabilities_xml(
        arch=draw(st.sampled_from(['x86_64', 'i686', 'aarch64', 'ppc64le'])),
        vendor=draw(st.sampled_from(['AMD', 'Intel', 'ARM'])),
        maxphysaddr_bits=bits,
        guest_arches=tuple(draw(st.lists(
            st.sampled_from(['x86_64', 'i686', 'aarch64']), min_size=1,
            max_size=3, unique=True))),
        domain_types=tuple(draw(st.lists(
            st.sampled_from(['qemu', 'kvm', 'test']), min_size=1,
            max_size=3, unique=True)))).encode())


# The elements the code under test reads: edits should hit them often, not
# only one time in a hundred among a real host's CPU features.
KEY_PATHS = ('.', 'host', 'host/cpu', 'host/cpu/arch', 'host/cpu/maxphysaddr',
             'guest', 'guest/arch')
ACTIONS = ('remove', 'duplicate', 'attribute', 'text', 'rename', 'insert',
           'width', 'width')


def _edit_width(draw, root):
    """Set, drop or keep each attribute of the host's <maxphysaddr>,
    creating the element if the document has none."""
    cpu = root.find('host/cpu')
    if cpu is None:
        return
    element = cpu.find('maxphysaddr')
    if element is None:
        element = etree.SubElement(cpu, 'maxphysaddr')
    for name in ('bits', 'mode', 'limit'):
        choice = draw(st.sampled_from(['keep', 'drop', 'set']))
        if choice == 'drop':
            element.attrib.pop(name, None)
        elif choice == 'set':
            element.set(name, draw(attribute_values))


@st.composite
def mutated_capabilities(draw):
    """A real or generated document, then a few hostile edits."""
    root = copy.deepcopy(draw(st.one_of(st.sampled_from(FIXTURE_TREES),
                                        generated_capabilities())))
    for _ in range(draw(st.integers(0, 4))):
        key = [n for path in KEY_PATHS for n in root.findall(path)]
        if key and draw(st.booleans()):
            node = draw(st.sampled_from(key))
        else:
            node = draw(st.sampled_from(list(root.iter(etree.Element))))
        action = draw(st.sampled_from(ACTIONS))
        parent = node.getparent()
        if action == 'remove' and parent is not None:
            parent.remove(node)
        elif action == 'duplicate' and parent is not None:
            node.addnext(copy.deepcopy(node))
        elif action == 'attribute':
            node.set(draw(st.sampled_from(ATTRIBUTES)),
                     draw(attribute_values))
        elif action == 'text':
            node.text = draw(st.one_of(attribute_values, xml_text))
        elif action == 'rename':
            node.tag = draw(st.sampled_from(TAGS))
        elif action == 'insert':
            child = etree.Element(draw(st.sampled_from(TAGS)))
            for name in draw(st.lists(st.sampled_from(ATTRIBUTES),
                                      max_size=3, unique=True)):
                child.set(name, draw(attribute_values))
            node.insert(draw(st.integers(0, len(node))), child)
        elif action == 'width':
            _edit_width(draw, root)
    xml = etree.tostring(root, encoding='unicode')
    wrapping = draw(st.sampled_from(['none'] * 6 + [
        'entity', 'external', 'truncate', 'garbage', 'declaration']))
    if wrapping == 'entity':
        xml = ('<!DOCTYPE capabilities [<!ENTITY e "x86_64">]>' +
               xml.replace('<arch>', '<arch>&e;', 1))
    elif wrapping == 'external':
        xml = ('<!DOCTYPE capabilities [<!ENTITY e SYSTEM '
               '"file:///etc/hostname">]>' + xml.replace('<model>',
                                                         '<model>&e;', 1))
    elif wrapping == 'truncate':
        xml = xml[:draw(st.integers(0, max(0, len(xml) - 1)))]
    elif wrapping == 'garbage':
        xml = draw(xml_text) + xml
    elif wrapping == 'declaration':
        xml = "<?xml version='1.0' encoding='UTF-8'?>\n" + xml
    return xml


# --- versions -------------------------------------------------------------

# Mostly the floors and their neighbours, where a wrong comparison shows.
BOUNDARY_VERSIONS = [0, 2006999, QEMU_2_7, 7002000, 8006999, LIBVIRT_8_7,
                     8999999, LIBVIRT_9_0, 10000000]
valid_versions = st.one_of(
    st.sampled_from(BOUNDARY_VERSIONS), st.sampled_from(BOUNDARY_VERSIONS),
    st.sampled_from(BOUNDARY_VERSIONS), st.integers(0, 2 ** 64))
junk_versions = st.one_of(
    st.none(), st.booleans(), st.integers(-2 ** 64, -1),
    st.floats(allow_nan=True), st.sampled_from(['9000000', '9.0.0', '']),
    st.lists(st.integers(0, 9), max_size=3))
versions = st.one_of(valid_versions, valid_versions, valid_versions,
                     junk_versions)


def is_version(value):
    return type(value) is int and value >= 0


# --- oracles over a document ----------------------------------------------

def _first(node, tag):
    if node is None:
        return None
    return next((c for c in node if c.tag == tag), None)


def host_cpu(xml):
    """``<capabilities><host><cpu>`` as lxml reads it, or None when the
    document is not a usable capabilities document (no DTD, no arch)."""
    if '<!DOCTYPE' in xml:
        return None
    try:
        root = etree.fromstring(xml.encode())
    except etree.XMLSyntaxError:
        return None
    if root.tag != 'capabilities':
        return None
    cpu = _first(_first(root, 'host'), 'cpu')
    arch = _first(cpu, 'arch')
    if arch is None or not arch.text:
        return None
    return cpu


def width(text):
    """The host width in an attribute value, per the contract: a positive
    canonical decimal, else unknown (None)."""
    if (text is None or not text.isascii() or not text.isdigit() or
            len(text) > MAX_WIDTH_DIGITS or text.startswith('0')):
        return None
    return int(text)


def is_x86_64(cpu):
    """Hosts whose guests can have a width: 64-bit x86 only (QEMU refuses
    phys-bits for 32-bit CPUs)."""
    return fields.Architecture.canonicalize(
        _first(cpu, 'arch').text) == 'x86_64'


def maxphysaddr_element(cpu):
    return _first(cpu, 'maxphysaddr')


# --- running the driver on a fake libvirt host ----------------------------

@contextlib.contextmanager
def libvirt_flags(**options):
    """``[libvirt]`` options for one example (not one test: hypothesis runs
    many examples per test, and cleanups would pile up)."""
    for opt in libvirt_conf.libvirt_opts:
        CONF.clear_override(opt.name, group='libvirt')
    for name, value in options.items():
        CONF.set_override(name, value, group='libvirt')
    try:
        yield
    finally:
        for name in options:
            CONF.clear_override(name, group='libvirt')


@contextlib.contextmanager
def fake_compute(**settings):
    """A LibvirtDriver on its own fake connection (see
    :func:`fakelibvirt.use_fake_libvirt`, which the test must have called
    once, to swap the module in)."""
    conn = fakelibvirt.Connection(**settings)
    previous = fakelibvirt._connection
    fakelibvirt._connection = conn
    try:
        yield libvirt_driver.LibvirtDriver(host.Host()), conn
    finally:
        fakelibvirt._connection = previous
