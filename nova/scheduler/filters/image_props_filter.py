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

"""ImagePropertiesFilter: hosts that can run the image.

The image's ``hw_architecture``, ``img_hv_type`` and ``hw_vm_mode`` must be
one of the host's ``supported_instances``; its ``img_hv_requested_version``
(``>=7.0,<8.0``) must hold for the host's hypervisor version; and a guest
asking for ``hw_maxphysaddr_bits=N`` needs a host reporting at least N.

Each check stands alone: unlike Nova's, the width and version checks run
whether or not the image names an architecture, hypervisor type or VM
mode, and a host that does not report what the image asks about fails.
"""

from __future__ import annotations

from typing import Any

from nova_maxphysaddr.rules import request as rule_request
from oslo_log import log as logging
from oslo_utils import versionutils

from nova.scheduler import filters
from nova.scheduler.filters import maxphysaddr
from nova.scheduler import host_manager
from nova import utils
from nova.virt import hardware

LOG = logging.getLogger(__name__)

ARCH_PROP = rule_request.IMAGE_ARCH_KEY
HV_TYPE_PROP = 'img_hv_type'
VM_MODE_PROP = 'hw_vm_mode'
HV_VERSION_PROP = 'img_hv_requested_version'


def _instance_type_check(props: Any) -> filters.HostCheck | None:
    wanted = (props.get(ARCH_PROP), props.get(HV_TYPE_PROP),
              props.get(VM_MODE_PROP))
    if wanted == (None, None, None):
        return None
    key = host_manager.instance_key(*wanted)
    described = ', '.join('%s=%s' % (name, value) for name, value in zip(
        (ARCH_PROP, HV_TYPE_PROP, VM_MODE_PROP), wanted) if value)

    def check(host_state: host_manager.HostState) -> str | None:
        if key in host_state.supported_instance_keys:
            return None
        return 'host supports %s, not the image\'s %s' % (
            [list(t) for t in host_state.supported_instances] or 'nothing',
            described)
    return check


def _version_check(requested: str) -> filters.HostCheck:
    try:
        predicate = versionutils.VersionPredicate(requested)
    except ValueError as exc:
        reason = ('image property %s=%r is invalid (%s); expected '
                  'comparisons such as ">=7.0,<8.0"' % (
                      HV_VERSION_PROP, requested, exc))
        LOG.warning('Rejecting every host: %s', reason)
        return filters.reject_all(reason)
    # Hosts share a handful of versions: compare each version once.
    verdicts: dict[int, bool] = {}

    def check(host_state: host_manager.HostState) -> str | None:
        host_version = host_state.hypervisor_version
        if host_version is None:
            return ('host does not report its hypervisor version; the '
                    'image needs %s' % requested)
        ok = verdicts.get(host_version)
        if ok is None:
            ok = verdicts[host_version] = predicate.satisfied_by(
                utils.version_to_str(host_version))
        if not ok:
            return 'host hypervisor version %s does not satisfy %s=%r' % (
                utils.version_to_str(host_version), HV_VERSION_PROP, requested)
        return None
    return check


class ImagePropertiesFilter(filters.BaseHostFilter):
    """Hosts that support the image's architecture, hypervisor and width."""

    def prepare(self, spec_obj: Any) -> filters.HostCheck | None:
        checks = []
        bits_check = maxphysaddr.width_check(spec_obj.flavor,
                                             spec_obj.image)
        if bits_check is not None:
            checks.append(bits_check)
        props = hardware.image_props(spec_obj.image)
        if props is not None:
            type_check = _instance_type_check(props)
            if type_check is not None:
                checks.append(type_check)
            requested = props.get(HV_VERSION_PROP)
            if requested is not None:
                checks.append(_version_check(requested))
        return filters.combine(checks)
