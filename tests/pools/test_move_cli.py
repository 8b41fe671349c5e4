"""``zonekeeper zone move ZONE --pool P`` through Typer's CliRunner, on a tmp SQLite database:
the zone points at the new pool (by name or id) and remembers the old one; a pool that is
still being left cannot be deleted; refusals exit 1 and change nothing."""

from __future__ import annotations

from pathlib import Path

from tests.pools.conftest import BIND9_POOL, PDNS4_POOL
from tests.pools.test_cli import invoke, on_db, runner, write
from tests.service.conftest import member
from tests.service.helpers import make_zone
from zonekeeper.cli.main import app
from zonekeeper.domain.models import DEFAULT_POOL_ID, Zone
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import zones as zone_rows


def stored(url: str, tmp_path: Path, zone_id: str) -> Zone:
    async def read(env: ServiceEnv) -> Zone | None:
        async with env.db.read() as conn:
            return await zone_rows.get(conn, zone_id)

    zone = on_db(url, tmp_path, read)
    assert zone is not None
    return zone


def test_zone_move_by_pool_name(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite'}"
    invoke(url, "update", "--file", write(tmp_path, BIND9_POOL, PDNS4_POOL))
    zone = on_db(url, tmp_path, lambda env: make_zone(member(), env, "moved.example."))
    result = runner.invoke(
        app, ["zone", "move", "moved.example", "--pool", "pdns", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    assert f"from pool {DEFAULT_POOL_ID} to pool {PDNS4_POOL['id']}" in result.output
    moved = stored(url, tmp_path, zone.id)
    assert (moved.pool_id, moved.moving_from) == (PDNS4_POOL["id"], DEFAULT_POOL_ID)
    assert moved.serial > zone.serial  # the apex NS names both pools' nameservers now
    # The default pool still serves the zone until the move is over: it cannot go.
    refused = invoke(
        url, "update", "--file", write(tmp_path, PDNS4_POOL, name="p.yaml"), "--delete"
    )
    assert refused.exit_code == 1

    for args, reason in (
        (["moved.example.", "--pool", "nope"], "no pool named 'nope'"),
        (["moved.example.", "--pool", PDNS4_POOL["id"]], "Target pool must be different"),
        (["absent.example.", "--pool", "pdns"], "cannot move absent.example."),
    ):
        failed = runner.invoke(app, ["zone", "move", *args, "--database-url", url])
        assert failed.exit_code == 1, failed.output
        assert reason in " ".join(failed.output.split()), failed.output
    assert stored(url, tmp_path, zone.id).serial == moved.serial
