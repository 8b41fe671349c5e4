"""BIND 9 as a secondary, managed at run time with ``rndc addzone``/``delzone``.

named must run with ``allow-new-zones yes;`` and a ``controls`` channel whose key we hold. The
zones we add are kept by named itself (``<view>.nzd``) and survive its restarts.

rndc exposes no per-error exit code: every failure exits 1 and prints
``rndc: '<command>' failed: <result>`` where ``<result>`` is BIND's ``isc_result_totext()`` name
of the result code (a fixed table). Idempotency therefore compares that one field, exactly, to
the two results it needs ("already exists", "not found"); every other failure is an error. The
one other phrase read is rndc's own "connection to remote host closed", which is how it reports
a key the server rejected (named closes the channel without an answer).

rndc cannot list zones. ``list_zones`` reads named's statistics channel
(``statistics-channels``, JSON at ``/json/v1/zones``) when ``statistics_url`` is set: it is
machine-readable, remote-capable and shows what named really serves, unlike ``rndc dumpdb``
(a file on the server's disk, written asynchronously) or the nzd (LMDB, local only).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import ssl
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import ConfigDict, Field

from zonekeeper.backends.base import BackendError, Master, ZoneTarget
from zonekeeper.backends.tsig import TsigOptions

CONCURRENCY = 8
"""rndc processes one backend runs at once; an unreachable server then costs at most this
many processes, each ended by ``rndc_timeout``."""
DEFAULT_RNDC_TIMEOUT = 10.0
_FAILED = re.compile(r"^rndc: '(?P<command>[a-z-]+)' failed: (?P<result>.+)$", re.MULTILINE)
_EXISTS = "already exists"
_PRIMARIES = re.compile(r"\b(?:primaries|masters)\s*\{(?P<inside>[^{}]*)\}")
_NOT_FOUND = "not found"
_KEY_REJECTED = "connection to remote host closed"
_SECONDARY_TYPES = frozenset({"secondary", "slave"})
"""Zone types in the statistics channel that this backend can have made ("slave" before 9.18)."""


class Options(TsigOptions):
    """A pools.yaml ``bind9`` target's ``options``: Designate's names and defaults, and the
    TSIG key named in the ``primaries`` of every zone we add (``TsigOptions``; named.conf must
    define a ``key`` of that name and secret)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    """The server's DNS address (the worker sends NOTIFY and SOA queries there)."""
    port: int = Field(53, ge=1, le=65535)
    rndc_host: str = "127.0.0.1"
    rndc_port: int = Field(953, ge=1, le=65535)
    rndc_config_file: str | None = None
    """``rndc -c``; None: rndc's default (/etc/bind/rndc.conf)."""
    rndc_key_file: str | None = None
    """``rndc -k``; None: the key named by the config file."""
    rndc_timeout: float = Field(DEFAULT_RNDC_TIMEOUT, ge=0)
    """Seconds one rndc call may take before it is killed and reported as an error. 0, which
    means "no timeout" to Designate, means the default here: a hung rndc must not hold one of
    the backend's slots forever."""
    rndc_bin_path: str = "rndc"
    view: str | None = None
    """The view to add zones to; None: the default view (``_default``)."""
    clean_zonefile: bool = False
    """Delete with ``delzone -clean``, which also removes the zone file and journal."""
    statistics_url: str | None = None
    """Zonekeeper's addition: named's statistics channel (``http://host:port``) for
    ``list_zones``; None: listing raises ``ListingNotConfigured``."""


class Bind9Error(BackendError):
    """rndc failed, timed out or could not be run; the message says which and why."""


class ListingNotConfigured(Bind9Error):
    """``list_zones`` needs ``statistics_url``; the orphan audit should skip this target."""


