"""The level-triggered reconciler: bring every due zone's nameservers to the zone's state.

Desired state is the zone row (serial, action); observed state is what each nameserver answers
to an SOA query. ``plan.judge`` decides; this module only performs the I/O around it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import dns.rrset
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper import backends
from zonekeeper.domain import transfers
from zonekeeper.domain.models import Action, NameserverState, TargetState, Zone
from zonekeeper.domain.serial import serial_ge
from zonekeeper.service import context
from zonekeeper.service import pools as pool_service
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import changes, claims, nameserver_states, pools, target_states, tsigkeys
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import zones as zone_rows
from zonekeeper.telemetry import logs
from zonekeeper.telemetry.metrics import Metrics
from zonekeeper.worker import moves, plan, probe, targets
from zonekeeper.worker.plan import Observation, Reason, Verdict

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=15)
"""How long a claimed zone is ours; a crashed worker's zones come back after this."""


class Worker:
    """Reconciles due zones, woken by commits (``Database.wake_worker``) and a periodic sweep."""

    def __init__(self, env: ServiceEnv, metrics: Metrics | None = None) -> None:
        self.env = env
        self.metrics = metrics or Metrics()
        self.settings = env.settings.worker
        self._in_flight: dict[str, Attempt] = {}
        self._slots = asyncio.Semaphore(self.settings.concurrency)
        self._backends: dict[str, backends.Backend] = {}
        self.stats = {"reconciled": 0, "propagated": 0, "deleted": 0, "failed_attempts": 0}

    async def run(self) -> None:
        """Reconcile forever; cancel the task to stop (in-flight zones are left to their lease).
        Other processes' commits wake it once ``Database.listen_for_wakeups`` was called."""
        try:
            while True:
                await self.run_once()
                await self.env.db.wait_for_wakeup(await self._idle_time())
        finally:
            await self.cancel_attempts()

    @property
    def busy(self) -> bool:
        """Whether any reconcile attempt is running."""
        return bool(self._in_flight)

    def attempt(self, zone_id: str) -> Attempt | None:
        """The attempt running for a zone, if one is."""
        return self._in_flight.get(zone_id)

    async def cancel_attempts(self) -> None:
        """Cancel every running attempt and wait for them; their zones are left to their lease."""
        in_flight = [attempt.task for attempt in self._in_flight.values()]
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)

    async def run_once(self) -> int:
        """Start a reconcile for every due zone not already in flight; returns how many."""
        async with self.env.db.read() as conn:
            due = await changes.due_zones(conn, self.env.now(), self.settings.concurrency * 4)
        started = 0
        for zone in due:
            attempt = self._in_flight.get(zone.id)
            if attempt is None:
                task = asyncio.create_task(self._guarded(zone))
                self._in_flight[zone.id] = Attempt(zone, task, asyncio.Event())
                started += 1
            elif (zone.serial, zone.action) != (attempt.zone.serial, attempt.zone.action):
                attempt.superseded.set()
        return started

    async def _idle_time(self) -> float:
        """Seconds until the next scheduled retry, at most one sweep interval."""
        async with self.env.db.read() as conn:
            due = await changes.next_due(conn)
        if due is None:
            return self.settings.sweep_interval
        wait = (due - self.env.now()).total_seconds()
        return min(max(wait, 0.01), self.settings.sweep_interval)

    async def _guarded(self, zone: Zone) -> None:
        # Every log line of the attempt (NOTIFY, polls, backend calls, in the tasks it starts)
        # carries the request id of the change it works on.
        logs.request_id.set(zone.request_id or "")
        try:
            async with self._slots:
                if await self._claim(zone):
                    await self.reconcile(zone)
        except Exception:
            log.exception("reconciling zone %s (%s) failed", zone.name, zone.id)
        finally:
            self._in_flight.pop(zone.id, None)
            # The zone may have changed while we worked on it: look again at once.
            self.env.db.wake_worker(everywhere=False)

    async def _claim(self, zone: Zone) -> bool:
        now = self.env.now()
        async with self.env.db.transaction() as conn:
            return await claims.claim(conn, zone, now, now + LEASE)

    async def reconcile(self, zone: Zone) -> None:
        """One attempt: provision targets, NOTIFY, poll serials, record the outcome (for a
        zone moving between pools, one step of the move: see ``worker/moves.py``)."""
        self.stats["reconciled"] += 1
        deleting = zone.action == Action.DELETE
        async with self.env.db.read() as conn:
            pool = await pools.get_pool(conn, zone.pool_id)
            pool = pool and await tsigkeys.resolve(conn, pool)  # targets' keys by tsigkey_id
            old = await moves.old_pool(conn, zone)
            known = {s.target: s for s in await target_states.for_zone(conn, zone.id)}
            soa = None if deleting else await recordset_rows.soa_data(conn, zone)
            narrowed = True
            if old is not None and pool is not None and not deleting:
                narrowed = await moves.narrowed(conn, zone, pool)
        if pool is None:
            raise RuntimeError(f"zone {zone.id} refers to a missing pool {zone.pool_id}")
        if deleting and old:
            pool, old = moves.merged(pool, old), None  # deleted mid-move: gone from both
        provisioned = await asyncio.gather(
            *(self._provision(zone, target, known, deleting) for target in pool.targets)
        )
        if any(state is not known.get(state.target) for state in provisioned):
            kept = moves.kept_states(known.values(), old, provisioned)
            await self._save_targets(zone, [*provisioned, *kept])
        nameservers = _addresses(pool.nameservers)
        notified: dict[tuple[str, int], Reason | None] = {}
        log.debug("attempt for zone %s (%s) at serial %d", zone.name, zone.id, zone.serial)
        if not deleting:
            # Targets provisioned just now are fetching the zone already; the others are
            # asked for the new serial alongside the NOTIFY. While moving, the old pool
            # learns each serial too (the NS set naming both pools, then the narrowed one).
            serving = [pool, *([old] if old else [])]
            holding = [
                t for p in serving for t in p.targets if _is_active(known.get(targets.describe(t)))
            ]
            notices = asyncio.gather(*(self._notify(zone, soa, p) for p in serving))
            outcomes, _ = await asyncio.gather(notices, self._refresh(zone, holding))
            for each_pool, acknowledged in zip(serving, outcomes, strict=True):
                self._count_notifies(each_pool.name, acknowledged)
            notified = outcomes[0]  # the new pool's: only its nameservers are judged
        served_at: dict[tuple[str, int], datetime] = {}
        polled = await self._poll(zone, nameservers, deleting, served_at)
        if polled is None:
            self.metrics.attempts.labels("superseded").inc()
            return
        verdict, observations = polled
        verdict = plan.explain(verdict, notified)
        errors = _target_error(provisioned)
        if old and verdict.done and errors is None:
            await self._next_move_step(zone, pool, old, narrowed, provisioned, observations)
            return
        outcome = await self._record(zone, verdict, observations, deleting, errors, served_at)
        self.metrics.attempts.labels(outcome).inc()
        if outcome != "superseded":
            self._count_checks(pool.name, verdict, observations)
        if outcome == "propagated":
            self._observe_propagation(zone, pool.name, served_at)

    def _count_notifies(self, pool: str, notified: Mapping[tuple[str, int], Reason | None]) -> None:
        outcomes = []
        for (host, port), reason in notified.items():
            outcome = "acknowledged" if reason is None else reason.value
            self.metrics.notifies.labels(pool, _hostport(host, port), outcome).inc()
            outcomes.append(f"{_hostport(host, port)} {outcome}")
        if outcomes:
            log.info("NOTIFY sent: %s", ", ".join(outcomes))

    def _count_checks(self, pool: str, verdict: Verdict, observations: list[Observation]) -> None:
        for o in observations:
            reason = verdict.lagging.get((o.host, o.port))
            label = "served" if reason is None else reason.value
            self.metrics.nameserver_checks.labels(pool, _hostport(o.host, o.port), label).inc()

    def _observe_propagation(
        self, zone: Zone, pool: str, served_at: Mapping[tuple[str, int], datetime]
    ) -> None:
        """Commit → served, for the pool (now: the attempt's verdict) and per nameserver (the
        first poll of this attempt that saw it serving the serial)."""
        committed = zone.updated_at or zone.created_at
        seconds = max(0.0, (self.env.now() - committed).total_seconds())
        self.metrics.propagation.labels(pool).observe(seconds)
        for (host, port), seen in served_at.items():
            at = max(0.0, (seen - committed).total_seconds())
            self.metrics.nameserver_propagation.labels(pool, _hostport(host, port)).observe(at)

    async def _provision(
        self,
        zone: Zone,
        target: Mapping[str, Any],
        known: Mapping[str, TargetState],
        deleting: bool,
    ) -> TargetState:
        """Create (or delete) the zone on one target, unless it is known to be there already
        (the serial audit forgets that when a server loses the zone)."""
        name = targets.describe(target)
        state = known.get(name)
        if not deleting and state is not None and _is_active(state):
            return state
        backend = self._backend(target)
        call = backend.delete_zone if deleting else backend.create_zone
        calls = self.metrics.backend_calls
        try:
            await backends.once_more_if_transient(call, _zone_target(zone, target))
        except backends.BackendError as error:
            calls.labels(name, call.__name__, error.reason).inc()
            verb = "deleting" if deleting else "provisioning"
            log.warning("%s zone %s (%s) on %s failed: %s", verb, zone.name, zone.id, name, error)
            return TargetState(name, "ERROR", error.reason, f"{name}: {error}", self.env.now())
        calls.labels(name, call.__name__, "ok").inc()
        log.info("%s zone %s (%s) on %s", call.__name__, zone.name, zone.id, name)
        return TargetState(name, "ACTIVE", None, None, self.env.now())

    async def _save_targets(self, zone: Zone, provisioned: Sequence[TargetState]) -> None:
        """Remember at once what this attempt did on each target, whatever becomes of the
        attempt: a superseded one (or one whose zone changed meanwhile) records no verdict,
        yet the zone is on those targets now, and the next attempt, here or in another
        worker, must not add it again (rndc addzone, a PowerDNS POST answered 409)."""
        async with self.env.db.transaction() as conn:
            # The lock orders us with other workers' replaces and a purge of the zone.
            if await zone_rows.lock(conn, zone.id) is not None:
                await target_states.replace(conn, zone.id, provisioned)

    async def _refresh(self, zone: Zone, holding: Sequence[Mapping[str, Any]]) -> None:
        """Ask the targets holding the zone to fetch the new serial, all at once."""
        await asyncio.gather(*(self._refresh_one(zone, target) for target in holding))

    async def _refresh_one(self, zone: Zone, target: Mapping[str, Any]) -> None:
        # Only a shortcut: when it fails, the NOTIFY and the polls still do the work.
        name = targets.describe(target)
        calls = self.metrics.backend_calls
        try:
            await backends.once_more_if_transient(
                self._backend(target).refresh_zone, _zone_target(zone, target)
            )
        except backends.BackendError as error:
            calls.labels(name, "refresh_zone", error.reason).inc()
            log.warning("refreshing zone %s (%s) on %s failed: %s", zone.name, zone.id, name, error)
            return
        calls.labels(name, "refresh_zone", "ok").inc()

    def _backend(self, target: Mapping[str, Any]) -> backends.Backend:
        """One long-lived backend per distinct target, so its limit on concurrent control
        calls (e.g. rndc processes) holds across all the zones being reconciled."""
        options = target.get("options") or {}
        key = json.dumps([target["type"], options], sort_keys=True)
        if key not in self._backends:
            self._backends[key] = backends.load(str(target["type"]), options)
        return self._backends[key]

    async def _notify(
        self, zone: Zone, soa: str | None, pool: pools.Pool
    ) -> dict[tuple[str, int], Reason | None]:
        """NOTIFY the nameservers, each signed with the pool's key for it (if any), and the
        also-notifies unsigned: they are not the pool's, so we know no key of theirs. The
        zone's SOA (``soa``, as stored) rides along as the hint. Returns how each nameserver
        took it (None: acknowledged)."""
        timeout = self.settings.poll_timeout
        hint = None if soa is None else dns.rrset.from_text(zone.name, zone.ttl, "IN", "SOA", soa)
        signed = [
            (h, p, transfers.key_for(pool.targets, h, p)) for h, p in _addresses(pool.nameservers)
        ]
        unsigned = [(h, p, None) for h, p in _addresses(pool.also_notifies)]
        outcomes = await asyncio.gather(
            *(probe.notify(zone.name, h, p, timeout, key, hint) for h, p, key in signed + unsigned)
        )
        # Only the nameservers' outcomes matter: also-notifies are never polled.
        mine = outcomes[: len(signed)]
        return {(h, p): outcome for (h, p, _), outcome in zip(signed, mine, strict=True)}

    async def _poll(
        self,
        zone: Zone,
        nameservers: list[tuple[str, int]],
        deleting: bool,
        served_at: dict[tuple[str, int], datetime],
    ) -> tuple[Verdict, list[Observation]] | None:
        """Query the serials until the verdict is done or this attempt's polls are spent;
        None when a newer change to the zone superseded the attempt meanwhile. Notes in
        ``served_at`` when each nameserver was first seen serving the zone's serial."""
        settings = self.settings
        attempt = self._in_flight.get(zone.id)
        superseded = attempt.superseded if attempt else asyncio.Event()
        delay = settings.poll_delay
        for poll in range(1, POLLS_PER_ATTEMPT + 1):
            if await _wait_for(superseded, delay):
                return None
            observations = await probe.observe_all(zone.name, nameservers, settings.poll_timeout)
            _note_served(zone.serial, observations, served_at, self.env.now())
            verdict = plan.judge(zone.serial, deleting, observations, settings.threshold_percentage)
            # No nameservers: nothing to wait for, the verdict cannot change within the attempt.
            if verdict.done or poll == POLLS_PER_ATTEMPT or not nameservers:
                return verdict, observations
            delay = plan.backoff(poll, settings.poll_retry_interval, 1.0)
        raise AssertionError("unreachable")

    async def _record(
        self,
        zone: Zone,
        verdict: Verdict,
        observations: list[Observation],
        deleting: bool,
        target_error: str | None,
        served_at: Mapping[tuple[str, int], datetime],
    ) -> str:
        """Record the attempt's outcome; returns it: propagated, deleted, failed, or
        superseded (the zone changed meanwhile: nothing recorded)."""
        now = self.env.now()
        states = [_state(o, verdict, now, served_at) for o in observations]
        async with self.env.db.transaction() as conn:
            current = await zone_rows.lock(conn, zone.id)
            if current is None or (current.serial, current.action) != (zone.serial, zone.action):
                # Changed (or purged) while we worked: its own commit has already made it due
                # again, so neither success nor failure of this attempt may be recorded.
                return "superseded"
            if verdict.done and target_error is None:
                if deleting:
                    await changes.purge_zone(conn, zone.id)
                    self.stats["deleted"] += 1
                    log.info("zone %s (%s) deleted from its nameservers", zone.name, zone.id)
                    return "deleted"
                propagated = await changes.mark_propagated(conn, zone.id, zone.serial, now)
                if propagated:
                    self.stats["propagated"] += 1
                await nameserver_states.replace(conn, zone.id, states)
                if not propagated:
                    return "superseded"
                log.info("zone %s (%s) serial %d served", zone.name, zone.id, zone.serial)
                return "propagated"
            self.stats["failed_attempts"] += 1
            attempt = zone.attempts + 1
            delay = plan.backoff(attempt, FIRST_RETRY, self.settings.poll_max_interval)
            reason = target_error or plan.describe(verdict.lagging) or "no nameservers in the pool"
            await changes.mark_attempt_failed(
                conn, zone.id, reason, now + timedelta(seconds=delay), self.settings.max_attempts
            )
            await nameserver_states.replace(conn, zone.id, states)
        log.info(
            "zone %s (%s) serial %d not served yet: %s", zone.name, zone.id, zone.serial, reason
        )
        return "failed"

    async def _next_move_step(
        self,
        zone: Zone,
        pool: pools.Pool,
        old: pools.Pool,
        narrowed: bool,
        provisioned: Sequence[TargetState],
        observations: list[Observation],
    ) -> None:
        """The new pool serves the zone's serial: narrow its NS set to the new pool (step 2),
        or, once that is served, remove it from the old pool (step 3) and end the move."""
        if not narrowed:
            async with self.env.db.transaction() as conn:
                if await self._still(conn, zone):
                    hostnames = moves.hostnames(pool)
                    ctx = context.internal()
                    await pool_service.rewrite_apex(conn, ctx, zone.id, hostnames, self.env.now())
            return  # a new serial: it is due again at once
        removed = await asyncio.gather(
            *(self._provision(zone, t, {}, True) for t in moves.leaving_targets(pool, old))
        )
        leaving = moves.leaving_nameservers(pool, old)
        polled = (
            await self._poll(zone, leaving, True, {}) if leaving else (plan.Verdict(True, {}), [])
        )
        if polled is None:
            return
        verdict, gone = polled
        if not verdict.done or _target_error(removed) is not None:
            error = f"leaving pool {old.name}: " + (
                _target_error(removed) or plan.describe(verdict.lagging)
            )
            lagging = plan.Verdict(False, verdict.lagging)
            await self._record(zone, lagging, [*observations, *gone], False, error, {})
            return
        now = self.env.now()
        states = [_state(o, plan.Verdict(True, {}), now, {}) for o in observations]
        async with self.env.db.transaction() as conn:
            if await self._still(conn, zone):
                await zone_rows.update_zone(conn, zone.id, {"moving_from_pool_id": None})
                await target_states.replace(conn, zone.id, provisioned)
                if await changes.mark_propagated(conn, zone.id, zone.serial, now):
                    self.stats["propagated"] += 1
                await nameserver_states.replace(conn, zone.id, states)
        log.info("zone %s (%s) moved from pool %s to %s", zone.name, zone.id, old.name, pool.name)

    async def _still(self, conn: AsyncConnection, zone: Zone) -> bool:
        """Lock the zone; whether it is still as this attempt read it (serial, action, move)."""
        current = await zone_rows.lock(conn, zone.id)
        return current is not None and (current.serial, current.action, current.moving_from) == (
            zone.serial,
            zone.action,
            zone.moving_from,
        )


