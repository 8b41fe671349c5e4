"""Pool moves raced by concurrent clients on every database: two admins moving one zone to
two different pools at once never both win (the loser would leave the zone on a pool's
targets that nothing remembers), and the zone's serial moves once."""

from __future__ import annotations

import uuid

from tests.service.conftest import admin, member
from tests.service.helpers import make_zone
from tests.service.test_races import Clients, clients, race, succeeded  # noqa: F401
from zonekeeper.domain import errors
from zonekeeper.domain.models import DEFAULT_POOL_ID
from zonekeeper.service import pool_moves
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import pools
from zonekeeper.storage import zones as zone_rows


async def add_pool(env: ServiceEnv, name: str) -> str:
    pool = pools.Pool(
        id=str(uuid.uuid4()),
        name=name,
        ns_records=({"hostname": f"ns.{name}.example.", "priority": 1},),
        nameservers=(),
        targets=(),
        also_notifies=(),
    )
    async with env.db.transaction() as conn:
        await pools.insert_pool(conn, pool, env.now())
    return pool.id


async def test_two_concurrent_moves_of_one_zone_never_both_win(
    env: ServiceEnv,
    clients: Clients,  # noqa: F811
) -> None:
    targets = [await add_pool(env, "left"), await add_pool(env, "right")]
    first, second = await clients(2)
    ctx = admin(all_projects=True)
    for round_ in range(5):
        zone = await make_zone(member(), env, f"r{round_}.example.")
        results = await race(
            pool_moves.move(ctx, first, zone.id, targets[0]),
            pool_moves.move(ctx, second, zone.id, targets[1]),
        )
        won = succeeded(results)
        assert len(won) == 1, results
        lost = next(r for r in results if isinstance(r, BaseException))
        assert isinstance(lost, errors.BadRequest), lost
        async with env.db.read() as conn:
            stored = await zone_rows.get(conn, zone.id)
        assert stored is not None
        assert (stored.pool_id, stored.moving_from) == (won[0].pool_id, DEFAULT_POOL_ID)
        assert stored.serial == won[0].serial
