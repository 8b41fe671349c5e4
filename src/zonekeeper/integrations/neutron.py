"""Neutron over its v2.0 HTTP API, configured as Designate's ``[network_api:neutron]`` is
(``Settings.network_api``).

For the floating-IP PTR API: ``GET <endpoint>/v2.0/floatingips?tenant_id=<project>``
(following Neutron's ``floatingips_links`` pages) and ``GET
<endpoint>/v2.0/floatingips/<id>``, with ``X-Auth-Token``: the caller's own token, else the
configured admin token, else none. For the managed-record audit: the ids of every floating IP
and port (``?fields=id``, paged), with the admin token. Every failure of Neutron (unreachable,
timeout, refused token, non-JSON or unexpected answer) becomes
``NeutronCommunicationFailure`` (``openstack.ApiClient``), with the reason logged.
"""

from __future__ import annotations

import asyncio
import builtins
from dataclasses import dataclass
from typing import Final

import httpx
from pydantic import BaseModel, ConfigDict, IPvAnyAddress

from zonekeeper.config import NetworkApiSettings
from zonekeeper.domain import errors
from zonekeeper.integrations import openstack

MAX_PAGES: Final = openstack.MAX_PAGES
PAGE_SIZE: Final = 1000
"""Items per page asked of Neutron when listing every floating IP or port."""
ID_ONLY: Final = {"fields": "id", "limit": str(PAGE_SIZE)}


@dataclass(frozen=True, slots=True)
class FloatingIp:
    """A floating IP as Neutron reports it, with the region it was found in."""

    region: str
    id: str
    address: str
    project_id: str
    port_id: str | None
    revision_number: int | None = None
    """Neutron's revision of the object (bumped by every change of it), when it says."""


class _Wire(BaseModel):
    """The keys we read of Neutron's floating-IP object (others are ignored)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    floating_ip_address: IPvAnyAddress
    project_id: str | None = None
    tenant_id: str | None = None
    port_id: str | None = None
    revision_number: int | None = None

    def to_value(self, region: str) -> FloatingIp:
        project = self.project_id or self.tenant_id or ""
        address = str(self.floating_ip_address)
        return FloatingIp(region, self.id, address, project, self.port_id, self.revision_number)


class _One(BaseModel):
    floatingip: _Wire


class NeutronClient(openstack.ApiClient):
    """Neutron in each configured region."""

    service = "Neutron"
    version = "/v2.0"
    failure = errors.NeutronCommunicationFailure

    def __init__(
        self, settings: NetworkApiSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport)
        self._use_caller_token = settings.use_caller_token

    async def list(self, project_id: str, token: str | None) -> builtins.list[FloatingIp]:
        """Every floating IP of the project, in every region (asked concurrently). Raises
        NeutronCommunicationFailure when any region fails."""
        params = {"tenant_id": project_id}
        async with self.http(self._token(token)) as http:
            found = await asyncio.gather(
                *(
                    self.collect(http, region, "/floatingips", "floatingips", params, _Wire)
                    for region in self.regions
                ),
                return_exceptions=True,
            )
        fips: builtins.list[FloatingIp] = []
        for region, result in zip(self.regions, found, strict=True):
            if isinstance(result, BaseException):
                raise result
            fips += [item.to_value(region) for item in result]
        return fips

    async def get(self, region: str, floatingip_id: str, token: str | None) -> FloatingIp | None:
        """The floating IP, or None when Neutron answers 404 (unknown, or not visible with
        the token). Raises NoEndpoint for a region without an endpoint,
        NeutronCommunicationFailure."""
        url = self.url(region, f"/floatingips/{floatingip_id}")
        async with self.http(self._token(token)) as http:
            response = await self.send(http, region, url, {}, allow_404=True)
        if response is None:
            return None
        return self.parse(region, response, _One).floatingip.to_value(region)

    async def floatingip_ids(self) -> set[str]:
        """The id of every floating IP, of every project, in every region (the admin token
        must see them all). Raises NeutronCommunicationFailure."""
        return await self.ids_everywhere("/floatingips", "floatingips", ID_ONLY)

    async def port_ids(self) -> set[str]:
        """The id of every port, of every project, in every region (the admin token must see
        them all). Raises NeutronCommunicationFailure."""
        return await self.ids_everywhere("/ports", "ports", ID_ONLY)

    def _token(self, caller: str | None) -> str | None:
        """The caller's token (when it is used and given), else the admin token, else None."""
        if self._use_caller_token and caller:
            return caller
        return self.admin_token()
