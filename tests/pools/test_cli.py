"""``zonekeeper pool update|show`` through Typer's CliRunner, on a tmp SQLite database."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.pools.conftest import BIND9_POOL, PDNS4_POOL
from tests.service.conftest import member
from tests.service.helpers import make_zone
from zonekeeper.cli.main import app
from zonekeeper.config import Settings
from zonekeeper.domain.models import Zone
from zonekeeper.service import zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import zones as zone_rows
from zonekeeper.storage.database import Database

runner = CliRunner()


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite'}"


def invoke(url: str, *args: str) -> Any:
    return runner.invoke(app, ["pool", *args, "--database-url", url])


def write(tmp_path: Path, *entries: dict[str, Any], name: str = "pools.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(list(entries), sort_keys=False))
    return str(path)


def on_db(url: str, tmp_path: Path, call: Any) -> Any:
    async def run() -> Any:
        env = ServiceEnv(db=Database(url), settings=Settings(data_dir=tmp_path))
        try:
            return await call(env)
        finally:
            await env.db.close()

    return asyncio.run(run())


SECRET = "cHJvYmUtc2VjcmV0LTAxMjM0NTY3ODlhYmNkZWYwMTI="


def with_key(entry: dict[str, Any], **options: str) -> dict[str, Any]:
    keyed = copy.deepcopy(entry)
    keyed["targets"][0]["options"] |= {"tsigkey_name": "pool-key", **options}
    return keyed


def test_tsig_keys_round_trip_through_show(tmp_path: Path, url: str) -> None:
    bind9 = with_key(BIND9_POOL, tsigkey_secret=SECRET)
    pdns = with_key(PDNS4_POOL, tsigkey_secret=SECRET, tsigkey_algorithm="hmac-sha512")
    created = invoke(url, "update", "--file", write(tmp_path, bind9, pdns))
    assert created.exit_code == 0, created.output
    shown = invoke(url, "show")
    options = [pool["targets"][0]["options"] for pool in yaml.safe_load(shown.stdout)]
    assert {
        (o["tsigkey_name"], o["tsigkey_secret"], o.get("tsigkey_algorithm")) for o in options
    } == {
        ("pool-key", SECRET, None),
        ("pool-key", SECRET, "hmac-sha512"),
    }
    (tmp_path / "shown.yaml").write_text(shown.stdout)
    again = invoke(url, "update", "--file", str(tmp_path / "shown.yaml"))
    assert again.exit_code == 0, again.output
    assert again.output.strip().endswith("no changes")


def test_a_bad_tsig_secret_or_algorithm_fails_update(tmp_path: Path, url: str) -> None:
    bad = with_key(BIND9_POOL, tsigkey_secret="not base64!", tsigkey_algorithm="hmac-md4")
    result = invoke(url, "update", "--file", write(tmp_path, bad))
    assert result.exit_code == 1
    assert "pool 'default': targets.0.options.tsigkey_secret: (bind9)" in result.output
    assert "tsigkey_secret is not valid base64" in result.output
    assert "targets.0.options.tsigkey_algorithm: (bind9)" in result.output
    assert "unsupported tsig algorithm 'hmac-md4'" in result.output
    shown = invoke(url, "show")  # the file was refused before the database was even made
    assert (shown.exit_code, shown.stdout) == (2, "")
    assert "error: no database at" in shown.stderr


def test_update_then_show_round_trips_to_no_changes(tmp_path: Path, url: str) -> None:
    created = invoke(url, "update", "--file", write(tmp_path, BIND9_POOL, PDNS4_POOL))
    assert created.exit_code == 0, created.output
    assert "+ create pool 'default' (794ccc2c-d751-44fe-b57f-8894c9f5c842)" in created.output
    assert "+ create pool 'pdns' (cf2e8eab-76cd-4162-bf76-8aeee3556de0)" in created.output
    assert "note: catalog_zone accepted and checked, not stored" in created.output
    shown = invoke(url, "show")
    assert shown.exit_code == 0, shown.output
    document = yaml.safe_load(shown.stdout)
    assert [pool["name"] for pool in document] == ["default", "pdns"] or [
        pool["name"] for pool in document
    ] == ["pdns", "default"]
    (tmp_path / "shown.yaml").write_text(shown.stdout)
    again = invoke(url, "update", "--file", str(tmp_path / "shown.yaml"))
    assert again.exit_code == 0, again.output
    assert again.output.strip().endswith("no changes")
    assert "create" not in again.output and "update" not in again.output


def test_show_one_pool_and_the_table(tmp_path: Path, url: str) -> None:
    invoke(url, "update", "--file", write(tmp_path, BIND9_POOL, PDNS4_POOL))
    one = invoke(url, "show", "--pool", "pdns")
    (pool,) = yaml.safe_load(one.stdout)
    assert pool["id"] == PDNS4_POOL["id"] and pool["targets"][0]["type"] == "pdns4"
    assert list(pool) == [
        "id",
        "name",
        "description",
        "attributes",
        "ns_records",
        "nameservers",
        "targets",
        "also_notifies",
    ]
    table = invoke(url, "show", "--format", "table")
    assert table.exit_code == 0 and "pdns" in table.output
    missing = invoke(url, "show", "--pool", "nope")
    assert missing.exit_code == 1 and "no pool named 'nope'" in missing.output


def test_dry_run_prints_the_changes_and_writes_nothing(tmp_path: Path, url: str) -> None:
    invoke(url, "update", "--file", write(tmp_path, BIND9_POOL, name="first.yaml"))
    before = invoke(url, "show").stdout
    changed = {**BIND9_POOL, "description": "Changed"}
    dry = invoke(url, "update", "--file", write(tmp_path, changed, PDNS4_POOL), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith("dry run: nothing written\n")
    assert "~ update pool 'default' (794ccc2c-d751-44fe-b57f-8894c9f5c842)" in dry.output
    assert '    description: "Default Pool" -> "Changed"' in dry.output
    assert "+ create pool 'pdns'" in dry.output
    assert invoke(url, "show").stdout == before


def test_invalid_file_exits_1_naming_pool_target_and_key(tmp_path: Path, url: str) -> None:
    entry = copy.deepcopy(BIND9_POOL)
    entry["targets"][0]["options"]["rndc_prot"] = 953
    entry["nameservers"][0]["port"] = 0
    before = invoke(url, "show").stdout
    result = invoke(url, "update", "--file", write(tmp_path, entry))
    assert result.exit_code == 1
    assert "pool 'default': targets.0.options.rndc_prot: (bind9) extra inputs" in result.output
    assert "pool 'default': nameservers.0.port: 0 is not in 1..65535" in result.output
    assert invoke(url, "show").stdout == before


def test_unreadable_yaml_exits_1(tmp_path: Path, url: str) -> None:
    (tmp_path / "broken.yaml").write_text("- {name: a\n")
    result = invoke(url, "update", "--file", str(tmp_path / "broken.yaml"))
    assert result.exit_code == 1 and "cannot read" in result.output


def test_delete_refuses_a_pool_with_zones(tmp_path: Path, url: str) -> None:
    invoke(url, "update", "--file", write(tmp_path, BIND9_POOL, PDNS4_POOL))

    async def move_zone(env: ServiceEnv) -> Zone:
        zone = await make_zone(member(), env)
        async with env.db.transaction() as conn:
            await zone_rows.update_zone(conn, zone.id, {"pool_id": PDNS4_POOL["id"]})
        return zone

    on_db(url, tmp_path, move_zone)
    result = invoke(url, "update", "--file", write(tmp_path, BIND9_POOL), "--delete")
    assert result.exit_code == 1
    assert "pool 'pdns' (cf2e8eab-76cd-4162-bf76-8aeee3556de0) still holds 1 zone" in result.output
    assert "pdns" in invoke(url, "show").stdout


def test_ns_records_change_is_reported_with_its_zones(tmp_path: Path, url: str) -> None:
    invoke(url, "update", "--file", write(tmp_path, BIND9_POOL))
    zone = on_db(url, tmp_path, lambda env: make_zone(member(), env))
    changed = copy.deepcopy(BIND9_POOL)
    changed["ns_records"] = [{"hostname": "ns9.example.org.", "priority": 1}]
    result = invoke(url, "update", "--file", write(tmp_path, changed))
    assert result.exit_code == 0, result.output
    assert "zones given the new apex NS and SOA MNAME: 1" in result.output
    after = on_db(url, tmp_path, lambda env: zones.nameservers(member(), env, zone.id))
    assert after == [("ns9.example.org.", 1)]


def test_dry_run_counts_the_zones_it_would_rewrite_and_repush(tmp_path: Path, url: str) -> None:
    invoke(url, "update", "--file", write(tmp_path, BIND9_POOL))

    async def two_zones(env: ServiceEnv) -> list[Zone]:
        return [await make_zone(member(), env, name) for name in ("a.example.", "b.example.")]

    made = on_db(url, tmp_path, two_zones)

    async def state(env: ServiceEnv) -> list[tuple[Any, ...]]:
        found = [await zones.get(member(), env, zone.id) for zone in made]
        served = [await zones.nameservers(member(), env, zone.id) for zone in made]
        return [(z.serial, z.action, ns) for z, ns in zip(found, served, strict=True)]

    before = on_db(url, tmp_path, state)
    changed = copy.deepcopy(BIND9_POOL)
    changed["ns_records"] = [{"hostname": "ns9.example.org.", "priority": 1}]
    changed["nameservers"][0]["port"] += 1
    dry = invoke(url, "update", "--file", write(tmp_path, changed), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "zones given the new apex NS and SOA MNAME: 2" in dry.output
    assert "zones pushed again to its targets and nameservers: 2" in dry.output
    assert on_db(url, tmp_path, state) == before
    assert ("ns9.example.org.", 1) not in before[0][2]
