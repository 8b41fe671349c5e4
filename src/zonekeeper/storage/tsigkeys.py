"""TSIG key rows as the mini-DNS, the worker and pool loading need them: the keys that apply
to one zone (its pool's POOL keys and its own ZONE keys), the keys a ``pools.yaml`` declares
inline, and the keys its targets name by ``tsigkey_id``."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import transfers
from zonekeeper.storage.pools import Pool
from zonekeeper.storage.tables import tsigkeys


async def for_zone(conn: AsyncConnection, pool_id: str, zone_id: str) -> list[transfers.TsigKey]:
    """The usable keys scoped to the pool or to the zone. A key the mini-DNS cannot sign with
    (a secret that is not base64: the API, like Designate, stores any text) is left out."""
    stmt = select(tsigkeys.c.name, tsigkeys.c.secret, tsigkeys.c.algorithm).where(
        or_(
            and_(tsigkeys.c.scope == "POOL", tsigkeys.c.resource_id == pool_id),
            and_(tsigkeys.c.scope == "ZONE", tsigkeys.c.resource_id == zone_id),
        )
    )
    usable: list[transfers.TsigKey] = []
    for name, secret, algorithm in (await conn.execute(stmt)).all():
        try:
            usable.append(transfers.TsigKey(name, secret, algorithm))
        except ValueError:
            continue
    return usable


async def zone_key(conn: AsyncConnection, zone_id: str) -> transfers.TsigKey | None:
    """The usable key scoped to the zone (the first by name), or None: a SECONDARY zone's
    transfers from its masters are signed with it."""
    stmt = (
        select(tsigkeys.c.name, tsigkeys.c.secret, tsigkeys.c.algorithm)
        .where(tsigkeys.c.scope == "ZONE", tsigkeys.c.resource_id == zone_id)
        .order_by(tsigkeys.c.name)
    )
    for name, secret, algorithm in (await conn.execute(stmt)).all():
        try:
            return transfers.TsigKey(name, secret, algorithm)
        except ValueError:
            continue
    return None


async def declare_pool_key(
    conn: AsyncConnection, key: transfers.TsigKey, pool_id: str, now: datetime
) -> None:
    """Make the key resource named ``key.name`` hold ``key``'s secret and algorithm, scoped to
    ``pool_id`` (created if missing). The row is locked first, so two pool loads declaring one
    key leave one row."""
    found = (
        await conn.execute(
            select(tsigkeys.c.id).where(tsigkeys.c.name == key.name).with_for_update()
        )
    ).first()
    values = {
        "algorithm": key.algorithm,
        "secret": key.secret,
        "scope": "POOL",
        "resource_id": pool_id,
    }
    if found is None:
        await conn.execute(
            tsigkeys.insert().values(
                id=str(uuid.uuid4()), name=key.name, created_at=now, updated_at=None, **values
            )
        )
    else:
        await conn.execute(
            update(tsigkeys).where(tsigkeys.c.id == found.id).values(updated_at=now, **values)
        )


async def resolve(conn: AsyncConnection, pool: Pool) -> Pool:
    """``pool`` with each target that names a TSIG key resource (``tsigkey_id``, Designate's
    reference) carrying that key in its options, as ``tsigkey_name``/``tsigkey_secret``/
    ``tsigkey_algorithm``: the form the backends, NOTIFY signing and the mini-DNS read. Read at
    use, so a key changed through ``/v2/tsigkeys`` applies at once. A target's own inline key
    wins; a reference to a key that is gone leaves the target without one."""
    ids = {str(target["tsigkey_id"]) for target in pool.targets if target.get("tsigkey_id")}
    if not ids:
        return pool
    stmt = select(tsigkeys).where(tsigkeys.c.id.in_(ids))
    found = {row.id: row for row in (await conn.execute(stmt)).all()}
    resolved = []
    for target in pool.targets:
        options = dict(target.get("options") or {})
        row = found.get(str(target.get("tsigkey_id")))
        if row is not None and not options.get("tsigkey_secret"):
            options |= {
                "tsigkey_name": row.name,
                "tsigkey_secret": row.secret,
                "tsigkey_algorithm": row.algorithm,
            }
        resolved.append({**target, "options": options})
    return dataclasses.replace(pool, targets=tuple(resolved))


async def unusable(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, str]:
    """{id: why} for each of ``ids`` that names no TSIG key resource, or one whose secret or
    algorithm the mini-DNS cannot sign with."""
    wanted = set(ids)
    if not wanted:
        return {}
    stmt = select(tsigkeys).where(tsigkeys.c.id.in_(wanted))
    rows = {row.id: row for row in (await conn.execute(stmt)).all()}
    problems = {key_id: "no such TSIG key" for key_id in wanted - set(rows)}
    for key_id, row in rows.items():
        try:
            transfers.TsigKey(row.name, row.secret, row.algorithm)
        except ValueError as error:
            problems[key_id] = f"TSIG key {row.name!r} cannot sign: {error}"
    return problems
