"""PowerDNS Authoritative 4.x as a secondary, managed through its HTTP API.

Every outcome is read from the HTTP status code, never from a message: 201 created, 409 the
zone exists (PowerDNS before 4.2 said 422; then a GET decides), 204/404 on delete.

A freshly created Slave zone is not fetched until the next ``xfr-cycle-interval`` (60 s), so
create also asks for the first transfer (``axfr-retrieve``) and, first, sets the zone's
``IXFR=1`` metadata: without it PowerDNS transfers every change by AXFR.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import ssl
from typing import Any

import httpx
from pydantic import ConfigDict, Field

from zonekeeper.backends.base import BackendError, Master, ZoneTarget
from zonekeeper.backends.tsig import TsigOptions

CONCURRENCY = 8
"""API requests one backend has in flight at once."""
_SERVER = "/api/v1/servers/localhost"
_SECONDARY_KINDS = frozenset({"slave", "secondary"})
_ID_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


class Options(TsigOptions):
    """A pools.yaml ``pdns4`` target's ``options``: Designate's names, and the TSIG key the
    server fetches our zones with (``TsigOptions``: we create it in PowerDNS when missing)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    """The server's DNS address (the worker sends NOTIFY and SOA queries there)."""
    port: int = Field(53, ge=1, le=65535)
    api_endpoint: str
    """Base URL of the PowerDNS webserver, e.g. ``http://127.0.0.1:8081``."""
    api_token: str
    """Sent as ``X-API-Key``."""
    api_ca_cert: str | None = None
    """CA bundle to verify an https ``api_endpoint``; None: the system's."""
    api_timeout: float = Field(10.0, gt=0)
    """Zonekeeper's addition: seconds per API request."""


class PowerDnsError(BackendError):
    """The API refused, failed or could not be reached; the message says which and why."""


class PowerDnsBackend:
    """Adds and deletes Slave zones on one PowerDNS server."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._key_ready = False
        """The TSIG key is known to be in PowerDNS with our secret (checked once per
        instance: the worker keeps one instance per target)."""

    async def create_zone(self, zone: ZoneTarget) -> None:
        """Create a Slave zone of ``zone.masters``, opt it into IXFR and start its first
        transfer. Idempotent: an existing zone gets these masters and key (the worker
        provisions again only when something changed) and is fetched again.
        Raises PowerDnsError."""
        path = f"{_SERVER}/zones/{zone_id(zone.name)}"
        body = _zone_body(zone, self.options)
        async with self._slots, self._client() as client:
            await self._ensure_key(client)
            created = await self._send(client, "POST", f"{_SERVER}/zones", body)
            if await self._exists_after(client, created, path):
                settings = {k: v for k, v in body.items() if k not in ("name", "nameservers")}
                _check(await self._send(client, "PUT", path, settings), "update", zone.name)
            else:
                _check(created, "create", zone.name)
            for step, step_body in (
                ("metadata/IXFR", {"metadata": ["1"]}),
                ("axfr-retrieve", None),
            ):
                sent = await self._send(client, "PUT", f"{path}/{step}", step_body)
                _check(sent, f"PUT {step} of", zone.name)

    async def delete_zone(self, zone: ZoneTarget) -> None:
        """Delete the zone. Idempotent: 404 is success. Raises PowerDnsError."""
        async with self._slots, self._client() as client:
            response = await self._send(client, "DELETE", f"{_SERVER}/zones/{zone_id(zone.name)}")
        if response.status_code != 404:
            _check(response, "delete", zone.name)

    async def refresh_zone(self, zone: ZoneTarget) -> None:
        """Start a transfer (IXFR when the zone has a serial) at once: PowerDNS's communicator
        looks at received NOTIFYs only once a second, retrievals it runs straight away.
        Raises PowerDnsError."""
        path = f"{_SERVER}/zones/{zone_id(zone.name)}/axfr-retrieve"
        async with self._slots, self._client() as client:
            _check(await self._send(client, "PUT", path), "retrieve", zone.name)

    async def list_zones(self) -> set[str]:
        """Absolute lower-case names of the server's Slave zones. Raises PowerDnsError."""
        async with self._slots, self._client() as client:
            response = await self._send(client, "GET", f"{_SERVER}/zones")
        _check(response, "list", "zones")
        try:
            return {
                str(z["name"]).lower()
                for z in response.json()
                if str(z.get("kind", "")).lower() in _SECONDARY_KINDS
            }
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise PowerDnsError(
                f"unexpected zone list from {self.options.api_endpoint}: {error!r}"
            ) from error

    async def _ensure_key(self, client: httpx.AsyncClient) -> None:
        """Create the TSIG key of the options in PowerDNS, or give an existing key of that
        name our algorithm and secret. Idempotent; raises PowerDnsError."""
        key = self.options.tsig_key
        if key is None or self._key_ready:
            return
        body = {"name": key.name, "algorithm": key.algorithm, "key": key.secret}
        created = await self._send(client, "POST", f"{_SERVER}/tsigkeys", body)
        if created.status_code == 409:
            path = f"{_SERVER}/tsigkeys/{zone_id(key.name)}"
            current = await self._send(client, "GET", path)
            _check(current, "read TSIG key", key.name)
            if _key_differs(current.json(), body):
                _check(await self._send(client, "PUT", path, body), "update TSIG key", key.name)
        else:
            _check(created, "create TSIG key", key.name)
        self._key_ready = True

    async def _exists_after(
        self, client: httpx.AsyncClient, created: httpx.Response, path: str
    ) -> bool:
        """Whether a POST failed only because the zone exists: 409, or (before PowerDNS 4.2)
        a 422 for a zone that a GET then finds."""
        if created.status_code == 409:
            return True
        if created.status_code != 422:
            return False
        return (await self._send(client, "GET", path)).status_code == 200

    def _client(self) -> httpx.AsyncClient:
        # One client per call: it holds no connections between reconciles and is never tied
        # to an event loop the backend outlives.
        return httpx.AsyncClient(
            base_url=self.options.api_endpoint,
            headers={"X-API-Key": self.options.api_token},
            timeout=self.options.api_timeout,
            verify=self._verify,
        )

    @property
    def _verify(self) -> ssl.SSLContext:
        try:
            return tls_context(self.options.api_ca_cert)
        except (OSError, ssl.SSLError) as error:
            raise PowerDnsError(f"cannot load api_ca_cert: {error}") from error

    async def _send(
        self, client: httpx.AsyncClient, method: str, path: str, body: Any = None
    ) -> httpx.Response:
        """One request; transport failures become PowerDnsError, statuses are the caller's."""
        try:
            return await client.request(method, path, json=body)
        except httpx.TimeoutException as error:
            raise PowerDnsError(
                f"PowerDNS API {self.options.api_endpoint} timed out ({method} {path})"
            ) from error
        except httpx.HTTPError as error:
            raise PowerDnsError(
                f"PowerDNS API {self.options.api_endpoint} unreachable: {error!r}"
            ) from error


