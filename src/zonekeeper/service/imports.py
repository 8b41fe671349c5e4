"""Zone imports: a zone file becomes a new zone with all its recordsets, or nothing at all.

:func:`create` records the import (PENDING) and :func:`run` does it: the file is parsed
(``domain.zonefile``), each recordset goes through the very validation the API's recordset
create uses (``recordsets.validate_new``), and only when every line is good is the zone
written, in one transaction with bulk inserts. The import ends COMPLETE with the zone's id,
or ERROR with Designate's message followed by the reason of every bad line. An import never
changes an existing zone (its name taken: ERROR "Duplicate zone.").
"""

from __future__ import annotations

import asyncio
import builtins
import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dns.name
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import errors, names, rdata, rules, zonefile
from zonekeeper.domain.models import (
    ListQuery,
    Page,
    RecordSet,
    TaskStatus,
    TaskType,
    Zone,
    ZoneTask,
)
from zonekeeper.service import policy, quotas, recordsets, zone_tasks, zones
from zonekeeper.service.context import RequestContext
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import pools as pool_rows
from zonekeeper.storage import recordsets as recordset_rows
from zonekeeper.storage import zone_tasks as task_rows
from zonekeeper.storage import zones as zone_rows

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""Called with (stage, done, total) while a file is parsed, checked and written."""

MAX_REASONS = 100
"""Bad lines named in an ERROR message; the count of the rest follows."""

_Valid = tuple[dns.name.Name, str, tuple[rdata.CanonicalRecord, ...], int | None, str]
"""One recordset that passed the API's validation: owner, type, records, TTL, and the
owner's stored text."""


