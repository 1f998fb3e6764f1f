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

"""What the maxphysaddr feature costs the libvirt driver's guest XML.

    .venv/bin/python tools/bench_guest_xml.py [--repeat R] [--number N]

Builds the guest config (``LibvirtDriver._get_guest_config``) and its XML
for the same flavor without and with ``hw:maxphysaddr_*``, on a simulated
48-bit AMD host (no libvirt connection needed), and prints microseconds per
guest, best of ``--repeat`` runs of ``--number`` guests.
"""

import argparse
import timeit
import uuid

import nova.conf
from nova.cmd import simulated_hosts
from nova import objects
from nova.virt.libvirt import driver as libvirt_driver

CONF = nova.conf.CONF
EMULATE_42 = {'hw:maxphysaddr_mode': 'emulate', 'hw:maxphysaddr_bits': '42'}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=7)
    parser.add_argument('--number', type=int, default=5000)
    args = parser.parse_args()

    objects.register_all()
    CONF.set_override('virt_type', 'qemu', group='libvirt')
    amd48 = {d.name: d for d in simulated_hosts.SIMULATED_HOSTS}['amd-48']
    drv = libvirt_driver.LibvirtDriver(simulated_hosts.SimulatedHost(amd48))
    instance = objects.Instance(uuid=str(uuid.uuid4()), name='bench')
    image = objects.ImageMeta.from_dict({'properties': {}})
    results = {}
    for label, specs in (('without maxphysaddr', {}),
                         ('emulate, bits=42', EMULATE_42)):
        flavor = objects.Flavor(memory_mb=2048, vcpus=2, extra_specs=specs)

        def build(flavor=flavor):
            drv._get_guest_config(instance, image, flavor).to_xml()

        best = min(timeit.repeat(build, number=args.number,
                                 repeat=args.repeat))
        results[label] = best / args.number * 1e6
        print('%-22s %6.1f us per guest' % (label, results[label]))
    base, feature = results.values()
    print('the feature adds %.1f us (%.0f%% of this minimal guest)' % (
        feature - base, (feature - base) / base * 100))


if __name__ == '__main__':
    main()
