"""TSIG key rows as the mini-DNS and pool loading need them: the keys that apply to one zone
(its pool's POOL keys and its own ZONE keys), and the keys a ``pools.yaml`` declares."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from zonekeeper.domain import transfers
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