class ImportFailed(Exception):
    """The file cannot become a zone; ``message`` is the import's ERROR message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def create(
    ctx: RequestContext, env: ServiceEnv, attributes: Mapping[str, str] | None = None
) -> ZoneTask:
    """Record a PENDING import for the caller's project; :func:`run` does the work.

    Raises Forbidden, and PoolNotFound when ``attributes`` name a ``pool_id`` that does not
    exist (checked now, as Designate's scheduler does, so the caller hears it at once)."""
    policy.enforce(ctx, "create_zone_import", policy.project_target(ctx))
    task = zone_tasks.new_task(ctx, env, TaskType.IMPORT, None)
    async with env.db.transaction() as conn:
        pool_id = (attributes or {}).get("pool_id")
        if pool_id is not None and await pool_rows.get_pool(conn, pool_id) is None:
            raise errors.PoolNotFound()
        await task_rows.insert_task(conn, task)
    return task


async def run(
    ctx: RequestContext,
    env: ServiceEnv,
    task_id: str,
    text: str,
    attributes: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> ZoneTask:
    """Import ``text`` for the PENDING import ``task_id`` and return the import, COMPLETE or
    ERROR. Never raises for a bad file: the reasons are the import's message."""
    values: dict[str, Any]
    try:
        zone = await _import(ctx, env, text, dict(attributes or {}), progress)
    except ImportFailed as failed:
        values = {"status": TaskStatus.ERROR.value, "message": failed.message}
    except errors.ZonekeeperError as error:
        values = {"status": TaskStatus.ERROR.value, "message": _message(error)}
    except Exception as error:  # the import must end, whatever broke (Designate's wording)
        log.exception("zone import %s failed", task_id)
        message = f"An undefined error occurred. {str(error)[:130]}"
        values = {"status": TaskStatus.ERROR.value, "message": message}
    else:
        message = f"{zone.name} imported"
        values = {"status": TaskStatus.COMPLETE.value, "message": message, "zone_id": zone.id}
    values["updated_at"] = env.now()
    async with env.db.transaction() as conn:
        await task_rows.update_task(conn, task_id, values)
        task = await task_rows.get(conn, task_id, TaskType.IMPORT)
    assert task is not None  # deleted while it ran: the row is gone, nothing to report
    return task


def _message(error: errors.ZonekeeperError) -> str:
    """Designate's import messages for the errors a zone create raises."""
    if isinstance(error, errors.DuplicateZone):
        return "Duplicate zone."
    if isinstance(error, errors.OverQuota):
        return "Quota exceeded during zone import."
    if isinstance(error, errors.InvalidObject) and error.errors:
        return "; ".join(f"{'.'.join(map(str, e.path))}: {e.message}" for e in error.errors)
    return error.message or error.type


async def _import(
    ctx: RequestContext,
    env: ServiceEnv,
    text: str,
    attributes: dict[str, str],
    progress: Progress | None,
) -> Zone:
    policy.enforce(ctx, "create_zone", policy.project_target(ctx))
    # Parsing and checking a large file is seconds of CPU: in a thread, so the API, the
    # mini-DNS and the worker sharing this event loop keep answering meanwhile.
    new, valid = await asyncio.to_thread(_prepare, ctx, env, text, attributes, progress)
    async with env.db.transaction() as conn:
        zone = await zones.insert_new(conn, ctx, env, new)
        await _check_child_zones(conn, zone, valid)
        await _check_quotas(conn, env, zone, valid)
        await _write(conn, ctx, zone, valid, progress)
    env.db.wake_worker()
    return zone


def _prepare(
    ctx: RequestContext,
    env: ServiceEnv,
    text: str,
    attributes: dict[str, str],
    progress: Progress | None,
) -> tuple[zones.NewZone, builtins.list[_Valid]]:
    """The zone and the recordsets of ``text``, checked as the API checks them; touches no
    database. Raises ImportFailed and the zone create's errors."""
    parsed = zonefile.parse(text, _stage(progress, "parse"))
    _raise_problems(parsed.problems)
    assert parsed.origin is not None and parsed.soa is not None  # else a problem was raised
    soa = parsed.soa
    fields = {
        "name": names.to_text(parsed.origin),
        "email": names.email_from_rname(soa.rname),
        "ttl": soa.ttl,
        "attributes": attributes,
    }
    new = dataclasses.replace(
        zones.validate_new(ctx, env, fields),
        timers=(soa.refresh, soa.retry, soa.expire, soa.minimum),
    )
    provisional = zones.new_zone(ctx, env, new, 0)
    return new, _validate(ctx, env, provisional, parsed, progress)


def _raise_problems(problems: Sequence[zonefile.Problem]) -> None:
    """Raises ImportFailed for a file that does not parse: Designate's message for a missing
    $ORIGIN or SOA when that is the trouble, else "Malformed zonefile." with every line."""
    if not problems:
        return
    messages = {problem.message for problem in problems}
    if zonefile.ORIGIN_REQUIRED in messages:
        _fail(zonefile.ORIGIN_REQUIRED, [])
    rest = [str(problem) for problem in problems if problem.message != zonefile.SOA_REQUIRED]
    if not rest:
        _fail(zonefile.SOA_REQUIRED, [])
    _fail("Malformed zonefile.", rest)


def _fail(lead: str, reasons: Sequence[str]) -> None:
    """Raises ImportFailed: ``lead``, then up to MAX_REASONS reasons and a count of the rest."""
    shown = "; ".join(reasons[:MAX_REASONS])
    more = len(reasons) - MAX_REASONS
    tail = f"; and {more} more" if more > 0 else ""
    raise ImportFailed(f"{lead} {shown}{tail}".strip())


def _validate(
    ctx: RequestContext,
    env: ServiceEnv,
    zone: Zone,
    parsed: zonefile.ParsedZone,
    progress: Progress | None,
) -> builtins.list[_Valid]:
    """Every recordset of the file checked as the API checks a create; the SOA and apex NS
    are left out (the pool's are written). Raises ImportFailed naming every bad line."""
    apex = zone.name
    wanted = [
        recordset
        for (name, rtype), recordset in parsed.recordsets.items()
        if not (rtype == "NS" and name == apex)
    ]
    report = _stage(progress, "check")
    valid: builtins.list[_Valid] = []
    reasons: builtins.list[tuple[int, str]] = []
    for index, recordset in enumerate(wanted):
        if report is not None and index % 5000 == 0:
            report(index, len(wanted))
        fields: dict[str, Any] = {
            "name": recordset.name,
            "type": recordset.type,
            "records": recordset.records,
            "ttl": recordset.ttl,
        }
        try:
            owner, rtype, records = recordsets.validate_new(ctx, env, zone, fields)
        except errors.ZonekeeperError as error:
            reasons.extend(_line_reasons(recordset, error))
            continue
        valid.append((owner, rtype, records, recordset.ttl, names.to_text(owner)))
    reasons.extend(_cname_conflicts(valid, parsed))
    if report is not None:
        report(len(wanted), len(wanted))
    if reasons:
        _fail("Malformed zonefile.", [f"line {line}: {reason}" for line, reason in sorted(reasons)])
    return valid


def _line_reasons(
    recordset: zonefile.TextRecordSet, error: errors.ZonekeeperError
) -> builtins.list[tuple[int, str]]:
    """(line, reason) for each reason ``error`` gives; a reason about record i points at
    the line of record i, any other at the recordset's first line."""
    first = recordset.lines[0]
    if not isinstance(error, errors.InvalidObject) or not error.errors:
        return [(first, error.message or error.type)]
    found = []
    for reason in error.errors:
        path = reason.path
        index = path[1] if len(path) > 1 and path[0] == "records" else None
        line = recordset.lines[index] if isinstance(index, int) else first
        found.append((line, reason.message))
    return found


def _cname_conflicts(
    valid: Sequence[_Valid], parsed: zonefile.ParsedZone
) -> builtins.list[tuple[int, str]]:
    """A CNAME that shares its name with other data, as the API's create refuses it."""
    types: dict[dns.name.Name, set[str]] = defaultdict(set)
    for owner, rtype, *_ in valid:
        types[owner].add(rtype)
    reasons = []
    for owner, rtype, *_ in valid:
        if rtype == rules.CNAME and rules.cname_conflict(rtype, types[owner]):
            line = parsed.recordsets[(names.to_text(owner), rtype)].lines[0]
            reasons.append((line, "CNAME recordsets may not share a name with any other records"))
    return reasons


async def _check_child_zones(conn: AsyncConnection, zone: Zone, valid: Sequence[_Valid]) -> None:
    """Raises ImportFailed for records that belong in an existing zone below this one."""
    children = {dns.name.from_text(name) for name in await zone_rows.names_below(conn, zone.name)}
    if not children:
        return
    inside = [
        names.to_text(owner)
        for owner, *_ in valid
        if any(owner.is_subdomain(child) for child in children)
    ]
    if inside:
        listed = ", ".join(inside[:MAX_REASONS])
        raise ImportFailed(f"Malformed zonefile. RecordSets belong in a child zone: {listed}")


async def _check_quotas(
    conn: AsyncConnection, env: ServiceEnv, zone: Zone, valid: Sequence[_Valid]
) -> None:
    sizes = [len(item[2]) for item in valid]
    await quotas.check_records(
        conn,
        env.settings,
        zone,
        recordsets_added=len(valid),
        records_added=sum(sizes),
        recordset_records=max(sizes, default=0),
    )


async def _write(
    conn: AsyncConnection,
    ctx: RequestContext,
    zone: Zone,
    valid: Sequence[_Valid],
    progress: Progress | None,
) -> None:
    """Insert the recordsets, PENDING like any create (the new zone's first transfer serves
    them all, so no journal entry is needed), in chunks that report progress."""
    report = _stage(progress, "write")
    # On SQLite statements run on the event loop (storage/sqlite_inline.py): small chunks
    # keep each pause of the API and mini-DNS short.
    chunk = 1000
    for start in range(0, len(valid), chunk):
        if report is not None:
            report(start, len(valid))
        items = [_recordset(ctx, zone, item) for item in valid[start : start + chunk]]
        await recordset_rows.insert_many(conn, items)
        await asyncio.sleep(0)  # let the loop serve others between chunks
    if report is not None:
        report(len(valid), len(valid))


def _recordset(
    ctx: RequestContext, zone: Zone, item: _Valid
) -> tuple[RecordSet, Sequence[rdata.CanonicalRecord]]:
    _, rtype, records, ttl, name = item
    recordset = RecordSet.new(
        zone,
        name,
        rtype,
        project_id=ctx.project_id,
        ttl=ttl,
        serial=zone.serial,
        created_at=zone.created_at,
        status=zone.status,
        action=zone.action,
    )
    return recordset, records


def _stage(progress: Progress | None, stage: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(stage, done, total)


async def get(ctx: RequestContext, env: ServiceEnv, task_id: str) -> ZoneTask:
    """The import; raises Forbidden or ZoneImportNotFound (also another project's)."""
    return await zone_tasks.get(ctx, env, task_id, TaskType.IMPORT)


async def list(ctx: RequestContext, env: ServiceEnv, query: ListQuery) -> Page[ZoneTask]:
    """One page of the caller's imports (every project's with all-projects)."""
    return await zone_tasks.list(ctx, env, TaskType.IMPORT, query)


async def delete(ctx: RequestContext, env: ServiceEnv, task_id: str) -> None:
    """Forget the import (its zone stays). Raises Forbidden or ZoneImportNotFound."""
    await zone_tasks.delete(ctx, env, task_id, TaskType.IMPORT)
