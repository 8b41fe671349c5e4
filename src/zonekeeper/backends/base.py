"""The one small interface every DNS server kind implements."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Master:
    """Where a nameserver transfers the zone from: a mini-DNS address."""

    host: str
    port: int


@dataclass(frozen=True, slots=True)
class ZoneTarget:
    """A zone as a backend needs to know it."""

    id: str
    name: str
    """Absolute, lower-case, with the trailing dot."""
    masters: tuple[Master, ...]
    clean: bool = False
    """On delete, remove the zone's files too (a hard delete, ``X-Designate-Hard-Delete``)."""


class BackendError(Exception):
    """A backend could not do what was asked; ``reason`` is machine-readable.

    ``transient``: the server failed on its side (an HTTP 5xx, such as PowerDNS's "database
    is locked") and the same call may well succeed when made again at once."""

    reason = "backend_error"

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class Backend(Protocol):
    async def create_zone(self, zone: ZoneTarget) -> None:
        """Make the server a secondary for ``zone``. Idempotent."""

    async def delete_zone(self, zone: ZoneTarget) -> None:
        """Make the server forget ``zone``. Idempotent."""

    async def refresh_zone(self, zone: ZoneTarget) -> None:
        """Have the server fetch the zone's new serial now. The worker's NOTIFY asks for the
        same; this is for servers that act on a NOTIFY only at their next timer tick."""

    async def list_zones(self) -> set[str]:
        """Names of the zones the server holds (for the orphan audit)."""


async def once_more_if_transient(
    call: Callable[[ZoneTarget], Awaitable[None]], target: ZoneTarget
) -> None:
    """``call(target)``, made a second time at once when the first fails on the server's side
    (``BackendError.transient``): waiting for the next attempt would cost seconds for what is
    usually a momentary hiccup. Backend calls are idempotent, so repeating one is safe."""
    try:
        await call(target)
    except BackendError as error:
        if not error.transient:
            raise
        log.info("%s for %s, trying again at once", error, target.name)
        await call(target)
