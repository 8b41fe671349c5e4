"""Neutron's floating IPs over its v2.0 HTTP API, configured as Designate's
``[network_api:neutron]`` is (``Settings.network_api``).

``GET <endpoint>/v2.0/floatingips?tenant_id=<project>`` (following Neutron's
``floatingips_links`` pages) and ``GET <endpoint>/v2.0/floatingips/<id>``, with
``X-Auth-Token``: the caller's own token, else the configured admin token, else none. Every
failure of Neutron (unreachable, timeout, refused token, non-JSON or unexpected answer) becomes
``NeutronCommunicationFailure`` here, with the reason logged; nothing else escapes.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, IPvAnyAddress, ValidationError

from zonekeeper.config import NetworkApiSettings, parse_endpoint
from zonekeeper.domain import errors

log = logging.getLogger(__name__)

MAX_PAGES: Final = 1000
"""Pages of one listing followed at most (a Neutron that keeps linking is broken)."""


@dataclass(frozen=True, slots=True)
class FloatingIp:
    """A floating IP as Neutron reports it, with the region it was found in."""

    region: str
    id: str
    address: str
    project_id: str
    port_id: str | None


class _Wire(BaseModel):
    """The keys we read of Neutron's floating-IP object (others are ignored)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    floating_ip_address: IPvAnyAddress
    project_id: str | None = None
    tenant_id: str | None = None
    port_id: str | None = None

    def to_value(self, region: str) -> FloatingIp:
        project = self.project_id or self.tenant_id or ""
        address = str(self.floating_ip_address)
        return FloatingIp(region, self.id, address, project, self.port_id)


class _Link(BaseModel):
    href: str
    rel: str


class _Page(BaseModel):
    floatingips: list[_Wire]
    floatingips_links: list[_Link] = []


class _One(BaseModel):
    floatingip: _Wire


class NeutronClient:
    """Neutron in each configured region. Construction does no I/O; each call opens (and
    closes) its own HTTP connections. ``transport`` replaces the network (tests)."""

    def __init__(
        self, settings: NetworkApiSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._settings = settings
        self._endpoints = dict(parse_endpoint(value) for value in settings.endpoints)
        self._transport = transport
        self._ssl: ssl.SSLContext | None = None

    @property
    def regions(self) -> builtins.list[str]:
        return sorted(self._endpoints)

    async def list(self, project_id: str, token: str | None) -> list[FloatingIp]:
        """Every floating IP of the project, in every region (asked concurrently). Raises
        NeutronCommunicationFailure when any region fails."""
        async with self._http(token) as http:
            found = await asyncio.gather(
                *(self._list_region(http, region, project_id) for region in self.regions),
                return_exceptions=True,
            )
        fips: builtins.list[FloatingIp] = []
        for result in found:
            if isinstance(result, BaseException):
                raise result
            fips += result
        return fips

    async def get(self, region: str, floatingip_id: str, token: str | None) -> FloatingIp | None:
        """The floating IP, or None when Neutron answers 404 (unknown, or not visible with
        the token). Raises NoEndpoint for a region without an endpoint,
        NeutronCommunicationFailure."""
        url = f"{self._endpoint(region)}/v2.0/floatingips/{floatingip_id}"
        async with self._http(token) as http:
            response = await _send(http, region, url, {}, allow_404=True)
        if response is None:
            return None
        return _parse(region, response, _One).floatingip.to_value(region)

    async def _list_region(
        self, http: httpx.AsyncClient, region: str, project_id: str
    ) -> builtins.list[FloatingIp]:
        url = f"{self._endpoint(region)}/v2.0/floatingips"
        params: Mapping[str, str] = {"tenant_id": project_id}
        found: builtins.list[FloatingIp] = []
        for _ in range(MAX_PAGES):
            response = await _send(http, region, url, params)
            assert response is not None  # only get() allows a 404
            page = _parse(region, response, _Page)
            found += [item.to_value(region) for item in page.floatingips]
            following = _next_params(page.floatingips_links)
            if following is None or not page.floatingips:
                return found
            params = following
        raise _failure(region, f"more than {MAX_PAGES} pages of floating IPs")

    def _endpoint(self, region: str) -> str:
        url = self._endpoints.get(region)
        if url is None:
            raise errors.NoEndpoint(f"No Neutron endpoint is configured for region {region}")
        return url.removesuffix("/v2.0")

    def _http(self, token: str | None) -> httpx.AsyncClient:
        headers = {"Accept": "application/json"}
        chosen = self._token(token)
        if chosen:
            headers["X-Auth-Token"] = chosen
        return httpx.AsyncClient(
            headers=headers,
            timeout=self._settings.timeout,
            verify=self._verify(),
            transport=self._transport,
            follow_redirects=False,
        )

    def _token(self, caller: str | None) -> str | None:
        """The caller's token (when it is used and given), else the admin token, else None."""
        if self._settings.use_caller_token and caller:
            return caller
        admin = self._settings.admin_token
        return admin.get_secret_value() if admin is not None else None

    def _verify(self) -> ssl.SSLContext | bool:
        """False (``insecure``), or an SSL context trusting ``ca_certificates_file`` or the
        system's store; built once, on first use."""
        if self._settings.insecure:
            return False
        if self._ssl is None:
            cafile = self._settings.ca_certificates_file
            self._ssl = ssl.create_default_context(cafile=str(cafile) if cafile else None)
        return self._ssl


async def _send(
    http: httpx.AsyncClient,
    region: str,
    url: str,
    params: Mapping[str, str],
    allow_404: bool = False,
) -> httpx.Response | None:
    """GET ``url``: the 2xx response, None for an allowed 404; anything else raises
    NeutronCommunicationFailure."""
    try:
        response = await http.get(url, params=params)
    except httpx.TimeoutException:
        raise _failure(region, f"no answer within {http.timeout.read}s") from None
    except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
        raise _failure(region, f"unreachable ({type(exc).__name__})") from None
    if response.status_code == 404 and allow_404:
        return None
    if response.status_code in (401, 403):
        raise _failure(region, f"the token was refused ({response.status_code})")
    if not response.is_success:
        raise _failure(region, f"answered {response.status_code}")
    return response


Model = TypeVar("Model", bound=BaseModel)


def _parse(region: str, response: httpx.Response, model: type[Model]) -> Model:
    """``response``'s JSON body as ``model``; raises NeutronCommunicationFailure otherwise."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError:
        raise _failure(region, "answered with an unexpected body") from None


def _next_params(links: Sequence[_Link]) -> dict[str, str] | None:
    """The query of the ``next`` page link (asked of our own endpoint, so the token never
    goes to a host the answer names), or None on the last page."""
    for link in links:
        if link.rel == "next":
            return dict(httpx.URL(link.href).params)
    return None


def _failure(region: str, reason: str) -> errors.NeutronCommunicationFailure:
    log.warning("Neutron in region %s: %s", region, reason)
    return errors.NeutronCommunicationFailure(
        f"Failed to communicate with Neutron in region {region}: {reason}"
    )