class Bind9Backend:
    """Adds and deletes secondary zones on one named through rndc."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self.timeout = options.rndc_timeout or DEFAULT_RNDC_TIMEOUT
        """Seconds per rndc call or statistics request (``rndc_timeout``, 0 = the default)."""

    async def create_zone(self, zone: ZoneTarget) -> None:
        """``rndc addzone`` a secondary of ``zone.masters``; named starts the transfer itself.
        Idempotent: a zone that already exists is success, and when its primaries (masters,
        key) differ from these, ``rndc modzone`` gives it these (a modzone reloads the zone,
        so an unchanged one is left alone). Raises Bind9Error."""
        config = _zone_config(zone, self.options.tsigkey_name)
        result = await self._rndc("addzone", zone.name, *self._class_view(), config)
        if result == _EXISTS:
            if await self._primaries_of(zone) == _primaries(config):
                return
            result = await self._rndc("modzone", zone.name, *self._class_view(), config)
            if result is not None:
                raise Bind9Error(self._failure("modzone", zone.name, result))
        elif result is not None:
            raise Bind9Error(self._failure("addzone", zone.name, result))

    async def delete_zone(self, zone: ZoneTarget) -> None:
        """``rndc delzone [-clean]``. Idempotent: a zone named does not have is success.
        Raises Bind9Error."""
        clean = ["-clean"] if self.options.clean_zonefile or zone.clean else []
        result = await self._rndc("delzone", *clean, zone.name, *self._class_view())
        if result not in (None, _NOT_FOUND):
            raise Bind9Error(self._failure("delzone", zone.name, result))

    async def refresh_zone(self, zone: ZoneTarget) -> None:
        # BIND starts the transfer as soon as the NOTIFY arrives; an `rndc refresh` would
        # only repeat it at the cost of a process.
        return None

    async def list_zones(self) -> set[str]:
        """Absolute lower-case names of the secondary zones in our view, from the statistics
        channel. Raises ListingNotConfigured without ``statistics_url``, Bind9Error if the
        channel cannot be read."""
        url = self.options.statistics_url
        if url is None:
            raise ListingNotConfigured(
                f"bind9 {self.options.rndc_host}: rndc cannot list zones; set statistics_url"
            )
        document = await _get_json(f"{url.rstrip('/')}/json/v1/zones", self.timeout)
        return _secondary_zones(document, self.options.view or "_default")

    async def _primaries_of(self, zone: ZoneTarget) -> str | None:
        """The primaries clause named has for the zone (``rndc showzone``), None if unknown."""
        output, status = await self._run(
            self._command(["showzone", zone.name, *self._class_view()])
        )
        return _primaries(output) if status == 0 else None

    def _class_view(self) -> list[str]:
        return ["IN", self.options.view] if self.options.view else []

    async def _rndc(self, *arguments: str) -> str | None:
        """Run one rndc command: None on success, else rndc's result text for the command.
        Raises Bind9Error when rndc cannot be run, times out, or fails before the server
        answered (no result text)."""
        output, status = await self._run(self._command(arguments))
        if status == 0:
            return None
        failed = _FAILED.search(output)
        if failed is None:
            raise Bind9Error(self._unanswered(output))
        return failed["result"].strip()

    def _command(self, arguments: Sequence[str]) -> list[str]:
        options = self.options
        command = [options.rndc_bin_path, "-s", options.rndc_host, "-p", str(options.rndc_port)]
        if options.rndc_config_file:
            command += ["-c", options.rndc_config_file]
        if options.rndc_key_file:
            command += ["-k", options.rndc_key_file]
        return [*command, *arguments]

    async def _run(self, command: list[str]) -> tuple[str, int]:
        """(stdout + stderr, exit status); the process is killed at ``rndc_timeout``."""
        async with self._slots:
            try:
                process = await asyncio.create_subprocess_exec(
                    *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
                )
            except OSError as error:
                raise Bind9Error(f"cannot run {command[0]}: {error}") from error
            try:
                async with asyncio.timeout(self.timeout):
                    output, _ = await process.communicate()
            except TimeoutError:
                process.kill()
                await process.wait()
                raise Bind9Error(
                    f"rndc to {self._server()} timed out after {self.timeout} s"
                ) from None
        return output.decode(errors="replace").strip(), process.returncode or 0

    def _unanswered(self, output: str) -> str:
        if _KEY_REJECTED in output:
            return (
                f"rndc authentication failed at {self._server()}: named closed the channel "
                "(wrong key or algorithm, or this host is not allowed in its controls)"
            )
        first_line = output.splitlines()[0] if output else "no output"
        return f"rndc to {self._server()} failed: {first_line}"

    def _failure(self, command: str, zone: str, result: str) -> str:
        return f"rndc {command} {zone} at {self._server()} failed: {result}"

    def _server(self) -> str:
        return f"{self.options.rndc_host}#{self.options.rndc_port}"


def _primaries(config: str) -> str | None:
    """The inside of a zone config's primaries (or, before 9.18, masters) clause, with its
    spacing normalized: what decides where the zone transfers from, and with which key."""
    found = _PRIMARIES.search(config)
    return " ".join(found["inside"].split()) if found else None


def _zone_config(zone: ZoneTarget, key: str | None = None) -> str:
    """The addzone block. The file name is the zone id: unique, and safe inside quotes; the
    key name was checked to hold only letters, digits, '-', '_' and '.'."""
    signed = f' key "{key}"' if key else ""
    primaries = " ".join(f"{_address(m)} port {m.port}{signed};" for m in zone.masters)
    if not primaries:
        raise Bind9Error(f"zone {zone.name} has no masters to transfer from")
    return f'{{ type secondary; primaries {{ {primaries} }}; file "zk-{zone.id}.db"; }};'


def _address(master: Master) -> str:
    """BIND wants IP literals in ``primaries``; a host name is a configuration error."""
    try:
        return str(ipaddress.ip_address(master.host))
    except ValueError:
        raise Bind9Error(f"bind9 needs IP addresses as masters, not {master.host!r}") from None


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Built once: httpx would build one (~30 ms) per client, even for a plain-http URL."""
    return ssl.create_default_context()


async def _get_json(url: str, timeout: float) -> Any:
    try:
        async with httpx.AsyncClient(timeout=timeout, verify=_tls_context()) as client:
            response = await client.get(url)
            response.raise_for_status()
            return response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise Bind9Error(f"cannot read named's statistics channel {url}: {error}") from error


def _secondary_zones(document: Any, view: str) -> set[str]:
    """The IN secondary zones of ``view`` in a ``/json/v1/zones`` document (none if named
    shows no such view)."""
    try:
        zones = document["views"].get(view, {}).get("zones", [])
        return {
            f"{zone['name'].rstrip('.').lower()}."
            for zone in zones
            if zone.get("class") == "IN" and zone.get("type") in _SECONDARY_TYPES
        }
    except (KeyError, TypeError, AttributeError) as error:
        raise Bind9Error(f"unexpected statistics document (view {view!r}): {error!r}") from error
