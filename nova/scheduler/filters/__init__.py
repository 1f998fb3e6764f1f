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

"""Host filters: which compute hosts can take a boot request.

Every filter answers with a *reason*: ``None`` when the host passes, or a
sentence saying why it does not.  ``host_passes`` is only "no reason", so
the yes/no answer and the explanation an operator sees cannot disagree.

A filter parses the request once (:meth:`BaseHostFilter.prepare`) into a
:data:`HostCheck`, a function of the host alone, which is then run for
every host.  The filter handler prepares once per call; ``host_passes``
(Nova's calling convention: once per host, same request) keeps the check of
the request it saw last, for as long as that ``RequestSpec`` holds the same
flavor and image objects (one comparison per host: the spec's
``change_stamp``).

Both run per host, 10,000 times a request in a large cloud, so both keep
the per-host work to a few lookups: the width verdict (the check both
filters start with) is a :class:`WidthVerdicts` table they look up inline,
and only what follows it is called.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from oslo_log import log as logging

from nova.objects import request_spec
from nova.scheduler import host_manager

LOG = logging.getLogger(__name__)

HostCheck = Callable[[host_manager.HostState], 'str | None']

# Where an oslo object keeps a field's value (oslo.versionedobjects stores
# field ``x`` as attribute ``_obj_x``): read there, a field that is not set
# is None rather than a lazy-load.
_FLAVOR_STORAGE = '_obj_flavor'
_IMAGE_STORAGE = '_obj_image'
# The stdlib logger under LOG (an oslo adapter): asking it whether debug is
# on is one call instead of two, and it is asked once per rejected host.
_LOGGER = LOG.logger
_DEBUG = logging.DEBUG


class _Verdicts(dict[Any, 'str | None']):
    """Verdicts by key, each computed by ``judge(key)`` when first asked."""

    __slots__ = ('_judge',)

    def __init__(self, judge: Callable[[Any], str | None]) -> None:
        super().__init__()
        self._judge = judge

    def __missing__(self, key: Any) -> str | None:
        verdict = self[key] = self._judge(key)
        return verdict


class WidthVerdicts(_Verdicts):
    """A check that depends on the host's width alone, as tables.

    The verdict (a reason, or None) for each host width is computed by
    ``judge(bits, None)`` the first time a host of that width is met, and
    looked up after that; ``unknown`` holds those for each reason a width
    is unknown (``judge(None, reason)``): a cloud's hosts share a handful of
    both.  Calling it checks one host, like any :data:`HostCheck`; the
    filters' hot paths do the lookup inline, which saves a call per host.
    """

    __slots__ = ('unknown',)

    def __init__(self, judge: Callable[[int | None, str | None],
                                       str | None]) -> None:
        super().__init__(lambda bits: judge(bits, None))
        self.unknown = _Verdicts(lambda reason: judge(None, reason))

    def __call__(self, host_state: host_manager.HostState) -> str | None:
        bits = host_state.maxphysaddr_bits
        if bits is not None:
            return self[bits]
        return self.unknown[host_state.maxphysaddr_unknown_reason]

    def __bool__(self) -> bool:
        # A check, not a container: true like any function, even before
        # its first verdict.
        return True


class _WidthThen:
    """A width check followed by other checks (:func:`combine` makes it)."""

    __slots__ = ('widths', 'rest')

    def __init__(self, widths: WidthVerdicts, rest: HostCheck) -> None:
        self.widths = widths
        self.rest = rest

    def __call__(self, host_state: host_manager.HostState) -> str | None:
        return self.widths(host_state) or self.rest(host_state)


def split(check: HostCheck | None
          ) -> tuple[WidthVerdicts | None, HostCheck | None]:
    """``check`` as (its width table, the check of everything else): the
    hot paths look the width verdict up without a call, then call the rest
    (None: nothing else to check)."""
    if isinstance(check, WidthVerdicts):
        return check, None
    if isinstance(check, _WidthThen):
        return check.widths, check.rest
    return None, check


# (the spec's change stamp, the spec, its flavor, its image, the check,
# split(check)): see BaseHostFilter._prepared_for().
_Prepared = tuple[Any, Any, Any, Any, 'HostCheck | None',
                  'WidthVerdicts | None', 'HostCheck | None']
_NOTHING_PREPARED: _Prepared = (None, None, None, None, None, None, None)


def _field(spec_obj: Any, name: str) -> Any:
    """``spec_obj.<name>``, or None when it is not set.

    An unset field of an oslo object raises NotImplementedError (it tries
    to lazy-load it), not AttributeError, so getattr's default is no help.
    """
    try:
        return getattr(spec_obj, name, None)
    except NotImplementedError:
        return None


def _stamp(spec_obj: Any) -> object:
    """The spec's change stamp (see RequestSpec), or for anything else a
    new object, which the spec will never be seen to have again."""
    if isinstance(spec_obj, request_spec.RequestSpec):
        try:
            return spec_obj.change_stamp
        except AttributeError:
            pass
    return object()


def _request_objects(spec_obj: Any) -> tuple[Any, Any]:
    """The flavor and image objects that say what ``spec_obj`` asks for."""
    storage = getattr(spec_obj, '__dict__', None)
    if storage is not None and _FLAVOR_STORAGE in storage:
        return storage[_FLAVOR_STORAGE], storage.get(_IMAGE_STORAGE)
    return _field(spec_obj, 'flavor'), _field(spec_obj, 'image')


class BaseHostFilter:
    """Base of the host filters."""

    def __init__(self) -> None:
        self._prepared: _Prepared = _NOTHING_PREPARED

    @property
    def name(self) -> str:
        return type(self).__name__

    def prepare(self, spec_obj: Any) -> HostCheck | None:
        """Parse the request into a per-host check.

        Returns None when this filter has nothing to check for the request
        (every host passes).  An invalid request gives a check that rejects
        every host with the error; it never raises for a request the
        scheduler could be given.
        """
        raise NotImplementedError()

    def check_for(self, spec_obj: Any) -> HostCheck | None:
        """The prepared check for ``spec_obj``, parsed again only when the
        spec, or its flavor or image object, is another one (a resize gives
        the spec a new flavor, a rebuild a new image).  Changing a flavor
        or image in place (its extra specs, RAM or properties) while it is
        being scheduled is not noticed; Nova does not do that.
        """
        return self._prepared_for(spec_obj)[4]

    def _prepared_for(self, spec_obj: Any) -> _Prepared:
        flavor, image = _request_objects(spec_obj)
        stamp = _stamp(spec_obj)
        prepared = self._prepared
        if (prepared[1] is not spec_obj or prepared[2] is not flavor or
                prepared[3] is not image):
            check = prepare_safely(self, spec_obj)
            prepared = (stamp, spec_obj, flavor, image, check, *split(check))
        elif prepared[0] is not stamp:
            # Something else about the spec changed: the check stands.
            prepared = (stamp, *prepared[1:])
        self._prepared = prepared
        return prepared

    def reject_reason(self, host_state: host_manager.HostState,
                      spec_obj: Any) -> str | None:
        """Why the host cannot take the request, or None if it can."""
        check = self.check_for(spec_obj)
        if check is None:
            return None
        try:
            return check(host_state)
        except Exception as exc:
            return check_failed(host_state, exc)

    def host_passes(self, host_state: host_manager.HostState,
                    spec_obj: Any) -> bool:
        """Whether the host can take the request; never raises."""
        # This runs per host: check_for() and the check are inlined for the
        # spec seen last, unchanged since (the same change stamp).
        prepared = self._prepared
        try:
            if prepared[0] is not spec_obj.change_stamp:
                prepared = self._prepared_for(spec_obj)
        except AttributeError:
            prepared = self._prepared_for(spec_obj)
        check = prepared[4]
        if check is None:
            return True
        widths = prepared[5]
        try:
            if widths is None:
                reason = check(host_state)
            else:
                # WidthVerdicts.__call__, inlined.
                bits = host_state.maxphysaddr_bits
                reason = widths[bits] if bits is not None else \
                    widths.unknown[host_state.maxphysaddr_unknown_reason]
                if reason is None:
                    rest = prepared[6]
                    if rest is None:
                        return True
                    reason = rest(host_state)
        except Exception as exc:
            reason = check_failed(host_state, exc)
        if reason is None:
            return True
        if _LOGGER.isEnabledFor(_DEBUG):
            LOG.debug('%s fails %s: %s', host_state, self.name, reason)
        return False


def prepare_safely(host_filter: BaseHostFilter, spec_obj: Any
                   ) -> HostCheck | None:
    """``host_filter.prepare(spec_obj)``; a request it cannot even read
    (a malformed object handed to the scheduler) rejects every host instead
    of stopping the scheduler."""
    try:
        return host_filter.prepare(spec_obj)
    except Exception as exc:
        LOG.exception('%s could not read the request', host_filter.name)
        return reject_all('%s could not read the request (%s: %s)' % (
            host_filter.name, type(exc).__name__, exc))


def check_failed(host_state: host_manager.HostState, exc: Exception) -> str:
    """The rejection reason for a check that raised (logged with trace).

    Host data is normalised by ``HostState``, so checks do not raise on it;
    this is the last guard that keeps one odd host object (a stand-in
    class, attributes set by hand) from stopping the scheduler.
    """
    LOG.exception('Filter check failed on host %s', host_state)
    return 'the filter could not evaluate this host (%s: %s)' % (
        type(exc).__name__, exc)


def reject_all(reason: str) -> HostCheck:
    """A check that rejects every host with one reason (a bad request)."""
    return lambda host_state: reason


def combine(checks: Sequence[HostCheck]) -> HostCheck | None:
    """One check that runs ``checks`` in order; the first reason wins."""
    if not checks:
        return None
    if isinstance(checks[0], WidthVerdicts) and len(checks) > 1:
        # Kept apart, so that the hot paths can look the width up inline.
        rest = combine(checks[1:])
        if rest is not None:
            return _WidthThen(checks[0], rest)
    combined = checks[-1]
    for check in reversed(checks[:-1]):
        # A reason is never empty, so ``or`` moves on exactly when the
        # first check passed (None); cheaper per host than a loop.
        combined = _either(check, combined)
    return combined


def _either(first: HostCheck, then: HostCheck) -> HostCheck:
    return lambda host_state: first(host_state) or then(host_state)
