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

"""A real Placement service in this process, and a small client for it.

openstack-placement's own ``PlacementFixture`` runs the Placement WSGI app
on an in-memory sqlite database; wsgi-intercept routes ``requests`` to it.
The boot walk-through registers each compute host as a resource provider
(its inventory and the traits its driver reports) and asks
``GET /allocation_candidates`` exactly what the scheduler would ask.  The
functional tests use the same client.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import requests

from nova.api.validation.extra_specs import traits as trait_specs
from nova.scheduler import utils as scheduler_utils


class PlacementClient:
    """Start with :meth:`start`; stop with the cleanup it registers."""

    def start(self, add_cleanup: Callable[[Callable[[], Any]], Any]) -> None:
        # Imported here: Placement and its fixture take about 1.5 s to load.
        from placement.tests.functional.fixtures import (
            placement as placement_fixture)

        fixture = placement_fixture.PlacementFixture()
        fixture.setUp()
        add_cleanup(fixture.cleanUp)
        self.endpoint = fixture.endpoint
        self.session = requests.Session()
        self.session.headers.update({
            'x-auth-token': 'admin',
            'OpenStack-API-Version': 'placement %s' %
            scheduler_utils.ALLOCATION_CANDIDATES_MICROVERSION,
        })
        # provider uuid -> name
        self.names: dict[str, str] = {}

    def call(self, method: str, path: str, body: Any = None,
             expect: int = 200, microversion: str | None = None) -> Any:
        headers = {}
        if microversion is not None:
            headers['OpenStack-API-Version'] = 'placement ' + microversion
        resp = self.session.request(method, self.endpoint + path, json=body,
                                    headers=headers)
        if resp.status_code != expect:
            raise AssertionError('%s %s: %d %s' % (
                method, path, resp.status_code, resp.text))
        return resp.json() if resp.content else None

    def create_compute_node(self, name: str, inventory: Mapping[str, int],
                            traits: Iterable[str]) -> str:
        """A root provider with ``inventory`` {class: total} and traits;
        zero totals are left out (Placement refuses them)."""
        rp = str(uuid.uuid4())
        self.call('POST', '/resource_providers', {'name': name, 'uuid': rp})
        generation = self.call(
            'PUT', '/resource_providers/%s/inventories' % rp, {
                'resource_provider_generation': 0,
                'inventories': {rc: {'total': total}
                                for rc, total in inventory.items() if total},
            })['resource_provider_generation']
        for trait in traits:
            if trait.startswith(trait_specs.CUSTOM_TRAIT_PREFIX):
                self.call('PUT', '/traits/%s' % trait, expect=201)
        self.call('PUT', '/resource_providers/%s/traits' % rp, {
            'resource_provider_generation': generation,
            'traits': sorted(traits)})
        self.names[rp] = name
        return rp

    def candidates(self, query: str, microversion: str | None = None
                   ) -> set[str]:
        """Names of the providers in ``GET /allocation_candidates?query``.

        Raises if the allocation requests and the provider summaries do not
        name the same providers (the answer would be ambiguous).
        """
        body = self.call('GET', '/allocation_candidates?' + query,
                         microversion=microversion)
        in_requests = {self.names[rp] for ar in body['allocation_requests']
                       for rp in ar['allocations']}
        in_summaries = {self.names[rp] for rp in body['provider_summaries']}
        if in_requests != in_summaries:
            raise AssertionError('allocation requests %s, summaries %s' % (
                sorted(in_requests), sorted(in_summaries)))
        return in_requests
