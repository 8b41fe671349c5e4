"""Periodic audits: nameservers that stopped serving an ACTIVE zone (serial audit), zones on a
backend that we don't know or that it lacks (orphan audit), and the journal's length.

Plan, then apply: each audit returns its findings first; the serial audit's repair is a
re-queue (the worker re-provisions idempotently); the orphan audit deletes from a backend only
when asked to, and refuses past a safety threshold unless forced.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zonekeeper import backends
from zonekeeper.domain.models import Zone
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import audits, pools
from zonekeeper.worker import plan, probe, targets

log = logging.getLogger(__name__)

PAGE = 200
CONCURRENCY = 16
"""Zones the serial audit asks about at once. Bounded, so that a busy nameserver (or the
mini-DNS sharing our process) answers within the poll timeout instead of being counted as
lagging."""
JOURNAL_KEEP = 1000
"""Journal entries kept per zone; IXFR from further back is answered with a full transfer."""


@dataclass(frozen=True, slots=True)
class Lagging:
    zone_id: str
    zone_name: str
    serial: int
    reasons: str
    """Each lagging nameserver with why, e.g. "127.0.0.1:5301 refused"."""


@dataclass(slots=True)
class SerialReport:
    """What the serial audit found (``lagging``) and what it asked, so that a clean run can
    say what it checked."""

    lagging: list[Lagging] = field(default_factory=list)
    zones: int = 0
    """ACTIVE zones whose nameservers were asked."""
    nameservers: set[tuple[str, int]] = field(default_factory=set)
    """Every nameserver asked, as (host, port)."""


async def serial_audit(env: ServiceEnv, repair: bool = True) -> SerialReport:
    """Ask every nameserver of every ACTIVE zone for its serial; report (and, with ``repair``,
    re-queue) the zones some nameserver no longer serves at the zone's serial.

    Up to :data:`CONCURRENCY` zones are asked at once: one after another, each waiting for
    its answers, 100,000 zones took hours."""
    report = SerialReport()
    slots = asyncio.Semaphore(CONCURRENCY)
    after = ""
    while True:
        async with env.db.read() as conn:
            page = await audits.active_zones(conn, after, PAGE)
            pool_of = {pool_id: await pools.get_pool(conn, pool_id) for pool_id in _pools(page)}
        if not page:
            return report
        after = page[-1].id
        checks = [_check(env, slots, report, zone, pool_of[zone.pool_id]) for zone in page]
        lagging = [found for found in await asyncio.gather(*checks) if found is not None]
        report.lagging.extend(lagging)
        if repair:
            await _requeue(env, lagging)


def _pools(page: list[Zone]) -> list[str]:
    """The pool ids of ``page``, each once, in order."""
    return list(dict.fromkeys(zone.pool_id for zone in page))


async def _check(
    env: ServiceEnv,
    slots: asyncio.Semaphore,
    report: SerialReport,
    zone: Zone,
    pool: pools.Pool | None,
) -> Lagging | None:
    """Ask the zone's nameservers for its serial; a Lagging when some are behind."""
    if pool is None:
        return None
    addresses = [(str(n["host"]), int(n["port"])) for n in pool.nameservers]
    report.zones += 1
    report.nameservers.update(addresses)
    async with slots:
        observations = await probe.observe_all(
            zone.name, addresses, env.settings.worker.poll_timeout
        )
    verdict = plan.judge(zone.serial, False, observations, 100)
    if not verdict.lagging:
        return None
    return Lagging(zone.id, zone.name, zone.serial, plan.describe(verdict.lagging))


async def _requeue(env: ServiceEnv, lagging: list[Lagging]) -> None:
    async with env.db.transaction() as conn:
        for zone in lagging:
            reason = f"serial audit: {zone.reasons}"
            if await audits.requeue(conn, zone.zone_id, zone.serial, reason, env.now()):
                log.warning("%s: %s; re-pushing", zone.zone_name, zone.reasons)
    if lagging:
        env.db.wake_worker()


@dataclass(slots=True)
class OrphanReport:
    """Per target (described as "type host:port"): zones it holds that we don't (orphans), and
    zones of its pool it lacks (missing)."""

    orphans: dict[str, set[str]] = field(default_factory=dict)
    missing: dict[str, set[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    zones: int = 0
    """Zones of the pools whose targets were compared."""
    deleted: int = 0
    requeued: int = 0


class UnsafeRepair(Exception):
    """A repair would delete more zones than the safety threshold allows."""


async def orphan_audit(
    env: ServiceEnv, repair: bool = False, force: bool = False, threshold: int = 10
) -> OrphanReport:
    """Compare every target's zones with the database. With ``repair``: re-queue zones a target
    lacks, and delete orphans from the target — refused (UnsafeRepair, nothing deleted) when
    there are more than ``threshold`` orphans in all, unless ``force``."""
    report = OrphanReport()
    async with env.db.read() as conn:
        all_pools = await pools.list_pools(conn)
        wanted = {pool.id: await audits.zone_names_in_pool(conn, pool.id) for pool in all_pools}
    for pool in all_pools:
        # The embedded target is the mini-DNS itself: it serves the database, nothing to compare.
        external = [target for target in pool.targets if target["type"] != "embedded"]
        for target in external:
            await _compare(report, target, wanted[pool.id])
        report.zones += len(wanted[pool.id]) if external else 0
    if repair:
        await _repair(env, report, all_pools, wanted, force, threshold)
    return report


async def _compare(
    report: OrphanReport, target: Mapping[str, Any], wanted: Mapping[str, str]
) -> None:
    name = targets.describe(target)
    try:
        held = await backends.load(str(target["type"]), target.get("options") or {}).list_zones()
    except (ValueError, backends.BackendError) as error:
        report.errors[name] = str(error)
        return
    report.orphans[name] = held - set(wanted)
    report.missing[name] = set(wanted) - held


async def _repair(
    env: ServiceEnv,
    report: OrphanReport,
    all_pools: list[pools.Pool],
    wanted: Mapping[str, Mapping[str, str]],
    force: bool,
    threshold: int,
) -> None:
    orphan_count = sum(len(names) for names in report.orphans.values())
    if orphan_count > threshold and not force:
        raise UnsafeRepair(f"{orphan_count} orphan zones exceed the threshold of {threshold}")
    for pool in all_pools:
        for target in pool.targets:
            orphans = report.orphans.get(targets.describe(target), set())
            backend = backends.load(str(target["type"]), target.get("options") or {})
            for name in sorted(orphans):
                zone = backends.ZoneTarget("", name, ())
                await backends.once_more_if_transient(backend.delete_zone, zone)
                report.deleted += 1
    missing_ids = {
        wanted[pool.id][name]
        for pool in all_pools
        for target in pool.targets
        for name in report.missing.get(targets.describe(target), set())
    }
    async with env.db.transaction() as conn:
        for zone_id in missing_ids:
            report.requeued += await audits.requeue_any(conn, zone_id, "orphan audit", env.now())
    if missing_ids:
        env.db.wake_worker()


async def periodic(env: ServiceEnv, interval: float) -> None:
    """Run the serial audit, the orphan report and journal trimming every ``interval`` seconds."""
    while True:
        await asyncio.sleep(interval)
        try:
            await serial_audit(env)
            report = await orphan_audit(env)
            for target, names in report.orphans.items():
                if names:
                    log.warning("orphan audit: %s holds unknown zones %s", target, sorted(names))
            async with env.db.transaction() as conn:
                await audits.trim_journal(conn, JOURNAL_KEEP)
        except Exception:
            log.exception("periodic audit failed")
