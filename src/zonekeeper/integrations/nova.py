"""Nova over its v2.1 HTTP API, configured like Neutron (``Settings.compute_api``): which
instances exist, for the managed-record audit.

``GET <endpoint>/v2.1/servers?all_tenants=1&limit=1000``, following ``servers_links``, with
the admin token. Compute microversion 2.69 is asked for so that instances in a cell that is
down are still listed (with status UNKNOWN) instead of silently left out, which would make
them look deleted; a Nova older than Stein refuses the microversion, and so is never judged.
A token that may not list every project's servers is refused by Nova (403), never answered
with a part. Every failure becomes ``NovaCommunicationFailure`` (``openstack.ApiClient``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from zonekeeper.domain import errors
from zonekeeper.integrations import openstack

PAGE_SIZE: Final = 1000
"""Servers per page asked of Nova (its default ``[api] max_limit``; Nova caps it anyway)."""
MICROVERSION: Final = "2.69"


class NovaClient(openstack.ApiClient):
    """Nova in each configured region."""

    service = "Nova"
    version = "/v2.1"
    failure = errors.NovaCommunicationFailure

    async def instance_ids(self) -> set[str]:
        """The id of every instance (not deleted), of every project, in every region.
        Raises NovaCommunicationFailure."""
        params = {"all_tenants": "1", "limit": str(PAGE_SIZE)}
        return await self.ids_everywhere("/servers", "servers", params)

    def extra_headers(self) -> Mapping[str, str]:
        return {"OpenStack-API-Version": f"compute {MICROVERSION}"}