@dataclass(slots=True)
class Attempt:
    zone: Zone
    """The zone as it was due: the serial and action this attempt works towards."""
    task: asyncio.Task[None]
    superseded: asyncio.Event
    """Set once a newer change to the zone is due: the attempt stops waiting for a serial
    that is already stale, so that the next one starts at once."""


FIRST_RETRY = 0.5
"""Seconds before the second attempt; later attempts back off exponentially."""

POLLS_PER_ATTEMPT = 8
"""SOA polls within one attempt (retry intervals double from ``poll_retry_interval``)."""


async def _wait_for(event: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds`` unless ``event`` is set first; whether it was set."""
    if not event.is_set() and seconds > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)
    return event.is_set()


def _target_error(states: Sequence[TargetState]) -> str | None:
    """The targets' failures, joined; None when every call succeeded."""
    return "; ".join(t.last_error for t in states if t.last_error) or None


def _is_active(state: TargetState | None) -> bool:
    return state is not None and state.status == "ACTIVE"


def _zone_target(zone: Zone, target: Mapping[str, Any]) -> backends.ZoneTarget:
    masters = tuple(backends.Master(h, p) for h, p in _addresses(target.get("masters", ())))
    return backends.ZoneTarget(zone.id, zone.name, masters, clean=zone.hard_delete)


def _addresses(entries: Sequence[Mapping[str, Any]]) -> list[tuple[str, int]]:
    return [(str(entry["host"]), int(entry["port"])) for entry in entries]


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _note_served(
    serial: int,
    observations: Sequence[Observation],
    served_at: dict[tuple[str, int], datetime],
    now: datetime,
) -> None:
    for o in observations:
        if o.serial is not None and serial_ge(o.serial, serial):
            served_at.setdefault((o.host, o.port), now)


def _state(
    observation: Observation,
    verdict: Verdict,
    now: datetime,
    served_at: Mapping[tuple[str, int], datetime],
) -> NameserverState:
    reason = verdict.lagging.get((observation.host, observation.port))
    return NameserverState(
        host=observation.host,
        port=observation.port,
        served_serial=observation.serial,
        status="PENDING" if reason else "ACTIVE",
        reason=reason.value if reason else None,
        last_error=None,
        checked_at=now,
        served_at=served_at.get((observation.host, observation.port)),
    )
