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

"""The physical address width check both filters apply.

The guest's request comes from the one resolver, whichever of flavor and
image set it, and each host is judged by the one host-width rule
(:func:`nova_maxphysaddr.rules.host.width_refusal`, which the driver
applies at spawn too).  Hosts share a handful of widths and of reasons for
not knowing theirs, so each verdict is computed once per request and
looked up per host.
"""

from __future__ import annotations

from typing import Any

from nova_maxphysaddr.rules import host as host_rules
from oslo_log import log as logging

from nova import exception
from nova.scheduler import filters
from nova.virt import hardware

LOG = logging.getLogger(__name__)


def width_check(flavor: Any, image_meta: Any) -> filters.HostCheck | None:
    """The check for a request's width, or None when it asks for none.

    A request the resolver refuses rejects every host with the refusal
    (the API stops those; one reaching the scheduler is logged).
    """
    try:
        request = hardware.get_maxphysaddr_request(flavor, image_meta)
    except exception.Invalid as exc:
        LOG.warning('Rejecting every host for an invalid request: %s',
                    exc.format_message())
        return filters.reject_all(
            'the request is invalid: %s' % exc.format_message())
    if request is None:
        return None
    layout = hardware.get_guest_layout(flavor, image_meta)
    return filters.WidthVerdicts(
        lambda bits, unknown: host_rules.width_refusal(request, layout, bits,
                                                       unknown))
