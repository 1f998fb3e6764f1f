"""Host filters: which compute hosts can take a boot request.

Every filter answers with a *reason*: ``None`` when the host passes, or a
sentence saying why it does not.  ``host_passes`` is only "no reason", so
the yes/no answer and the explanation an operator sees cannot disagree.

A filter parses the request once (:meth:`BaseHostFilter.prepare`) into a
:data:`HostCheck`, a function of the host alone, which is then run for
every host.  The filter handler prepares once per call; ``host_passes``
keeps the check of the last request object it saw.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from oslo_log import log as logging

from nova import exception
from nova.scheduler import host_manager
from nova.virt import hardware

LOG = logging.getLogger(__name__)

HostCheck = Callable[[host_manager.HostState], 'str | None']


class BaseHostFilter:
    """Base of the host filters."""

    def __init__(self) -> None:
        # (request spec, its check): see reject_reason().
        self._prepared: tuple[Any, HostCheck | None] | None = None

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

    def reject_reason(self, host_state: host_manager.HostState,
                      spec_obj: Any) -> str | None:
        """Why the host cannot take the request, or None if it can.

        The request is parsed once per request: the same ``RequestSpec``
        with the same flavor and image objects (a resize gives the spec a
        new flavor object, and is parsed again).  Changing a flavor's extra
        specs in place while it is being scheduled is not noticed; Nova does
        not do that.
        """
        key = (spec_obj, _field(spec_obj, 'flavor'),
               _field(spec_obj, 'image'))
        prepared = self._prepared
        if prepared is None or any(
                a is not b for a, b in zip(prepared[0], key)):
            prepared = self._prepared = (key, prepare_safely(self, spec_obj))
        check = prepared[1]
        if check is None:
            return None
        try:
            return check(host_state)
        except Exception as exc:
            return check_failed(host_state, exc)

    def host_passes(self, host_state: host_manager.HostState,
                    spec_obj: Any) -> bool:
        """Whether the host can take the request; never raises."""
        reason = self.reject_reason(host_state, spec_obj)
        if reason is None:
            return True
        if LOG.isEnabledFor(logging.DEBUG):
            LOG.debug('%s fails %s: %s', host_state, self.name, reason)
        return False


def _field(spec_obj: Any, name: str) -> Any:
    """``spec_obj.<name>``, or None when it is not set.

    An unset field of an oslo object raises NotImplementedError (it tries
    to lazy-load it), not AttributeError, so getattr's default is no help.
    """
    try:
        return getattr(spec_obj, name, None)
    except NotImplementedError:
        return None


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


def maxphysaddr_check(flavor: Any, image_meta: Any) -> HostCheck | None:
    """The physical address width check both filters apply.

    The guest's request comes from the one resolver, whichever of flavor
    and image set it: a guest asking for N bits needs a host reporting at
    least N, and a host whose width is unknown cannot be trusted with it
    (fail closed).  A ``passthrough`` guest gets the host's width, which
    must hold its RAM (:func:`_passthrough_check`).  A guest without the
    feature has nothing to check.
    """
    try:
        request = hardware.get_maxphysaddr_request(flavor, image_meta)
    except exception.Invalid as exc:
        LOG.warning('Rejecting every host for an invalid request: %s',
                    exc.format_message())
        return reject_all('the request is invalid: %s' % exc.format_message())
    if request is None:
        return None
    if request.bits is None:
        return _passthrough_check(request, flavor.memory_mb)
    needed = request.bits
    wanted = 'the guest (%s) needs at least %d bits' % (request, needed)
    # Hosts share a handful of widths and of reasons for not knowing
    # theirs: build each rejection sentence once per request.
    reasons: dict[Any, str] = {}

    def check(host_state: host_manager.HostState) -> str | None:
        bits = host_state.maxphysaddr_bits
        if bits is None:
            unknown = host_state.maxphysaddr_unknown_reason
            reason = reasons.get(unknown)
            if reason is None:
                reason = reasons[unknown] = (
                    'host physical address width is unknown (%s); %s' % (
                        unknown, wanted))
            return reason
        if bits >= needed:
            return None
        reason = reasons.get(bits)
        if reason is None:
            reason = reasons[bits] = (
                'host has %d physical address bits; %s' % (bits, wanted))
        return reason
    return check


def _passthrough_check(request: hardware.MaxPhysAddrRequest,
                       memory_mb: int) -> HostCheck:
    """``passthrough``: the guest gets the host's own width, which must
    hold its RAM (the API could not check this; the driver refuses it).

    A host whose width is unknown passes: the required trait decides, as
    for the driver, which has nothing to compare either.
    """
    verdicts: dict[int, str | None] = {}

    def check(host_state: host_manager.HostState) -> str | None:
        bits = host_state.maxphysaddr_bits
        if bits is None:
            return None
        if bits not in verdicts:
            verdicts[bits] = None if hardware.maxphysaddr_bits_fit(
                memory_mb, bits) else (
                'host has %d physical address bits; the guest (%s) would '
                'get them, too few for its %d MiB of RAM (it needs at least '
                '%d)' % (bits, request, memory_mb,
                         hardware.get_min_maxphysaddr_bits(memory_mb)))
        return verdicts[bits]
    return check
