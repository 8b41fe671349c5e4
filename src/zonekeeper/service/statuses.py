"""Process heartbeats: each role reports itself UP, with its counters, every few seconds."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any

from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import service_statuses

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 10.0


async def heartbeat(env: ServiceEnv, stats: dict[str, dict[str, Any]], status: str = "UP") -> None:
    """Write one heartbeat per role named in ``stats`` (e.g. {"mdns": {...}, "worker": {...}})."""
    hostname = socket.gethostname()
    async with env.db.transaction() as conn:
        for role, role_stats in stats.items():
            await service_statuses.heartbeat(conn, role, hostname, status, role_stats, env.now())


async def heartbeat_forever(
    env: ServiceEnv, stats: Callable[[], dict[str, dict[str, Any]]]
) -> None:
    """Heartbeat until cancelled; a failed write is logged and retried next round."""
    while True:
        try:
            await heartbeat(env, stats())
        except Exception:
            log.exception("heartbeat failed")
        await asyncio.sleep(HEARTBEAT_INTERVAL)
