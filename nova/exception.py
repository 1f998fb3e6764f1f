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

"""Exceptions raised by the maxphysaddr feature.

Every exception carries a message template (``msg_fmt``) filled from keyword
arguments, so callers pass facts (the key, the value, what is allowed) and the
wording lives in one place.  ``code`` is the HTTP status the API would answer
with; ``reschedulable`` tells the compute manager that another host may
succeed where this one refused.
"""

from __future__ import annotations

from typing import Any

from nova_maxphysaddr.rules import errors as rule_errors
from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class NovaException(Exception):
    """Base of every exception defined here."""

    msg_fmt = "An unknown exception occurred."
    code = 500
    reschedulable = False

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError):
                # A template/argument mismatch is a programming error; keep
                # the facts rather than hide them behind a second exception.
                LOG.exception("Exception message format error for %s: %s",
                              type(self).__name__, kwargs)
                message = "%s: %r" % (self.msg_fmt, kwargs)
        self.message = message
        super().__init__(message)

    def format_message(self) -> str:
        return self.message


class Invalid(NovaException):
    """The request is invalid: HTTP 400 at the API."""

    msg_fmt = "Invalid request: %(reason)s"
    code = 400


# --- the maxphysaddr rules' refusals (wording: nova_maxphysaddr.rules) -------

class ValidationError(Invalid):
    """A flavor extra spec failed validation (Nova's API answers 400)."""

    msg_fmt = rule_errors.InvalidFlavorValue.template


class InvalidImageProperty(Invalid, ValueError):
    """An image property has a value the object model cannot accept.

    Also a ValueError: Nova's compute API answers a ValueError from
    ``ImageMetaProps.from_dict`` with HTTP 400, so callers written for
    Nova's object keep refusing the request instead of failing with 500.
    """

    msg_fmt = rule_errors.InvalidImageValue.template


class FlavorImageConflict(Invalid):
    msg_fmt = rule_errors.FlavorImageConflict.template


class InvalidMaxPhysAddrRequest(Invalid):
    """A combination of the maxphysaddr keys that can never work."""

    msg_fmt = rule_errors.InvalidRequest.template


class MaxPhysAddrBitsTooSmall(InvalidMaxPhysAddrRequest):
    msg_fmt = rule_errors.BitsTooSmall.template


# --- compute: host capabilities and the libvirt driver -----------------------

class InvalidHostCapabilities(NovaException):
    """The hypervisor's capabilities document cannot be used."""

    msg_fmt = "Cannot use the host capabilities document: %(reason)s"


class InvalidHypervisorVersion(NovaException):
    msg_fmt = ("Invalid %(component)s version %(version)r: %(reason)s")


class MaxPhysAddrUnsupported(NovaException):
    """This compute host cannot give the guest what it asked for.

    Raised by the driver before libvirt or QEMU would fail, so the compute
    manager can try another host.
    """

    msg_fmt = ("Host %(host)s cannot honour the guest's maxphysaddr request "
               "(%(request)s): %(reason)s")
    reschedulable = True


class MigrationPreCheckError(NovaException):
    msg_fmt = "Migration pre-check error: %(reason)s"
    code = 400


class MaxPhysAddrMigrationError(MigrationPreCheckError):
    msg_fmt = ("Cannot move the instance to host %(host)s: its maxphysaddr "
               "request (%(request)s) %(reason)s")


class InstanceBootFailed(NovaException):
    """libvirt or QEMU refused to define or start the guest."""

    msg_fmt = "Guest %(name)s failed to %(action)s: %(reason)s"


# --- real QEMU: the embedded driver and guest introspection ------------------

class EmbeddedQEMUUnavailable(NovaException):
    """libvirt's in-process QEMU driver cannot run on this machine."""

    msg_fmt = "Cannot use libvirt's embedded QEMU driver: %(reason)s"


class GuestIntrospectionFailed(NovaException):
    """QEMU could not be asked what it actually gave a running guest."""

    msg_fmt = "Cannot read %(what)s of guest %(name)s: %(reason)s"


class InvalidLibvirtXML(NovaException):
    """A libvirt XML document cannot be read, or a value cannot be written."""

    msg_fmt = "Invalid libvirt XML for %(what)s: %(reason)s"


class HypervisorUnavailable(NovaException):
    msg_fmt = "Cannot connect to the hypervisor at %(uri)s: %(reason)s"


class InvalidConfiguration(NovaException):
    """An option, or a combination of options, the service cannot run with."""

    msg_fmt = "Invalid configuration [%(group)s]%(option)s=%(value)r: " \
              "%(reason)s"


class InstanceTerminationFailure(NovaException):
    msg_fmt = "Guest %(name)s could not be destroyed: %(reason)s"


# --- scheduler ---------------------------------------------------------------

class SchedulerHostFilterNotFound(NovaException):
    msg_fmt = ("Unknown scheduler host filter %(filter_name)r; known "
               "filters: %(known)s")
