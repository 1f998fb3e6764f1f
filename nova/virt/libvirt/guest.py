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

"""A libvirt domain, seen from the compute host: the driver's handle on a
guest it defined."""

from __future__ import annotations

import libvirt
from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class Guest:
    """One libvirt domain."""

    def __init__(self, domain: libvirt.virDomain) -> None:
        self._domain = domain

    @property
    def domain(self) -> libvirt.virDomain:
        return self._domain

    @property
    def name(self) -> str:
        return self._domain.name()

    @property
    def uuid(self) -> str:
        return self._domain.UUIDString()

    def get_xml_desc(self) -> str:
        """libvirt's live domain XML (with what libvirt filled in)."""
        return self._domain.XMLDesc(0)

    def destroy(self) -> None:
        """Stop the guest if it runs, and undefine it if it is persistent.

        :raises libvirt.libvirtError: libvirt refused
        """
        try:
            self._domain.destroy()
        except libvirt.libvirtError as exc:
            # Not running (it may have stopped on its own): fine.
            if self._domain.isActive():
                raise
            LOG.debug('Guest %s was not running: %s', self.name, exc)
        if self._domain.isPersistent():
            self._domain.undefine()
