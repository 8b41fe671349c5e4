"""End to end: the zone lifecycle through the `openstack` CLI, with password auth against a
real Keystone: export → import as another zone → identical AXFR from the mini-DNS; a transfer
between two projects; share and unshare; and a pool move (python-designateclient's
`openstack zone move`). One Keystone (the session's), one serve for the module; each step is
one `openstack` call, and the waiting in between is done over HTTP with a token (cheaper)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.auth.conftest import PASSWORD_SUFFIX, Cloud
from tests.auth.test_openstack_cli import OPENSTACK, openstack
from tests.e2e.serve import Serve
from tests.e2e.test_lifecycle import axfr, wait_for
from tests.fixtures_servers import free_port
from zonekeeper.service.env import utcnow
from zonekeeper.storage import migrate
from zonekeeper.storage import pools as pool_rows
from zonekeeper.storage.database import Database

SECOND_POOL = "5d3b9f0e-0c1f-4a7e-9b52-6a2f7d1e8c43"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, cloud: Cloud) -> Iterator[Serve]:
    """`serve` behind Keystone, with a second pool served by the mini-DNS itself (so a move
    to it can finish without another DNS server)."""
    data = tmp_path_factory.mktemp("lifecycle") / "data"
    data.mkdir()
    dns_port = free_port()
    # Written in-process: one process start less than `zonekeeper pool update` (seconds here).
    asyncio.run(add_second_pool(f"sqlite+aiosqlite:///{data / 'zonekeeper.sqlite'}", dns_port))
    env = {
        "ZONEKEEPER_API": json.dumps({"auth": {"strategy": "keystone"}}),
        "ZONEKEEPER_KEYSTONE_AUTHTOKEN": json.dumps(cloud.authtoken()),
    }
    server = Serve(data, "--dns-listen", f"127.0.0.1:{dns_port}", env=env)
    try:
        with cloud.keystone.admin() as admin:
            admin.service("dns", "designate", f"{server.base_url}/")
        yield server
    finally:
        server.terminate()


async def add_second_pool(url: str, dns_port: int) -> None:
    await migrate.upgrade(url)
    second = pool_rows.Pool(
        id=SECOND_POOL,
        name="second",
        ns_records=({"hostname": "ns2.example.net.", "priority": 1},),
        nameservers=({"host": "127.0.0.1", "port": dns_port},),
        targets=({"type": "embedded", "masters": [], "options": {}},),
        also_notifies=(),
    )
    db = Database(url)
    try:
        async with db.transaction() as conn:
            await pool_rows.insert_pool(conn, second, utcnow())
    finally:
        await db.close()


Api = Callable[..., httpx.Response]


def api(served: Serve, cloud: Cloud, user: str, project: str) -> Api:
    """An HTTP call to the API with ``user``'s token for ``project``."""
    token = cloud.token(user, project)

    def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"X-Auth-Token": token, **kwargs.pop("headers", {})}
        return httpx.request(method, served.base_url + path, headers=headers, timeout=30, **kwargs)

    return call


