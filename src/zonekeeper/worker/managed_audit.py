"""Managed-record audit: records whose instance, floating IP or port Nova and Neutron no longer
report (stale: the sink missed or dead-lettered the removal event).

Plan, then apply. ``find_stale`` reads every managed record, asks each configured service
(``env.inventory``) which resources of the records' kinds exist, and reports the records of
the resources that are gone; a kind whose service is not configured, or fails to answer, is
reported as not checked and nothing of it is judged. ``remove_stale`` removes the stale
resources' records through ``service.managed.remove_managed`` (the sink's own path: one change
per zone, serial bump, journal, worker wake-up), refusing (``audit.UnsafeRepair``, nothing
removed) when a kind's stale records exceed a share of its records, unless forced.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from zonekeeper.domain import errors
from zonekeeper.service import context, managed
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import managed as managed_rows
from zonekeeper.worker.audit import UnsafeRepair

log = logging.getLogger(__name__)

CONFIGURED_BY: Final = {
    "instance": "compute_api",
    "floatingip": "network_api",
    "port": "network_api",
}
"""The settings section whose endpoints let each kind be checked."""

Grouped = dict[str, dict[str, list[managed_rows.OwnedRecord]]]
"""kind -> resource id -> the records that go when that resource goes."""


@dataclass(frozen=True, slots=True)
class Stale:
    """A resource Nova/Neutron no longer report, with the managed records it holds."""

    kind: str
    resource_id: str
    records: tuple[managed_rows.OwnedRecord, ...]


@dataclass(slots=True)
class ManagedReport:
    records: dict[str, int] = field(default_factory=dict)
    """kind -> how many managed records hang on a resource of that kind."""
    stale: list[Stale] = field(default_factory=list)
    unconfigured: dict[str, str] = field(default_factory=dict)
    """kind -> why it was not checked ("compute_api has no endpoints")."""
    errors: dict[str, str] = field(default_factory=dict)
    """kind -> why its service could not tell (nothing of the kind was judged)."""
    removed: int = 0

    def stale_records(self, kind: str) -> int:
        return sum(len(s.records) for s in self.stale if s.kind == kind)


def dependencies(record: managed_rows.OwnedRecord) -> list[tuple[str, str]]:
    """(kind, id) of each resource whose removal removes the record: its own resource, and
    the port a floating IP's record is held through."""
    tag = record.managed_by
    found = [(tag.resource_type, tag.resource_id)]
    if tag.port_id:
        found.append((managed.PORT, tag.port_id))
    return found


def group(records: Sequence[managed_rows.OwnedRecord]) -> Grouped:
    grouped: Grouped = defaultdict(lambda: defaultdict(list))
    for record in records:
        for kind, resource_id in dependencies(record):
            grouped[kind][resource_id].append(record)
    return grouped


def judge(grouped: Grouped, existing: Mapping[str, set[str]]) -> list[Stale]:
    """The resources of the kinds in ``existing`` that are not in it, sorted. Pure."""
    return [
        Stale(kind, resource_id, tuple(sorted(found, key=lambda r: (r.name, r.type, r.data))))
        for kind, ids in sorted(existing.items())
        for resource_id, found in sorted(grouped.get(kind, {}).items())
        if resource_id not in ids
    ]


def unsafe(report: ManagedReport, threshold: int) -> list[str]:
    """Why removing the report's stale records is a mass deletion: for each kind whose stale
    records exceed ``threshold`` percent of its records. One stale resource never is. Pure."""
    reasons = []
    for kind, total in sorted(report.records.items()):
        stale = report.stale_records(kind)
        resources = sum(1 for s in report.stale if s.kind == kind)
        if resources > 1 and stale * 100 > threshold * total:
            reasons.append(
                f"{stale} of {total} {kind} records ({stale * 100 // total} %) are stale, "
                f"over the threshold of {threshold} %"
            )
    return reasons


async def find_stale(env: ServiceEnv) -> ManagedReport:
    """Report the managed records whose resource is gone. Removes nothing."""
    # The records are read before the services are asked: a record written meanwhile belongs
    # to a resource the services already report, never to one they were asked about too early.
    async with env.db.read() as conn:
        records = await managed_rows.owned(conn, managed_rows.any_resource())
    grouped = group(records)
    report = ManagedReport(records={kind: _count(ids) for kind, ids in grouped.items()})
    asked = [kind for kind in sorted(grouped) if kind in env.inventory]
    for kind in sorted(set(grouped) - set(asked)):
        section = CONFIGURED_BY.get(kind)
        reason = f"{section} has no endpoints" if section else "no service reports this kind"
        report.unconfigured[kind] = reason
    answers = await asyncio.gather(
        *(env.inventory[kind]() for kind in asked), return_exceptions=True
    )
    existing: dict[str, set[str]] = {}
    for kind, answer in zip(asked, answers, strict=True):
        if isinstance(answer, errors.ZonekeeperError):
            report.errors[kind] = str(answer)
        elif isinstance(answer, BaseException):
            raise answer
        else:
            existing[kind] = answer
    report.stale = judge(grouped, existing)
    return report


async def remove_stale(
    env: ServiceEnv, report: ManagedReport, force: bool = False, threshold: int = 10
) -> int:
    """Remove the stale resources' records (idempotent: what went meanwhile counts 0); adds to
    and returns ``report.removed``. Raises UnsafeRepair, removing nothing, when ``unsafe``
    finds a reason and ``force`` is not given."""
    reasons = unsafe(report, threshold)
    if reasons and not force:
        raise UnsafeRepair("; ".join(reasons))
    ctx = context.managed_resources(env.settings, request_id="managed-audit")
    for stale in report.stale:
        report.removed += await managed.remove_managed(ctx, env, stale.kind, stale.resource_id)
    return report.removed


async def periodic(env: ServiceEnv, interval: float, threshold: int) -> None:
    """Every ``interval`` seconds: find stale records, log them, and remove them unless that
    is a mass deletion past ``threshold`` percent (then only warn)."""
    while True:
        await asyncio.sleep(interval)
        try:
            await audit_once(env, threshold)
        except Exception:
            log.exception("managed-record audit failed")


async def audit_once(env: ServiceEnv, threshold: int) -> ManagedReport:
    """One periodic round: report, then remove within ``threshold``."""
    report = await find_stale(env)
    for kind, reason in sorted(report.errors.items()):
        log.warning("managed-record audit: %s records not checked: %s", kind, reason)
    for stale in report.stale:
        names = ", ".join(f"{r.name} {r.type} {r.data}" for r in stale.records)
        log.warning(
            "managed-record audit: %s %s is gone; its records: %s",
            stale.kind,
            stale.resource_id,
            names,
        )
    try:
        removed = await remove_stale(env, report, force=False, threshold=threshold)
    except UnsafeRepair as refusal:
        log.warning(
            "managed-record audit: removing nothing, %s; `zonekeeper audit --managed --repair "
            "--force` removes them",
            refusal,
        )
        return report
    if removed:
        log.warning("managed-record audit: removed %d stale records", removed)
    return report


def _count(by_resource: Mapping[str, list[managed_rows.OwnedRecord]]) -> int:
    return sum(len(found) for found in by_resource.values())
