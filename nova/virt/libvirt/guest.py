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