def run(cloud: Cloud, user: str, project: str, *args: str) -> None:
    """An `openstack` command that prints nothing (no ``-f json``): it must succeed."""
    environment = openstack_env(cloud, user, project)
    done = subprocess.run(
        [OPENSTACK, *args], capture_output=True, text=True, env=environment, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def openstack_env(cloud: Cloud, user: str, project: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    password = user + PASSWORD_SUFFIX if user != "admin" else cloud.keystone.admin_password
    return env | {
        "OS_AUTH_URL": cloud.keystone.auth_url,
        "OS_IDENTITY_API_VERSION": "3",
        "OS_USERNAME": user,
        "OS_PASSWORD": password,
        "OS_PROJECT_NAME": project,
        "OS_USER_DOMAIN_ID": "default",
        "OS_PROJECT_DOMAIN_ID": "default",
        "OS_REGION_NAME": "RegionOne",
        "OS_INTERFACE": "public",
    }


def active(call: Api, zone_id: str) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        zone: dict[str, Any] = call("GET", f"/v2/zones/{zone_id}").json()
        return zone if zone["status"] == "ACTIVE" else None

    found: dict[str, Any] = wait_for(ready)
    return found


def make_zone(alice: Api, name: str) -> dict[str, Any]:
    zone: dict[str, Any] = alice(
        "POST", "/v2/zones", json={"name": name, "email": f"h@{name.rstrip('.')}"}
    ).json()
    for owner, rtype, records in (
        (f"www.{name}", "A", ["192.0.2.1", "192.0.2.2"]),
        (name, "MX", [f"10 mail.{name}"]),
        (f"txt.{name}", "TXT", ['"hello world"']),
    ):
        body = {"name": owner, "type": rtype, "records": records}
        assert alice("POST", f"/v2/zones/{zone['id']}/recordsets", json=body).is_success
    return active(alice, zone["id"])


def test_export_then_import_as_another_zone_transfers_identically(
    served: Serve, cloud: Cloud, tmp_path: Path
) -> None:
    alice = api(served, cloud, "alice", "dns-a")
    zone = make_zone(alice, "export.example.")
    export = openstack(cloud, "alice", "dns-a", "zone", "export", "create", zone["id"])
    wait_for(
        lambda: (
            alice("GET", f"/v2/zones/tasks/exports/{export['id']}").json()["status"] == "COMPLETE"
        )
    )
    shown = openstack(cloud, "alice", "dns-a", "zone", "export", "showfile", export["id"])
    zone_file = tmp_path / "copy.zone"
    zone_file.write_text(shown["data"].replace("export.example.", "copy.example."))
    imported = openstack(cloud, "alice", "dns-a", "zone", "import", "create", str(zone_file))

    def complete() -> dict[str, Any] | None:
        task: dict[str, Any] = alice("GET", f"/v2/zones/tasks/imports/{imported['id']}").json()
        assert task["status"] != "ERROR", task
        return task if task["status"] == "COMPLETE" else None

    copy_id = wait_for(complete)["zone_id"]
    active(alice, copy_id)
    original = axfr(served, "export.example.")
    assert len(original) >= 6  # SOA, NS, two A, MX, TXT
    assert axfr(served, "copy.example.") == original


def test_transfer_between_projects(served: Serve, cloud: Cloud) -> None:
    alice, bob = api(served, cloud, "alice", "dns-a"), api(served, cloud, "bob", "dns-b")
    zone = make_zone(alice, "given.example.")
    target = cloud.projects["dns-b"]
    request = openstack(
        cloud, "alice", "dns-a", "zone", "transfer", "request", "create", zone["id"],
        "--target-project-id", target,
    )  # fmt: skip
    assert request["key"] and request["target_project_id"] == target
    accepted = openstack(
        cloud, "bob", "dns-b", "zone", "transfer", "accept", "request",
        "--transfer-id", request["id"], "--key", request["key"],
    )  # fmt: skip
    assert accepted["status"] == "COMPLETE"
    assert bob("GET", f"/v2/zones/{zone['id']}").json()["project_id"] == target
    assert alice("GET", f"/v2/zones/{zone['id']}").status_code == 404


def test_share_and_unshare(served: Serve, cloud: Cloud) -> None:
    alice, bob = api(served, cloud, "alice", "dns-a"), api(served, cloud, "bob", "dns-b")
    zone = make_zone(alice, "shared.example.")
    target = cloud.projects["dns-b"]
    share = openstack(cloud, "alice", "dns-a", "zone", "share", "create", zone["id"], target)
    assert share["target_project_id"] == target
    by_name = {"name": "shared.example."}  # (the module's other tests give bob a zone)
    listed = bob("GET", "/v2/zones", params=by_name).json()["zones"]
    assert [(z["id"], z["shared"]) for z in listed] == [(zone["id"], True)]
    run(cloud, "alice", "dns-a", "zone", "share", "delete", zone["id"], share["id"])
    assert bob("GET", "/v2/zones", params=by_name).json()["zones"] == []
    assert bob("GET", f"/v2/zones/{zone['id']}").status_code == 404


def test_pool_move(served: Serve, cloud: Cloud) -> None:
    alice = api(served, cloud, "alice", "dns-a")
    zone = make_zone(alice, "moved.example.")
    run(
        cloud, "admin", "admin", "zone", "move", zone["id"], "--pool-id", SECOND_POOL,
        "--all-projects",
    )  # fmt: skip
    moved = active(alice, zone["id"])
    assert moved["pool_id"] == SECOND_POOL
    sync = alice("GET", f"/v2/zones/{zone['id']}/sync").json()
    assert sync["moving_from_pool_id"] is None
    ns = alice("GET", f"/v2/zones/{zone['id']}/nameservers").json()["nameservers"]
    assert [n["hostname"] for n in ns] == ["ns2.example.net."]
    apex = alice("GET", f"/v2/zones/{zone['id']}/recordsets", params={"type": "NS"}).json()
    assert apex["recordsets"][0]["records"] == ["ns2.example.net."]
