"""Lifecycle rules that are read-then-write, raced on both databases (the row locks and
constraints decide, not the reads), and a large import and export on each."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.service.conftest import member
from tests.service.helpers import make_zone
from zonekeeper.domain import errors
from zonekeeper.domain.models import TaskStatus
from zonekeeper.service import exports, imports, shares, transfers, zones
from zonekeeper.service.env import ServiceEnv


async def outcomes(*calls: Any) -> list[Any]:
    return list(await asyncio.gather(*calls, return_exceptions=True))


async def test_a_request_is_accepted_once(env: ServiceEnv) -> None:
    zone = await make_zone(member("owner"), env, "race.example.")
    request = await transfers.create_request(member("owner"), env, zone.id, {})
    body = {"key": request.key, "zone_transfer_request_id": request.id}
    results = await outcomes(
        transfers.accept(member("p1"), env, body), transfers.accept(member("p2"), env, body)
    )
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], errors.InvalidZoneTransferRequest)
    moved = await zones.get(member(won[0].project_id), env, zone.id)
    assert moved.project_id == won[0].project_id


async def test_one_active_request_per_zone(env: ServiceEnv) -> None:
    zone = await make_zone(member("owner"), env, "race.example.")
    results = await outcomes(
        *(transfers.create_request(member("owner"), env, zone.id, {}) for _ in range(3))
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(
        isinstance(r, errors.DuplicateZoneTransferRequest)
        for r in results
        if isinstance(r, Exception)
    )


async def test_a_zone_is_shared_with_a_project_once(env: ServiceEnv) -> None:
    zone = await make_zone(member("owner"), env, "race.example.")
    body = {"target_project_id": "p2"}
    results = await outcomes(
        *(shares.create(member("owner"), env, zone.id, body) for _ in range(3))
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(
        isinstance(r, errors.DuplicateSharedZone) for r in results if isinstance(r, Exception)
    )


@pytest.mark.parametrize("count", [3000])
async def test_large_import_then_export(env: ServiceEnv, count: int) -> None:
    env.settings.quotas.zone_recordsets = -1
    env.settings.quotas.zone_records = -1
    env.settings.quotas.api_export_size = -1
    lines = [f"h{i} IN A 10.0.{i >> 8}.{i & 255}" for i in range(count)]
    text = "$ORIGIN big.example.\n@ 300 IN SOA a. h.big.example. 1 2 3 4 5\n"
    text += "\n".join(lines) + "\n"
    ctx = member("p1")
    task = await imports.create(ctx, env)
    done = await imports.run(ctx, env, task.id, text)
    assert done.status is TaskStatus.COMPLETE, done.message
    zone = await zones.get(ctx, env, str(done.zone_id))
    pieces = [piece async for piece in exports.render(env, zone, chunk_lines=500)]
    assert len(pieces) > 2
    exported = "".join(pieces).splitlines()
    assert exported[:2] == ["$ORIGIN big.example.", "$TTL 300"]
    assert len(exported) == 3 + 2 + count  # header, SOA and NS, the records
    assert "h2999.big.example.  IN A 10.0.11.183" in exported
