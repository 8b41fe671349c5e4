"""What every client of an OpenStack service here shares: one endpoint per region (as
Designate configures them, ``ServiceApiSettings``), TLS and tokens, GETs whose every failure
becomes the service's ``CommunicationFailure`` (reason logged), and listings followed through
their ``<collection>_links`` pages.

Subclasses name the service, its version prefix and its failure; they add the calls.
"""

from __future__ import annotations

import asyncio
import builtins
import functools
import logging
import ssl
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from zonekeeper.config import ServiceApiSettings, parse_endpoint
from zonekeeper.domain import errors

log = logging.getLogger(__name__)

MAX_PAGES: Final = 1000
"""Pages of one listing followed at most (a service that keeps linking is broken)."""

Model = TypeVar("Model", bound=BaseModel)


class Link(BaseModel):
    href: str
    rel: str


class Id(BaseModel):
    """Any resource, of which only the id is read."""

    model_config = ConfigDict(extra="ignore")

    id: str


class ApiClient:
    """One OpenStack service in each configured region. Construction does no I/O; each call
    opens (and closes) its own HTTP connections. ``transport`` replaces the network (tests)."""

    service: ClassVar[str]
    """The name in messages ("Neutron")."""
    version: ClassVar[str]
    """The API's path prefix ("/v2.0"), also accepted at the end of a configured endpoint."""
    failure: ClassVar[type[errors.CommunicationFailure]]

    def __init__(
        self, settings: ServiceApiSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._settings = settings
        self._endpoints = dict(parse_endpoint(value) for value in settings.endpoints)
        self._transport = transport
        self._ssl: ssl.SSLContext | None = None

    @property
    def regions(self) -> builtins.list[str]:
        return sorted(self._endpoints)

    def url(self, region: str, path: str) -> str:
        """``<endpoint><version><path>``. Raises NoEndpoint for a region without an endpoint."""
        endpoint = self._endpoints.get(region)
        if endpoint is None:
            raise errors.NoEndpoint(f"No {self.service} endpoint is configured for region {region}")
        return f"{endpoint.removesuffix(self.version)}{self.version}{path}"

    def admin_token(self) -> str | None:
        admin = self._settings.admin_token
        return admin.get_secret_value() if admin is not None else None

    def http(
        self, token: str | None, headers: Mapping[str, str] | None = None
    ) -> httpx.AsyncClient:
        """A client sending ``token`` as X-Auth-Token (None: no token) and ``headers``."""
        sent = {"Accept": "application/json", **(headers or {})}
        if token:
            sent["X-Auth-Token"] = token
        return httpx.AsyncClient(
            headers=sent,
            timeout=self._settings.timeout,
            verify=self._verify(),
            transport=self._transport,
            follow_redirects=False,
        )

    async def send(
        self,
        http: httpx.AsyncClient,
        region: str,
        url: str,
        params: Mapping[str, str],
        allow_404: bool = False,
    ) -> httpx.Response | None:
        """GET ``url``: the 2xx response, None for an allowed 404; anything else raises the
        service's failure."""
        try:
            response = await http.get(url, params=params)
        except httpx.TimeoutException:
            raise self.fail(region, f"no answer within {http.timeout.read}s") from None
        except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
            raise self.fail(region, f"unreachable ({type(exc).__name__})") from None
        if response.status_code == 404 and allow_404:
            return None
        if response.status_code in (401, 403):
            raise self.fail(region, f"the token was refused ({response.status_code})")
        if not response.is_success:
            raise self.fail(region, f"answered {response.status_code}")
        return response

    def parse(self, region: str, response: httpx.Response, model: type[Model]) -> Model:
        """``response``'s JSON body as ``model``; raises the service's failure otherwise."""
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            raise self.fail(region, "answered with an unexpected body") from None

    async def collect(
        self,
        http: httpx.AsyncClient,
        region: str,
        path: str,
        collection: str,
        params: Mapping[str, str],
        item: type[Model],
    ) -> builtins.list[Model]:
        """Every item of the listing at ``path``, following its ``next`` links. Raises
        NoEndpoint, the service's failure."""
        url = self.url(region, path)
        found: builtins.list[Model] = []
        for _ in range(MAX_PAGES):
            response = await self.send(http, region, url, params)
            assert response is not None  # only a call allowing 404 gets None
            items, links = self._page(region, response, collection, item)
            found += items
            following = next_params(links)
            if following is None or not items:
                return found
            params = following
        raise self.fail(region, f"more than {MAX_PAGES} pages of {collection}")

    async def ids_everywhere(
        self, path: str, collection: str, params: Mapping[str, str]
    ) -> set[str]:
        """The ids of the listing in every region (asked concurrently, with the admin token).
        Raises the service's failure when any region fails: a partial answer is no answer."""
        if not self.regions:  # no region answered: that is not "nothing exists"
            raise self.fail("(none)", "no endpoint is configured")
        async with self.http(self.admin_token(), self.extra_headers()) as http:
            found = await asyncio.gather(
                *(self.collect(http, r, path, collection, params, Id) for r in self.regions),
                return_exceptions=True,
            )
        ids: set[str] = set()
        for result in found:
            if isinstance(result, BaseException):
                raise result
            ids.update(item.id for item in result)
        return ids

    def extra_headers(self) -> Mapping[str, str]:
        """Headers every request of the service carries (a microversion)."""
        return {}

    def fail(self, region: str, reason: str) -> errors.CommunicationFailure:
        log.warning("%s in region %s: %s", self.service, region, reason)
        return self.failure(
            f"Failed to communicate with {self.service} in region {region}: {reason}"
        )

    def _page(
        self, region: str, response: httpx.Response, collection: str, item: type[Model]
    ) -> tuple[builtins.list[Model], builtins.list[Link]]:
        """(items, links) of one page ``{collection: [...], collection_links: [...]}``."""
        try:
            body = _OBJECT.validate_json(response.content)
            items = _list_of(item).validate_python(body[collection])
            links = _LINKS.validate_python(body.get(f"{collection}_links", []))
        except (ValidationError, KeyError):
            raise self.fail(region, "answered with an unexpected body") from None
        return items, links

    def _verify(self) -> ssl.SSLContext | bool:
        """False (``insecure``), or an SSL context trusting ``ca_certificates_file`` or the
        system's store; built once, on first use."""
        if self._settings.insecure:
            return False
        if self._ssl is None:
            cafile = self._settings.ca_certificates_file
            self._ssl = ssl.create_default_context(cafile=str(cafile) if cafile else None)
        return self._ssl


_OBJECT: Final = TypeAdapter(dict[str, Any])
_LINKS: Final = TypeAdapter(list[Link])


@functools.cache
def _list_of(item: type[Model]) -> TypeAdapter[list[Model]]:
    return TypeAdapter(list[item])  # type: ignore[valid-type]


def next_params(links: Sequence[Link]) -> dict[str, str] | None:
    """The query of the ``next`` page link (asked of our own endpoint, so the token never
    goes to a host the answer names), or None on the last page."""
    for link in links:
        if link.rel == "next":
            return dict(httpx.URL(link.href).params)
    return None
