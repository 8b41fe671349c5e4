"""Resolution probes (``telemetry.canary_zones``): per pool, a canary TXT record written on a
schedule through the same service call as any client's change, then asked of every
nameserver of the pool until each answers the new value.

What it measures is what a user sees: commit → the record resolves at each nameserver,
through the worker, NOTIFY and the transfer. Each round exports
``zonekeeper_canary_seconds`` (or counts a failure) per nameserver, and leaves its outcome
in ``results`` (the worker's heartbeat carries it to ``zonekeeper status``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

import dns.asyncquery
import dns.exception
import dns.message
import dns.rdatatype

from zonekeeper.service import recordsets
from zonekeeper.service import zones as zone_service
from zonekeeper.service.context import internal
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import pools
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.telemetry import logs
from zonekeeper.telemetry.metrics import Metrics

log = logging.getLogger(__name__)

LABEL = "_canary"
"""The canary record's owner: ``_canary.<zone>``."""
QUERY_INTERVAL = 0.1
"""Seconds between two questions to a nameserver that does not answer the new value yet."""


async def periodic(env: ServiceEnv, metrics: Metrics, results: dict[str, Any]) -> None:
    """Probe every configured pool every ``telemetry.canary_interval`` seconds, until
    cancelled; a round that fails is logged and the next one runs on schedule."""
    interval = env.settings.telemetry.canary_interval
    while True:
        rounds = [
            _guarded(env, metrics, results, pool, zone)
            for pool, zone in env.settings.telemetry.canary_zones.items()
        ]
        await asyncio.gather(*rounds)
        await asyncio.sleep(interval)


async def _guarded(
    env: ServiceEnv, metrics: Metrics, results: dict[str, Any], pool: str, zone: str
) -> None:
    try:
        results[pool] = await probe(
            env, metrics, pool, zone, env.settings.telemetry.canary_interval
        )
    except Exception as error:  # e.g. the zone is gone: reported, the next round retries
        log.warning("canary of pool %s (zone %s) failed: %s", pool, zone, error)
        results[pool] = {"zone": zone, "error": str(error), "at": _iso(env.now())}


async def probe(
    env: ServiceEnv, metrics: Metrics, pool_name: str, zone_name: str, deadline: float
) -> dict[str, Any]:
    """One round: write the canary, then wait up to ``deadline`` seconds for each nameserver
    of the zone's pool to answer it. Returns {"zone", "at", "seconds": {nameserver: seconds
    or None}}. Raises ZoneNotFound and what the write raises."""
    rid = f"req-canary-{int(time.time() * 1000)}"
    logs.request_id.set(rid)
    ctx = internal(request_id=rid)
    zone = await zone_service.by_name(ctx, env, zone_name)
    async with env.db.read() as conn:
        pool = await pools.get_pool(conn, zone.pool_id)
        if pool is None or pool.name != pool_name:
            raise ValueError(f"zone {zone.name} is not in pool {pool_name}")
        existing = await recordset_rows.find_id(conn, zone.id, f"{LABEL}.{zone.name}", "TXT")
    fields = {"records": [f'"{rid}"']}
    started = time.monotonic()
    if existing is None:
        await recordsets.create(
            ctx, env, zone.id, {"name": f"{LABEL}.{zone.name}", "type": "TXT"} | fields
        )
    else:
        await recordsets.update(ctx, env, zone.id, existing, fields)
    nameservers = [(str(n["host"]), int(n["port"])) for n in pool.nameservers]
    waits = [
        _answered(f"{LABEL}.{zone.name}", rid, h, p, started + deadline) for h, p in nameservers
    ]
    seconds = await asyncio.gather(*waits)
    outcome: dict[str, float | None] = {}
    for (host, port), took in zip(nameservers, seconds, strict=True):
        server = f"{host}:{port}"
        outcome[server] = took if took is None else round(took - started, 3)
        if took is None:
            metrics.canary_failures.labels(pool_name, server).inc()
            log.warning("canary %s not answered by %s within %g s", rid, server, deadline)
            continue
        metrics.canary.labels(pool_name, server).observe(took - started)
        metrics.canary_success.labels(pool_name, server).set(time.time())
    return {"zone": zone.name, "at": _iso(env.now()), "seconds": outcome}


async def _answered(name: str, value: str, host: str, port: int, until: float) -> float | None:
    """When (``time.monotonic()``) ``host:port`` first answered ``value`` for the TXT at
    ``name``; None if not before ``until``."""
    query = dns.message.make_query(name, dns.rdatatype.TXT)
    while time.monotonic() < until:
        try:
            reply = await dns.asyncquery.udp(query, host, port=port, timeout=1.0)
            if value in _txt_values(reply):
                return time.monotonic()
        except (dns.exception.DNSException, OSError):
            pass  # not up or not answering yet: ask again
        await asyncio.sleep(QUERY_INTERVAL)
    return None


def _txt_values(reply: dns.message.Message) -> set[str]:
    return {
        b"".join(rdata.strings).decode(errors="replace")
        for rrset in reply.answer
        if rrset.rdtype == dns.rdatatype.TXT
        for rdata in rrset
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"
