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

"""The ``[libvirt]`` options this slice of Nova uses.

Names, choices and defaults follow Nova's own ``[libvirt]`` group so that an
existing ``nova.conf`` means the same thing here; where the behaviour differs
(the default CPU under TCG), the help says so.
"""

from __future__ import annotations

from oslo_config import cfg

from nova.objects import fields

libvirt_group = cfg.OptGroup(
    'libvirt',
    title='Libvirt options',
    help='How the libvirt compute driver connects to the hypervisor and '
         'shapes the guests it defines.')

libvirt_opts = [
    cfg.StrOpt(
        'virt_type',
        default='kvm',
        choices=[
            ('kvm', 'hardware-assisted virtualisation (needs /dev/kvm)'),
            ('qemu', 'pure emulation (TCG): slow, available everywhere'),
            ('lxc', 'Linux containers'),
            ('parallels', 'Virtuozzo/Parallels'),
        ],
        help='The libvirt domain type. It also picks the default '
             '``connection_uri``.'),
    cfg.StrOpt(
        'connection_uri',
        default='',
        help='The libvirt URI to connect to. Empty: derived from '
             '``virt_type`` (``qemu:///system`` for kvm and qemu, '
             '``lxc:///`` for lxc, ``parallels:///system`` for parallels).'),
    cfg.StrOpt(
        'cpu_mode',
        choices=[
            (fields.CPUMode.CUSTOM, 'the first model of ``cpu_models``'),
            (fields.CPUMode.HOST_MODEL, 'the model closest to the host CPU'),
            (fields.CPUMode.HOST_PASSTHROUGH, 'the host CPU itself'),
            (fields.CPUMode.MAXIMUM, 'every feature the hypervisor can give'),
            (fields.CPUMode.NONE, "the hypervisor's default CPU model"),
        ],
        help='The guest CPU mode. Unset: ``host-model`` with '
             '``virt_type=kvm``; with ``virt_type=qemu`` a ``custom`` '
             '``qemu64`` CPU, QEMU\'s own default and the same on every host '
             '(Nova picks host-model there too, but under TCG that CPU '
             'depends on the host, and host-passthrough does not start at '
             'all); no CPU element for the other virt types. With libvirt '
             'older than 9.0.0, ``hw:maxphysaddr_mode=passthrough`` needs '
             '``host-passthrough``. With ``virt_type=kvm``, '
             '``host-passthrough`` and ``maximum`` give a guest the host\'s '
             'physical address width whatever it asks (libvirt does not turn '
             'QEMU\'s host-phys-bits off): such hosts do not report '
             'COMPUTE_ADDRESS_SPACE_EMULATED and refuse '
             '``hw:maxphysaddr_mode=emulate`` guests.'),
    cfg.ListOpt(
        'cpu_models',
        default=[],
        help='The CPU models (``virsh cpu-models <arch>``) for '
             '``cpu_mode=custom``, which needs at least one; guests get the '
             'first. Only valid with ``cpu_mode=custom``.'),
    cfg.ListOpt(
        'hw_machine_type',
        help='The guest machine type per host architecture, as '
             '``ARCH=MACHINE_TYPE`` entries (e.g. ``x86_64=q35``), for images '
             'without the ``hw_machine_type`` property. Unset: ``pc`` for '
             'x86, as in Nova. The width a maxphysaddr guest needs depends '
             'on it: q35 has a 32 GiB 64-bit PCI window, pc (i440fx) 2 GiB.'),
    cfg.IntOpt(
        'file_backed_memory',
        default=0,
        min=0,
        help='Capacity in MiB for file-backed guest memory; 0 disables it. '
             'Non-zero: the RAM of every guest is a shared file in the '
             '``memory_backing_dir`` of libvirt\'s ``qemu.conf``, and this '
             'value is reported as the host\'s memory instead of its RAM. '
             'The files are sparse, so a guest larger than the host\'s RAM '
             'starts, and uses host memory only for the pages it touches.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(libvirt_group)
    conf.register_opts(libvirt_opts, group=libvirt_group)


def list_opts() -> dict[cfg.OptGroup, list[cfg.Opt]]:
    return {libvirt_group: libvirt_opts}
