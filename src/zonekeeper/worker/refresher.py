"""The SECONDARY zones' refresh timers (RFC 1034 4.3.5, RFC 1996): every zone whose timer ran
out is claimed (so that of several workers sharing a database one transfers it), its masters
are asked in turn, and the outcome is written by ``service.secondary``. A NOTIFY from a master
and the xfr task make a timer run out at once; a create too."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import masters
from zonekeeper.domain.models import Zone
from zonekeeper.service import secondary
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import secondary as secondary_rows
from zonekeeper.storage import tsigkeys
from zonekeeper.worker import xfrin

log = logging.getLogger(__name__)

LEASE_FACTOR = 12
"""A claim lasts this many transfer timeouts: longer than a transfer (ten) may take."""


class Refresher:
    """Refreshes due SECONDARY zones, woken by ``Database.wake_transfers`` or its interval."""

    def __init__(self, env: ServiceEnv) -> None:
        self.env = env
        self.settings = env.settings.worker
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(self.settings.transfer_concurrency)
        self.stats = {"transfers": 0, "up_to_date": 0, "transfer_failures": 0}

    async def run(self) -> None:
        """Refresh forever; cancel the task to stop (claimed zones come back at lease end)."""
        try:
            while True:
                await self.run_once()
                await self.env.db.wait_for_transfer_wakeup(await self._idle_time())
        finally:
            tasks = list(self._in_flight.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def run_once(self) -> int:
        """Start a refresh of every due zone not in flight here; returns how many."""
        async with self.env.db.read() as conn:
            due = await secondary_rows.due(conn, self.env.now(), self.settings.concurrency)
        started = 0
        for zone in due:
            if zone.id not in self._in_flight:
                self._in_flight[zone.id] = asyncio.create_task(self._guarded(zone))
                started += 1
        return started

    async def _idle_time(self) -> float:
        async with self.env.db.read() as conn:
            due = await secondary_rows.next_due(conn)
        interval = self.settings.transfer_interval
        if due is None:
            return interval
        return min(max((due - self.env.now()).total_seconds(), 0.01), interval)

    async def _guarded(self, zone: Zone) -> None:
        try:
            async with self._slots:
                if await self._claim(zone):
                    await self.refresh(zone)
        except Exception:
            log.exception("refreshing secondary zone %s (%s) failed", zone.name, zone.id)
        finally:
            self._in_flight.pop(zone.id, None)
            self.env.db.wake_transfers()  # a NOTIFY may have come in meanwhile

    async def _claim(self, zone: Zone) -> bool:
        now = self.env.now()
        lease = timedelta(seconds=self.settings.transfer_timeout * LEASE_FACTOR)
        async with self.env.db.transaction() as conn:
            return await secondary_rows.claim(conn, zone.id, now, now + lease)

    async def refresh(self, zone: Zone) -> None:
        """Ask the masters in turn until one answers usefully; record the outcome."""
        async with self.env.db.read() as conn:
            # Our copy, for an IXFR to apply to; none before the first transfer (AXFR).
            held = None if zone.transferred_at is None else await _held(conn, zone)
            key = await tsigkeys.zone_key(conn, zone.id)
        failures: list[xfrin.Failed] = []
        for text in zone.masters:
            master = masters.Master.from_text(text)
            outcome = await xfrin.refresh(
                zone.name, master, held, zone.serial, self.settings.transfer_timeout, key
            )
            if isinstance(outcome, xfrin.Failed):
                failures.append(outcome)
                continue
            await self._record(zone, outcome)
            return
        await self._record_failures(zone, failures)

    async def _record(self, zone: Zone, outcome: xfrin.UpToDate | xfrin.Transferred) -> None:
        if isinstance(outcome, xfrin.UpToDate):
            self.stats["up_to_date"] += 1
            await secondary.record_up_to_date(self.env, zone.id)
            return
        copy = secondary.Copy(outcome.master.to_text(), outcome.serial, outcome.records)
        try:
            changed = await secondary.apply_transfer(self.env, zone.id, copy)
        except ValueError as error:
            failure = xfrin.Failed(outcome.master, xfrin.BAD_ZONE, str(error))
            await self._record_failures(zone, [failure])
            return
        self.stats["transfers"] += changed
        log.info(
            "%s %s from %s at serial %d (%s)",
            "transferred" if changed else "already had",
            zone.name,
            copy.master,
            copy.serial,
            "IXFR asked" if outcome.incremental else "AXFR",
        )

    async def _record_failures(self, zone: Zone, failures: list[xfrin.Failed]) -> None:
        self.stats["transfer_failures"] += 1
        error = "; ".join(failure.describe() for failure in failures) or "no masters"
        reason = failures[0].reason if failures else xfrin.NO_ADDRESS
        log.warning("refreshing %s failed: %s", zone.name, error)
        await secondary.record_failure(self.env, zone.id, reason, error)


async def _held(conn: AsyncConnection, zone: Zone) -> list[xfrin.RR]:
    """Every record of the zone as served (owner, type, TTL, data)."""
    held: list[xfrin.RR] = []
    async for batch in recordset_rows.stream_served(conn, zone):
        held += [
            (name, rtype, zone.ttl if ttl is None else ttl, data)
            for name, rtype, ttl, data in batch
        ]
    return held
