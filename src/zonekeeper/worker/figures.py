"""The database-wide figures a worker process exports when scraped (zones PENDING by age,
ERROR, backlog, each nameserver's and target's lag and last success, every process's
heartbeat age), and the worker's readiness: its backlog is being worked off."""

from __future__ import annotations

import calendar
from datetime import datetime

from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import observed, service_statuses
from zonekeeper.telemetry.metrics import PENDING_AGES, Metrics


async def refresh(env: ServiceEnv, metrics: Metrics) -> None:
    """Read the figures (one snapshot's worth of queries) and set the gauges; servers and
    processes no longer seen lose their series."""
    now = env.now()
    async with env.db.read() as conn:
        counts = await observed.zone_counts(conn, now, PENDING_AGES)
        nameservers = await observed.nameservers(conn)
        targets = await observed.targets(conn)
        beats = await service_statuses.all_rows(conn)
    for age, count in counts.pending_older_than.items():
        metrics.zones_pending.labels(str(age)).set(count)
    metrics.zones_error.set(counts.error)
    metrics.backlog.set(counts.due)
    metrics.backlog_age.set(_age(now, counts.oldest_due))
    for gauge in (metrics.nameserver_behind, metrics.nameserver_lag, metrics.nameserver_success):
        gauge.clear()
    for ns in nameservers:
        metrics.nameserver_behind.labels(ns.pool, ns.server).set(ns.failing)
        metrics.nameserver_lag.labels(ns.pool, ns.server).set(_age(now, ns.oldest_failing_change))
        if ns.last_success is not None:
            metrics.nameserver_success.labels(ns.pool, ns.server).set(_unix(ns.last_success))
    metrics.target_failing.clear()
    metrics.target_success.clear()
    for target in targets:
        metrics.target_failing.labels(target.pool, target.server).set(target.failing)
        if target.last_success is not None:
            metrics.target_success.labels(target.pool, target.server).set(
                _unix(target.last_success)
            )
    metrics.heartbeat_age.clear()
    for beat in beats:
        since = _age(now, beat["heartbeated_at"])
        metrics.heartbeat_age.labels(beat["service_name"], beat["hostname"]).set(since)


async def backlog_problem(env: ServiceEnv) -> str | None:
    """Not ready when a zone has been due longer than ``telemetry.ready_backlog_seconds``."""
    now = env.now()
    async with env.db.read() as conn:
        counts = await observed.zone_counts(conn, now, ())
    age = _age(now, counts.oldest_due)
    limit = env.settings.telemetry.ready_backlog_seconds
    if age > limit:
        return f"{counts.due} zones due, the oldest for {age:.0f} s (limit {limit:g} s)"
    return None


def _age(now: datetime, then: datetime | None) -> float:
    return 0.0 if then is None else max(0.0, (now - then).total_seconds())


def _unix(moment: datetime) -> float:
    """Seconds since the epoch of a naive UTC datetime."""
    return calendar.timegm(moment.utctimetuple()) + moment.microsecond / 1e6
