"""``zonekeeper audit --managed`` through Typer's CliRunner, on SQLite and PostgreSQL, with the
Nova and Neutron doubles: what it prints, what it removes, and its exit codes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from tests.floatingips.neutron_double import NeutronState
from tests.managed_audit.conftest import PROJECT, TENANT, Sink
from tests.managed_audit.nova_double import NovaState
from tests.sink.conftest import open_env
from zonekeeper.cli.main import app
from zonekeeper.config import Settings
from zonekeeper.service import context, managed, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage.database import Database

runner = CliRunner()
SYSTEM = context.internal()


def boot(url: str, tmp_path: Path, servers: list[dict[str, Any]]) -> None:
    """The sink's records of ``servers``, one address each, in a new zone of an emptied
    database."""

    async def run() -> None:
        env = await open_env(url, Settings(data_dir=tmp_path))
        try:
            zone = await zones.create(
                TENANT, env, {"name": "cloud.example.", "email": "a@example.org"}
            )
            sink = Sink(env, zone)
            for i, server in enumerate(servers):
                await sink.boot(server, f"192.0.2.{i + 1}")
        finally:
            await env.db.close()

    asyncio.run(run())


def records_of(url: str, tmp_path: Path, server_id: str) -> list[managed.Placed]:
    async def run() -> list[managed.Placed]:
        env = ServiceEnv(db=Database(url), settings=Settings(data_dir=tmp_path))
        try:
            return await managed.owned_records(SYSTEM, env, "instance", server_id)
        finally:
            await env.db.close()

    return asyncio.run(run())


def audit(tmp_path: Path, url: str, apis: dict[str, Any], *flags: str) -> Any:
    config = tmp_path / "zonekeeper.yaml"
    config.write_text(yaml.safe_dump({"database_url": url, "data_dir": str(tmp_path), **apis}))
    return runner.invoke(app, ["audit", "--managed", "--config", str(config), *flags])


def test_stale_records_are_printed_then_removed_with_repair(
    database_url: str, tmp_path: Path, apis: dict[str, Any], nova: NovaState
) -> None:
    web, db = nova.add(PROJECT, "web"), nova.add(PROJECT, "db")
    boot(database_url, tmp_path, [web, db])
    del nova.servers[web["id"]]

    reported = audit(tmp_path, database_url, apis)
    assert reported.exit_code == 1, reported.output
    assert reported.output.splitlines() == [
        f"stale instance {web['id']} is gone: web.cloud.example. A 192.0.2.1 (nova_fixed)",
        "checked: 2 instance records, 1 stale",
    ]
    assert records_of(database_url, tmp_path, web["id"]) != []

    repaired = audit(tmp_path, database_url, apis, "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert repaired.output.splitlines()[-1] == "removed 1 records of 1 stale resources"
    assert records_of(database_url, tmp_path, web["id"]) == []
    assert records_of(database_url, tmp_path, db["id"]) != []
    assert audit(tmp_path, database_url, apis).exit_code == 0


def test_mass_removal_is_refused_without_force(
    database_url: str, tmp_path: Path, apis: dict[str, Any], nova: NovaState
) -> None:
    servers = [nova.add(PROJECT, f"vm{i}") for i in range(3)]
    boot(database_url, tmp_path, servers)
    nova.servers.clear()

    refused = audit(tmp_path, database_url, apis, "--repair")
    assert refused.exit_code == 2, refused.output
    assert refused.output.splitlines()[-1] == (
        "refused: 3 of 3 instance records (100 %) are stale, over the threshold of 10 %; "
        "rerun with --force to remove them"
    )
    assert records_of(database_url, tmp_path, servers[0]["id"]) != []
    within = audit(tmp_path, database_url, apis, "--repair", "--threshold", "100")
    assert within.exit_code == 0, within.output
    assert records_of(database_url, tmp_path, servers[0]["id"]) == []


def test_forced_removal(
    database_url: str, tmp_path: Path, apis: dict[str, Any], nova: NovaState
) -> None:
    servers = [nova.add(PROJECT, f"vm{i}") for i in range(2)]
    boot(database_url, tmp_path, servers)
    nova.servers.clear()
    forced = audit(tmp_path, database_url, apis, "--repair", "--force")
    assert forced.exit_code == 0, forced.output
    assert "removed 2 records of 2 stale resources" in forced.output


def test_an_unreachable_service_is_an_error_and_removes_nothing(
    database_url: str, tmp_path: Path, apis: dict[str, Any], nova: NovaState
) -> None:
    server = nova.add(PROJECT, "web")
    boot(database_url, tmp_path, [server])
    nova.fail_with = 500
    result = audit(tmp_path, database_url, apis, "--repair", "--force")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        "unreachable instance: Failed to communicate with Nova in region RegionOne: "
        "answered 500; nothing of it judged"
    ]
    assert records_of(database_url, tmp_path, server["id"]) != []


def test_without_apis_nothing_is_checked(
    database_url: str, tmp_path: Path, nova: NovaState, neutron: NeutronState
) -> None:
    server = nova.add(PROJECT, "web")
    boot(database_url, tmp_path, [server])
    nova.servers.clear()
    result = audit(tmp_path, database_url, {}, "--repair", "--force")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "not checked: 1 instance records (compute_api has no endpoints)"
    ]
    assert records_of(database_url, tmp_path, server["id"]) != []
    assert nova.seen == []