@functools.cache
def tls_context(cafile: str | None) -> ssl.SSLContext:
    """One shared verifying context per CA file (None: the system's CAs), read once per
    process: httpx would otherwise build one (~30 ms) for every client."""
    return ssl.create_default_context(cafile=cafile)


def zone_id(name: str) -> str:
    """PowerDNS's URL id for a zone name (its ``apiZoneNameToId``): characters other than
    letters, digits, '.' and '-' become ``=XX``; the root is ``=2E``."""
    absolute = name if name.endswith(".") else f"{name}."
    if absolute == ".":
        return "=2E"
    return "".join(c if c in _ID_SAFE else f"={ord(c):02X}" for c in absolute)


def _zone_body(zone: ZoneTarget, options: Options) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": zone.name,
        "kind": "Slave",  # "Secondary" exists only since 4.5; both mean the same
        "masters": [_master(m) for m in zone.masters],
        "nameservers": [],
    }
    if options.tsigkey_name:
        # Stored by PowerDNS as the zone's AXFR-MASTER-TSIG metadata: the key it signs its
        # SOA checks and transfers from the masters with.
        body["slave_tsig_key_ids"] = [zone_id(options.tsigkey_name)]
    return body


def _key_differs(current: Any, wanted: dict[str, str]) -> bool:
    """Whether PowerDNS's key (its GET document) has another secret or algorithm."""
    if not isinstance(current, dict):
        return True
    algorithm = str(current.get("algorithm", "")).lower().rstrip(".")
    return current.get("key") != wanted["key"] or algorithm != wanted["algorithm"]


def _master(master: Master) -> str:
    """``ip:port``, with IPv6 in brackets (PowerDNS's own notation)."""
    try:
        is_v6 = ipaddress.ip_address(master.host).version == 6
    except ValueError:
        is_v6 = False  # PowerDNS refuses host names itself, with a readable 422
    return f"[{master.host}]:{master.port}" if is_v6 else f"{master.host}:{master.port}"


def _check(response: httpx.Response, action: str, subject: str) -> None:
    """Raise PowerDnsError unless ``response`` is a success."""
    if response.is_success:
        return
    status = response.status_code
    where = f"PowerDNS {response.request.url.host}:{response.request.url.port}"
    if status in (401, 403):
        raise PowerDnsError(f"{where}: authentication failed (HTTP {status}): check api_token")
    raise PowerDnsError(
        f"{where}: cannot {action} {subject}: HTTP {status}: {_detail(response)}",
        transient=response.is_server_error,
    )


def _detail(response: httpx.Response) -> str:
    """PowerDNS's ``error`` field when the body is its JSON error, else the body's start."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("error", body)) if isinstance(body, dict) else str(body)[:200]
