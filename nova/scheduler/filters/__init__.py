"""Host filters: which compute hosts can take a boot request.

Every filter answers with a *reason*: ``None`` when the host passes, or a
sentence saying why it does not.  ``host_passes`` is only "no reason", so
the yes/no answer and the explanation an operator sees cannot disagree.

A filter parses the request once (:meth:`BaseHostFilter.prepare`) into a
:data:`HostCheck`, a function of the host alone, which is then run for
every host.  The filter handler prepares once per call; ``host_passes``
(Nova's calling convention: once per host, same request) keeps the check of
the request it saw last, for as long as that ``RequestSpec`` holds the same
flavor and image objects.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from oslo_log import log as logging

from nova.scheduler import host_manager

LOG = logging.getLogger(__name__)

HostCheck = Callable[[host_manager.HostState], 'str | None']

# Where an oslo object keeps a field's value (oslo.versionedobjects stores
# field ``x`` as attribute ``_obj_x``).  Reading them from the instance
# dict is several times cheaper than the field properties, and the request
# is looked at once per host.
_FLAVOR_STORAGE = '_obj_flavor'
_IMAGE_STORAGE = '_obj_image'
_NOTHING_PREPARED = (None, None, None, None)


def _field(spec_obj: Any, name: str) -> Any:
    """``spec_obj.<name>``, or None when it is not set.

    An unset field of an oslo object raises NotImplementedError (it tries
    to lazy-load it), not AttributeError, so getattr's default is no help.
    """
    try:
        return getattr(spec_obj, name, None)
    except NotImplementedError:
        return None


def _request_objects(spec_obj: Any) -> tuple[Any, Any]:
    """The flavor and image objects that say what ``spec_obj`` asks for."""
    storage = getattr(spec_obj, '__dict__', None)
    if storage is not None and _FLAVOR_STORAGE in storage:
        return storage[_FLAVOR_STORAGE], storage.get(_IMAGE_STORAGE)
    return _field(spec_obj, 'flavor'), _field(spec_obj, 'image')


class BaseHostFilter:
    """Base of the host filters."""

    def __init__(self) -> None:
        # (request spec, its flavor, its image, the check): see check_for().
        self._prepared: tuple[Any, Any, Any, HostCheck | None] = \
            _NOTHING_PREPARED

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
        the spec a new flavor).  Changing a flavor's extra specs in place
        while it is being scheduled is not noticed; Nova does not do that.
        """
        flavor, image = _request_objects(spec_obj)
        prepared = self._prepared
        if (prepared[0] is not spec_obj or prepared[1] is not flavor or
                prepared[2] is not image):
            prepared = self._prepared = (spec_obj, flavor, image,
                                         prepare_safely(self, spec_obj))
        return prepared[3]

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
        # check_for() inlined for a spec seen before: this runs per host.
        prepared = self._prepared
        try:
            storage = spec_obj.__dict__
            fresh = (prepared[0] is spec_obj and
                     prepared[1] is storage[_FLAVOR_STORAGE] and
                     prepared[2] is storage[_IMAGE_STORAGE])
        except (AttributeError, KeyError):
            fresh = False
        check = prepared[3] if fresh else self.check_for(spec_obj)
        if check is None:
            return True
        try:
            reason = check(host_state)
        except Exception as exc:
            reason = check_failed(host_state, exc)
        if reason is None:
            return True
        if LOG.isEnabledFor(logging.DEBUG):
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
    combined = checks[-1]
    for check in reversed(checks[:-1]):
        # A reason is never empty, so ``or`` moves on exactly when the
        # first check passed (None); cheaper per host than a loop.
        combined = _either(check, combined)
    return combined


def _either(first: HostCheck, then: HostCheck) -> HostCheck:
    return lambda host_state: first(host_state) or then(host_state)
