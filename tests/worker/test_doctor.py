"""`doctor` names the broken link: checked against the real mini-DNS and the CLI."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from zonekeeper.config import Settings
from zonekeeper.dns.server import MiniDns
from zonekeeper.domain import transfers
from zonekeeper.service import context, pools, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import migrate
from zonekeeper.storage.database import Database
from zonekeeper.worker import doctor, transfer_checks
from zonekeeper.worker.reconciler import Worker

ADMIN = context.internal("p1")


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[ServiceEnv]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'zk.sqlite'}"
    await migrate.upgrade(url)
    settings = Settings(database_url=url, data_dir=tmp_path)
    settings.worker.poll_timeout = 0.2
    db = Database(url)
    yield ServiceEnv(db=db, settings=settings)
    await db.close()


@pytest.fixture
async def mini_dns(env: ServiceEnv) -> AsyncIterator[tuple[str, int]]:
    server = MiniDns(env.db, env.settings.dns.model_copy(update={"listen": "127.0.0.1:0"}))
    address = await server.start()
    yield address
    await server.stop()


async def test_a_healthy_zone_passes_every_check(
    env: ServiceEnv, mini_dns: tuple[str, int]
) -> None:
    await pools.ensure_default_pool(env, [mini_dns])
    zone = await zones.create(ADMIN, env, {"name": "ok.example.", "email": "a@ok.example"})
    worker = Worker(env)
    await worker.reconcile(await zones.get(ADMIN, env, zone.id))
    findings = await doctor.diagnose(env, "ok.example")
    assert all(f.ok for f in findings), findings
    assert [f.where.split()[0] for f in findings] == [
        "database",
        "mini-DNS",
        "mini-DNS",
        "target",
        "nameserver",
    ]


async def test_a_stopped_nameserver_is_named(env: ServiceEnv, mini_dns: tuple[str, int]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        await pools.ensure_default_pool(env, [mini_dns, ("127.0.0.1", port)])
        await zones.create(ADMIN, env, {"name": "down.example.", "email": "a@down.example"})
        findings = await doctor.diagnose(env, "down.example.")
    broken = [f for f in findings if not f.ok]
    assert [(f.where, f.what) for f in broken] == [
        (f"nameserver 127.0.0.1:{port}", "does not answer: is the server running on this port?")
    ]


async def test_unknown_zone(env: ServiceEnv) -> None:
    findings = await doctor.diagnose(env, "nowhere.example.")
    assert [(f.ok, f.what) for f in findings] == [(False, "no zone named nowhere.example.")]


def test_cli_exit_code(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'zk.sqlite'}"
    asyncio.run(migrate.upgrade(url))
    command = [str(Path(sys.executable).with_name("zonekeeper")), "doctor", "missing.example."]
    result = subprocess.run(
        [*command, "--database-url", url], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "no zone named missing.example." in result.stdout


KEYED_TARGET = {
    "type": "bind9",
    "options": {"host": "192.0.2.2", "tsigkey_name": "k1", "tsigkey_secret": "AAECAwQ="},
}


@pytest.mark.parametrize(
    ("targets", "host", "ok", "what"),
    [
        (
            [KEYED_TARGET],
            "192.0.2.2",
            True,
            "may transfer from the mini-DNS (signed with TSIG key k1)",
        ),
        ([], "192.0.2.1", True, "may transfer from the mini-DNS (unsigned, from its address)"),
        (
            [],
            "192.0.2.9",
            False,
            "the mini-DNS refuses its transfers: 192.0.2.9 is neither a nameserver or target of "
            "pool p nor in dns.allow_transfer (add its address to dns.allow_transfer, or give the "
            "pool a TSIG key)",
        ),
        (
            [KEYED_TARGET, {"type": "bind9", "options": {"host": "192.0.2.3"}}],
            "192.0.2.3",
            False,
            "the mini-DNS refuses its transfers: unsigned, and pool p transfers only with its TSIG "
            "keys (give its target tsigkey_name and tsigkey_secret)",
        ),
    ],
)
def test_the_transfer_access_finding(
    targets: list[dict[str, Any]], host: str, ok: bool, what: str
) -> None:
    policy = transfers.TransferPolicy.of("p", [{"host": "192.0.2.1", "port": 53}], targets, [])
    key = transfers.key_for(targets, host, 53)
    assert transfer_checks.transfer_access(policy, host, key) == transfer_checks.Check(ok, what)
