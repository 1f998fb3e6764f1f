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

"""An API request filter: boot, rebuild and resize checked before Nova acts.

Nova 34 meets a flavor/image conflict only while it builds the scheduling
request, after the API has accepted the boot (the server faults with a
500), and it never checks image properties or RAM against the bits.  This
paste filter sits in front of Nova's compute API application and applies the
shared rules to the flavor and image a request names, answering 400 with the
rule's message before anything is created or scheduled.  Anything it cannot
look up (an unknown flavor, an image Glance does not return) is left to
Nova, which answers as it always does; the scheduler filter still checks
what passes here.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
import json
import re
import urllib.parse
from typing import Any

from oslo_log import log as logging
import webob

from nova_maxphysaddr import guest
from nova_maxphysaddr.rules import errors

LOG = logging.getLogger(__name__)

# PATH_INFO below the API root, with or without a project id: the boot
# URLs (/os-volumes_boot is the same controller, up to microversion 2.102)
# and the server action URL.
_BOOT_RE = re.compile(r'(?:/[^/]+)?/(?:servers|os-volumes_boot)/?\Z')
_ACTION_RE = re.compile(r'(?:/[^/]+)?/servers/(?P<server>[^/]+)/action/?\Z')

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _ref_id(ref: Any) -> str | None:
    """The id in a flavorRef/imageRef: an id (a flavorRef may be a JSON
    integer) or a link, whose last path segment it is, as Nova reads it."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return str(ref)
    if not isinstance(ref, str) or not ref:
        return None
    segment = urllib.parse.urlsplit(ref).path.rstrip('/').rsplit('/', 1)[-1]
    return segment or None


class _NovaLookups:
    """Flavors, images and servers, read as Nova's API reads them."""

    def __init__(self) -> None:
        self._image_api: Any = None
        self._compute_api: Any = None

    def flavor(self, context: Any, flavor_ref: Any) -> Any:
        from nova import objects
        flavor_id = _ref_id(flavor_ref)
        if flavor_id is None:
            return None
        return objects.Flavor.get_by_flavor_id(context, flavor_id)

    def image_props(self, context: Any, image_ref: Any) -> Any:
        """The image's properties as the scheduler will see them (Nova's
        ``ImageMetaProps``: typed, legacy names mapped), or None."""
        image_id = _ref_id(image_ref)
        if image_id is None:
            return None
        if self._image_api is None:
            from nova.image import glance
            self._image_api = glance.API()
        image = self._image_api.get(context, image_id)
        from nova import objects
        try:
            return objects.ImageMeta.from_dict(image).properties
        except ValueError:
            return None  # Nova refuses the image itself, with its message.

    def server(self, context: Any, server_id: str) -> Any:
        if self._compute_api is None:
            from nova.compute import api as compute_api
            self._compute_api = compute_api.API()
        return self._compute_api.get(context, server_id,
                                     expected_attrs=['flavor'])


def _boot_image_ref(server: dict[str, Any]) -> Any:
    """The Glance image a boot request boots from: imageRef, or the image
    a boot-from-volume request's boot device is made from; None when it
    boots an existing volume or snapshot, whose image properties (the
    volume's) Glance does not hold."""
    if server.get('imageRef'):
        return server['imageRef']
    for bdm in server.get('block_device_mapping_v2') or ():
        if isinstance(bdm, dict) and bdm.get('source_type') == 'image' \
                and str(bdm.get('boot_index')) == '0':
            return bdm.get('uuid')
    return None


class MaxPhysAddrAPIFilter:
    """WSGI middleware in front of Nova's compute API application."""

    def __init__(self, app: WSGIApp,
                 lookups: _NovaLookups | None = None) -> None:
        self.app = app
        self.lookups = lookups or _NovaLookups()
        self._warned = False

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get('REQUEST_METHOD') == 'POST':
            refusal = self._refusal(webob.Request(environ))
            if refusal is not None:
                return refusal(environ, start_response)
        return self.app(environ, start_response)

    def _refusal(self, req: webob.Request) -> webob.Response | None:
        path = req.path_info
        boot = _BOOT_RE.match(path)
        action = None if boot else _ACTION_RE.match(path)
        if not boot and not action:
            return None
        context = req.environ.get('nova.context')
        if context is None:
            if not self._warned:
                LOG.warning('maxphysaddr API filter: no nova.context in the '
                            'request; place it after keystonecontext in '
                            'api-paste.ini. Requests are not checked.')
                self._warned = True
            return None
        req.make_body_seekable()
        try:
            body = json.loads(req.body or b'null')
        except (ValueError, RecursionError):
            return None  # Nova answers malformed bodies itself.
        finally:
            req.body_file.seek(0)
        if not isinstance(body, dict):
            return None
        try:
            if boot:
                message = self._check_boot(context, body.get('server'))
            else:
                message = self._check_action(context, action['server'], body)
        except Exception as exc:  # noqa: B902 - Nova answers for itself.
            LOG.debug('maxphysaddr API check skipped for %s %s: %s',
                      req.method, path, exc)
            return None
        if message is None:
            return None
        LOG.info('maxphysaddr: refused %s %s: %s', req.method, path, message)
        return _bad_request(message)

    def _check(self, flavor: Any, props: Any) -> str | None:
        if flavor is None or props is None:
            # Without the image's properties half the request is unknown;
            # the scheduler's MaxPhysAddrFilter checks it with them.
            return None
        try:
            guest.resolve(flavor.memory_mb, flavor.extra_specs, props)
        except errors.RuleError as exc:
            return str(exc)
        return None

    def _check_boot(self, context: Any, server: Any) -> str | None:
        if not isinstance(server, dict):
            return None
        image_ref = _boot_image_ref(server)
        if image_ref is None:
            return None
        flavor = self.lookups.flavor(context, server.get('flavorRef'))
        return self._check(flavor,
                           self.lookups.image_props(context, image_ref))

    def _check_action(self, context: Any, server_id: str,
                      body: dict[str, Any]) -> str | None:
        rebuild = body.get('rebuild')
        resize = body.get('resize')
        if isinstance(rebuild, dict) and rebuild.get('imageRef'):
            instance = self.lookups.server(context, server_id)
            props = self.lookups.image_props(context, rebuild['imageRef'])
            return self._check(instance.flavor, props)
        if isinstance(resize, dict) and resize.get('flavorRef'):
            instance = self.lookups.server(context, server_id)
            flavor = self.lookups.flavor(context, resize['flavorRef'])
            return self._check(flavor, instance.image_meta.properties)
        return None


def _bad_request(message: str) -> webob.Response:
    """A 400 shaped like Nova's own faults."""
    return webob.Response(
        status=400, content_type='application/json', charset='utf-8',
        body=json.dumps({'badRequest': {'code': 400,
                                        'message': message}}).encode())


def filter_factory(global_conf: dict[str, Any],
                   **local_conf: Any) -> Callable[[WSGIApp], WSGIApp]:
    """paste.deploy's entry: ``paste.filter_factory =
    nova_maxphysaddr.api:filter_factory``."""
    def _filter(app: WSGIApp) -> WSGIApp:
        # Operators look for this line to confirm the pipeline has it.
        LOG.info('maxphysaddr API filter loaded: boot, rebuild and resize '
                 'requests are checked')
        return MaxPhysAddrAPIFilter(app)
    return _filter
