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

"""Guest: the driver's handle on one libvirt domain."""

from unittest import mock

from nova.virt.libvirt import guest

from tests import base
from tests import fakelibvirt

UUID = 'c7a5fdbd-cdaf-9455-926a-d65c16db1809'
DOMAIN_XML = ("<domain type='qemu'><name>instance-1</name><uuid>%s</uuid>"
              "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
              "</domain>" % UUID)


class GuestTest(base.LibvirtTestCase):

    def define(self, running=True):
        domain = self.conn.defineXML(DOMAIN_XML)
        if running:
            domain.create()
        return domain

    def test_name_uuid_and_domain(self):
        domain = self.define()
        g = guest.Guest(domain)
        self.assertEqual(('instance-1', UUID), (g.name, g.uuid))
        self.assertIs(domain, g.domain)

    def test_live_xml(self):
        domain = self.define()
        with mock.patch.object(domain, 'XMLDesc',
                               wraps=domain.XMLDesc) as xml_desc:
            self.assertEqual(DOMAIN_XML, guest.Guest(domain).get_xml_desc())
        # 0: the live document, not VIR_DOMAIN_XML_INACTIVE.
        xml_desc.assert_called_once_with(0)

    def test_destroy_stops_and_undefines(self):
        guest.Guest(self.define()).destroy()
        self.assertEqual([], self.conn.listAllDomains())

    def test_destroy_a_defined_guest_that_is_not_running(self):
        guest.Guest(self.define(running=False)).destroy()
        self.assertEqual([], self.conn.listAllDomains())

    def test_destroy_a_guest_that_stopped_on_its_own(self):
        domain = self.define()
        g = guest.Guest(domain)
        # QEMU exited (or another client stopped it) after we looked it up.
        self.conn.lookupByUUIDString(UUID).destroy()
        with self.assertLogs(guest.LOG.logger, 'DEBUG') as logs:
            g.destroy()
        self.assertEqual([], self.conn.listAllDomains())
        self.assertIn('Guest instance-1 was not running', logs.output[0])

    def test_destroy_a_transient_guest_only_stops_it(self):
        domain = self.define()
        domain.undefine()  # running, no longer persistent
        with mock.patch.object(domain, 'undefine',
                               wraps=domain.undefine) as undefine:
            guest.Guest(domain).destroy()
        undefine.assert_not_called()
        self.assertEqual([], self.conn.listAllDomains())

    def test_a_running_guest_that_cannot_be_stopped_is_an_error(self):
        domain = self.define()
        with mock.patch.object(domain, 'destroy', side_effect=(
                fakelibvirt.libvirtError('cannot kill'))):
            with self.assertRaises(fakelibvirt.libvirtError) as ctx:
                guest.Guest(domain).destroy()
        self.assertEqual('cannot kill', str(ctx.exception))
        # Still running, still defined.
        self.assertEqual([domain], self.conn.listAllDomains())
        self.assertEqual((1, 1), (domain.isActive(), domain.isPersistent()))

    def test_undefine_failure_is_an_error(self):
        domain = self.define()
        self.conn.undefine_error = 'permission denied'
        with self.assertRaises(fakelibvirt.libvirtError) as ctx:
            guest.Guest(domain).destroy()
        self.assertEqual('permission denied', str(ctx.exception))
        self.assertEqual((0, 1), (domain.isActive(), domain.isPersistent()))
