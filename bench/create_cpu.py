"""CPU per recordset create in the service layer (no HTTP, no worker), on SQLite: what the
write path itself costs, the figure behind "under 1 ms of CPU per create".

Runs ``service.recordsets.create`` one after another on a fresh SQLite database and reports
the process CPU time per create; the in-run baseline is the smallest database round trip
through the same engine (``SELECT 1`` on a read connection), so the ratio says how many such
round trips a create costs. ``--profile FILE`` writes a cProfile dump of the
creates (``python -m pstats FILE``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from _common import machine
from sqlalchemy import text

from zonekeeper.config import Settings
from zonekeeper.service import context, pools, recordsets, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import migrate
from zonekeeper.storage.database import Database

SELECT_1 = text("SELECT 1")
CTX = context.RequestContext(
    project_id="bench", user_id="bench", roles=frozenset({"member", "reader"})
)


async def cpu_per_call(call: Callable[[int], Awaitable[object]], count: int) -> float:
    """Median over 5 slices of the CPU seconds per call."""
    per_slice = []
    step = count // 5
    for start in range(0, step * 5, step):
        began = time.process_time()
        for i in range(start, start + step):
            await call(i)
        per_slice.append((time.process_time() - began) / step)
    return statistics.median(per_slice)


async def run(count: int, profile: str | None, quotas_on: bool) -> None:
    data = Path(tempfile.mkdtemp(prefix="zk-bench-cpu-"))
    url = f"sqlite+aiosqlite:///{data / 'zk.sqlite'}"
    await migrate.upgrade(url)
    limit = 1_000_000 if quotas_on else -1
    settings = Settings(
        data_dir=data,
        quotas={"zones": limit, "zone_recordsets": limit, "zone_records": limit},
    )
    env = ServiceEnv(db=Database(url), settings=settings)
    await pools.ensure_default_pool(env, [("127.0.0.1", 5354)])
    zone = await zones.create(CTX, env, {"name": "bench.example.", "email": "a@bench.example"})

    async def create(i: int) -> object:
        fields = {"name": f"h{i}.bench.example.", "type": "A", "records": [f"192.0.2.{i % 250}"]}
        return await recordsets.create(CTX, env, zone.id, fields)

    async def read(_: int) -> object:
        async with env.db.read() as conn:
            return (await conn.execute(SELECT_1)).scalar()

    try:
        floor = await cpu_per_call(read, count)
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        per_create = await cpu_per_call(create, count)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
    finally:
        await env.db.close()
    quota = "quotas on" if quotas_on else "quotas off"
    print(f"baseline SELECT 1: {floor * 1e6:.0f} µs CPU per round trip")
    print(
        f"recordset create ({quota}): {per_create * 1e6:.0f} µs CPU per create "
        f"({per_create / floor:.1f}x the baseline), n={count}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--profile", help="write a cProfile dump of the creates here")
    parser.add_argument("--quotas", action="store_true", help="with quotas set (not -1)")
    args = parser.parse_args()
    print(f"create_cpu on {machine()}")
    asyncio.run(run(args.count, args.profile, args.quotas))


if __name__ == "__main__":
    main()
