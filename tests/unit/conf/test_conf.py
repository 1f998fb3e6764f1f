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

"""[libvirt] options: names, defaults, choices, and the sample config."""

import os
import subprocess
import sys
import tempfile
import unittest

from oslo_config import cfg

import nova.conf
from nova.conf import opts

CONF = nova.conf.CONF
ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..')


class LibvirtOptionsTest(unittest.TestCase):

    def test_defaults(self):
        self.assertEqual(
            ('kvm', '', None, [], None, 0),
            (CONF.libvirt.virt_type, CONF.libvirt.connection_uri,
             CONF.libvirt.cpu_mode, CONF.libvirt.cpu_models,
             CONF.libvirt.hw_machine_type, CONF.libvirt.file_backed_memory))

    def test_choices(self):
        def choices(name):
            return [c[0] for c in CONF._get_opt_info(name, 'libvirt')[
                'opt'].type.choices.items()]

        self.assertEqual(['kvm', 'qemu', 'lxc', 'parallels'],
                         choices('virt_type'))
        self.assertEqual(['custom', 'host-model', 'host-passthrough',
                          'maximum', 'none'], choices('cpu_mode'))

    def test_invalid_values_are_refused(self):
        for name, value in (('virt_type', 'xen'),
                            ('cpu_mode', 'host_model'),
                            ('file_backed_memory', -1)):
            with self.subTest(name=name):
                with self.assertRaises(ValueError):
                    CONF.set_override(name, value, group='libvirt')
                self.addCleanup(CONF.clear_override, name, group='libvirt')

    def test_from_a_config_file(self):
        with tempfile.NamedTemporaryFile('w', suffix='.conf') as f:
            f.write('[libvirt]\nvirt_type = qemu\ncpu_mode = custom\n'
                    'cpu_models = Skylake-Client, qemu64\n'
                    'hw_machine_type = x86_64=q35, aarch64=virt\n'
                    'file_backed_memory = 2097152\n')
            f.flush()
            conf = cfg.ConfigOpts()
            nova.conf.libvirt.register_opts(conf)
            conf(['--config-file', f.name], project='nova')
        self.assertEqual(
            ('qemu', 'custom', ['Skylake-Client', 'qemu64'],
             ['x86_64=q35', 'aarch64=virt'], 2097152),
            (conf.libvirt.virt_type, conf.libvirt.cpu_mode,
             conf.libvirt.cpu_models, conf.libvirt.hw_machine_type,
             conf.libvirt.file_backed_memory))

    def test_list_opts(self):
        [(group, options)] = opts.list_opts()
        self.assertEqual('libvirt', group.name)
        self.assertEqual(['virt_type', 'connection_uri', 'cpu_mode',
                          'cpu_models', 'hw_machine_type',
                          'file_backed_memory'],
                         [o.name for o in options])


class SampleConfigTest(unittest.TestCase):

    def test_oslo_config_generator(self):
        # The generator as operators run it: through the nova.conf entry
        # point named in setup.cfg and our generator config file.
        with tempfile.TemporaryDirectory() as tmp:
            output = os.path.join(tmp, 'nova.conf.sample')
            subprocess.run(
                [sys.executable, '-m', 'oslo_config.generator',
                 '--config-file',
                 os.path.join(ROOT, 'etc/nova/nova-config-generator.conf'),
                 '--output-file', output],
                check=True, cwd=ROOT, capture_output=True, text=True)
            with open(output) as f:
                sample = f.read()
        section = sample[sample.index('[libvirt]'):]
        for line in ('#virt_type = kvm', '#connection_uri =',
                     '#cpu_mode = <None>', '#cpu_models =',
                     '#hw_machine_type = <None>',
                     '#file_backed_memory = 0', '# Minimum value: 0',
                     '# host-passthrough - the host CPU itself'):
            self.assertIn(line + '\n', section)
