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

"""Why a maxphysaddr request is refused: typed errors that carry the facts.

Each error keeps what it is about (the key, the value, what is allowed, the
minimum width...) in ``facts`` and renders one sentence from its
``template``.  Callers map the class to their own exception type (Nova's
``ValidationError``, ``FlavorImageConflict``, an HTTP 400, a scheduler
rejection) and keep the sentence, so the wording lives here only.
"""

from __future__ import annotations

from typing import Any
from typing import ClassVar


class RuleError(ValueError):
    """Base of every rule error; a ValueError, as Nova's API expects."""

    template: ClassVar[str] = '%(reason)s'

    def __init__(self, **facts: Any) -> None:
        self.facts = facts
        super().__init__(self.template % facts)


class InvalidFlavorValue(RuleError):
    """A flavor extra spec's value is not allowed (facts: key, value,
    reason)."""

    template = 'Invalid extra spec %(key)s=%(value)r: %(reason)s'


class InvalidImageValue(RuleError):
    """An image property's value is not allowed (facts: key, value,
    reason)."""

    template = 'Invalid image property %(key)s=%(value)r: %(reason)s'


class FlavorImageConflict(RuleError):
    """Flavor and image set one setting to different values."""

    template = ('Conflicting %(setting)s request: the flavor sets '
                '%(flavor_key)s=%(flavor_val)r but the image sets '
                '%(image_key)s=%(image_val)r. Set it in one of them, or set '
                'the same value in both.')


class InvalidRequest(RuleError):
    """A combination of keys that can never work (facts: reason)."""

    template = 'Invalid maxphysaddr request: %(reason)s'


class BitsTooSmall(InvalidRequest):
    """Emulated bits too few for the flavor's RAM (facts: key, bits,
    memory_mb, min_bits)."""

    template = ('%(key)s=%(bits)d is too small for this flavor: a guest with '
                '%(memory_mb)d MiB of RAM needs at least %(min_bits)d '
                'physical address bits (2**%(bits)d bytes cannot hold its '
                'RAM, PCI holes and 64-bit PCI window). Set %(key)s to at '
                'least %(min_bits)d.')
