"""The cross-project matrix, over every operation of the OpenAPI document the app serves: a
member of project A owns one resource of each kind; a member and a reader of project B are
refused every operation on them (404, or 403 where Designate answers 403), see nothing of A's
in any list, and A's resources are unchanged afterwards. B's reader is refused every write in
its own project (403); a member is refused the admin headers; admin-only resources refuse
members. Built-in tokens (``strategy = token``); one module, one app.

A new operation in the document without an entry in EXPECTED fails
``test_every_operation_has_an_entry``: deciding its row is part of adding it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
import pytest
import pytest_asyncio

from tests.api.conftest import BASE_URL, build_env
from tests.floatingips.neutron_double import NeutronDouble
from zonekeeper.api.app import create_app
from zonekeeper.integrations import neutron
from zonekeeper.service import tokens
from zonekeeper.service.env import ServiceEnv

pytestmark = pytest.mark.asyncio(loop_scope="module")

REGION: Final = "RegionOne"
A, B, C = "project-a", "project-b", "project-c"
"""A owns the resources; B is the stranger; C receives A's shares and transfer requests."""

ZONE_FILE: Final = """$ORIGIN {name}
$TTL 3600
@ IN SOA ns1.{name} hostmaster.{name} 1 3600 600 86400 3600
@ IN NS ns1.{name}
ns1 IN A 192.0.2.1
"""

Op = tuple[str, str]
"""(method, path template), as in the document."""

NF, FB, OK = 404, 403, 200
EXPECTED: Final[dict[Op, tuple[int, int, int]]] = {
    # (B's member on A's ids, B's reader on A's ids, B's reader on B's own ids).
    # OK: a read B may make (of its own or global data; the body is then checked to hold
    # nothing of A's). Designate looks a project's resource up before checking the rule, so
    # another project's is a 404; admin-only rules are checked first (403).
    ("GET", "/"): (OK, OK, OK),
    ("GET", "/v2/zones"): (OK, OK, OK),
    ("POST", "/v2/zones"): (202, FB, FB),
    ("GET", "/v2/zones/{zone_id}"): (NF, NF, OK),
    ("PATCH", "/v2/zones/{zone_id}"): (NF, NF, FB),
    ("DELETE", "/v2/zones/{zone_id}"): (NF, NF, FB),
    ("POST", "/v2/zones/{zone_id}/tasks/abandon"): (NF, NF, FB),
    ("POST", "/v2/zones/{zone_id}/tasks/pool_move"): (NF, NF, FB),
    ("POST", "/v2/zones/{zone_id}/tasks/xfr"): (NF, NF, FB),
    ("GET", "/v2/zones/{zone_id}/nameservers"): (NF, NF, OK),
    ("GET", "/v2/zones/{zone_id}/sync"): (NF, NF, OK),
    ("GET", "/v2/zones/{zone_id}/recordsets"): (NF, NF, OK),
    ("POST", "/v2/zones/{zone_id}/recordsets"): (NF, NF, FB),
    ("GET", "/v2/recordsets"): (OK, OK, OK),
    ("GET", "/v2/zones/{zone_id}/recordsets/{recordset_id}"): (NF, NF, OK),
    ("PUT", "/v2/zones/{zone_id}/recordsets/{recordset_id}"): (NF, NF, FB),
    ("DELETE", "/v2/zones/{zone_id}/recordsets/{recordset_id}"): (NF, NF, FB),
    ("GET", "/v2/recordsets/{recordset_id}"): (NF, NF, 301),
    ("POST", "/v2/zones/{zone_id}/tasks/export"): (NF, NF, FB),
    ("GET", "/v2/zones/tasks/exports"): (OK, OK, OK),
    ("GET", "/v2/zones/tasks/exports/{export_id}"): (NF, NF, OK),
    # Designate checks delete_zone_export/import on the caller's own project first.
    ("DELETE", "/v2/zones/tasks/exports/{export_id}"): (NF, FB, FB),
    ("GET", "/v2/zones/tasks/exports/{export_id}/export"): (NF, NF, FB),
    ("POST", "/v2/zones/tasks/imports"): (202, FB, FB),
    ("GET", "/v2/zones/tasks/imports"): (OK, OK, OK),
    ("GET", "/v2/zones/tasks/imports/{import_id}"): (NF, NF, OK),
    ("DELETE", "/v2/zones/tasks/imports/{import_id}"): (NF, FB, FB),
    ("POST", "/v2/zones/{zone_id}/tasks/transfer_requests"): (NF, NF, FB),
    ("GET", "/v2/zones/tasks/transfer_requests"): (OK, OK, OK),
    # Designate reads a transfer request in every project, then checks the rule (403);
    # a delete looks it up among the caller's and those meant for it (404).
    ("GET", "/v2/zones/tasks/transfer_requests/{request_id}"): (FB, FB, FB),
    ("PATCH", "/v2/zones/tasks/transfer_requests/{request_id}"): (FB, FB, FB),
    ("DELETE", "/v2/zones/tasks/transfer_requests/{request_id}"): (NF, NF, FB),
    # The target project's reader may accept (Designate's rule: any role of the target).
    ("POST", "/v2/zones/tasks/transfer_accepts"): (FB, FB, 201),
    ("GET", "/v2/zones/tasks/transfer_accepts"): (FB, FB, FB),
    ("GET", "/v2/zones/tasks/transfer_accepts/{accept_id}"): (NF, NF, OK),
    ("POST", "/v2/zones/{zone_id}/shares"): (NF, NF, FB),
    ("GET", "/v2/zones/{zone_id}/shares"): (NF, NF, OK),
    ("GET", "/v2/zones/{zone_id}/shares/{share_id}"): (NF, NF, FB),
    ("DELETE", "/v2/zones/{zone_id}/shares/{share_id}"): (NF, NF, FB),
    ("GET", "/v2/reverse/floatingips"): (OK, OK, OK),
    ("GET", "/v2/reverse/floatingips/{key}"): (NF, NF, OK),
    # set_floatingip is Zonekeeper's own rule, checked before Neutron is asked.
    ("PATCH", "/v2/reverse/floatingips/{key}"): (NF, FB, FB),
    ("GET", "/v2/pools"): (FB, FB, FB),
    ("POST", "/v2/pools"): (FB, FB, FB),
    ("GET", "/v2/pools/{pool_id}"): (FB, FB, FB),
    ("PATCH", "/v2/pools/{pool_id}"): (FB, FB, FB),
    ("DELETE", "/v2/pools/{pool_id}"): (FB, FB, FB),
    ("GET", "/v2/tlds"): (FB, FB, FB),
    ("POST", "/v2/tlds"): (FB, FB, FB),
    ("GET", "/v2/tlds/{tld_id}"): (FB, FB, FB),
    ("PATCH", "/v2/tlds/{tld_id}"): (FB, FB, FB),
    ("DELETE", "/v2/tlds/{tld_id}"): (FB, FB, FB),
    ("GET", "/v2/blacklists"): (FB, FB, FB),
    ("POST", "/v2/blacklists"): (FB, FB, FB),
    ("GET", "/v2/blacklists/{blacklist_id}"): (FB, FB, FB),
    ("PATCH", "/v2/blacklists/{blacklist_id}"): (FB, FB, FB),
    ("DELETE", "/v2/blacklists/{blacklist_id}"): (FB, FB, FB),
    ("GET", "/v2/tsigkeys"): (FB, FB, FB),
    ("POST", "/v2/tsigkeys"): (FB, FB, FB),
    ("GET", "/v2/tsigkeys/{tsigkey_id}"): (FB, FB, FB),
    ("PATCH", "/v2/tsigkeys/{tsigkey_id}"): (FB, FB, FB),
    ("DELETE", "/v2/tsigkeys/{tsigkey_id}"): (FB, FB, FB),
    ("GET", "/v2/quotas"): (OK, OK, OK),
    ("GET", "/v2/quotas/{project_id}"): (FB, FB, OK),
    ("PATCH", "/v2/quotas/{project_id}"): (FB, FB, FB),
    ("DELETE", "/v2/quotas/{project_id}"): (FB, FB, FB),
    ("GET", "/admin/quotas/{project_id}"): (FB, FB, OK),
    ("PATCH", "/admin/quotas/{project_id}"): (FB, FB, FB),
    ("DELETE", "/admin/quotas/{project_id}"): (FB, FB, FB),
    ("GET", "/v2/limits"): (OK, OK, OK),
    ("GET", "/v2/service_statuses"): (FB, FB, FB),
    ("GET", "/v2/service_statuses/{service_id}"): (FB, FB, FB),
}


@dataclass
class Project:
    """One project's callers and the ids of what its member made (path parameter -> id)."""

    name: str
    member: dict[str, str]
    reader: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    http: httpx.AsyncClient
    admin: dict[str, str]
    a: Project
    b: Project
    c: Project
    document: dict[str, Any]


@pytest.fixture(scope="module")
def neutron_server() -> Iterator[NeutronDouble]:
    with NeutronDouble() as double:
        yield double


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(
    tmp_path_factory: pytest.TempPathFactory, neutron_server: NeutronDouble
) -> AsyncIterator[World]:
    path = tmp_path_factory.mktemp("matrix") / "api.sqlite"
    network_api = {"endpoints": [f"{REGION}|{neutron_server.url}"], "timeout": 5.0}
    base = await build_env(path, api={"auth": {"strategy": "token"}}, network_api=network_api)
    env = dataclasses.replace(base, floating_ips=neutron.NeutronClient(base.settings.network_api))
    transport = httpx.ASGITransport(app=create_app(env))
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            admin = await _caller(env, neutron_server, "admin-project", "admin", "member", "reader")
            projects = [
                Project(
                    name,
                    await _caller(env, neutron_server, name, "member", "reader"),
                    await _caller(env, neutron_server, name, "reader"),
                )
                for name in (A, B, C)
            ]
            built = World(
                http, admin, *projects, (await http.get("/openapi.json", headers=admin)).json()
            )
            await _populate(built, neutron_server)
            yield built
    finally:
        await env.db.close()


async def _caller(
    env: ServiceEnv, neutron_server: NeutronDouble, project: str, *roles: str
) -> dict[str, str]:
    """The headers of a new built-in token of ``project`` with ``roles``, known to Neutron."""
    _, secret = await tokens.create(env, project, roles)
    neutron_server.state.tokens[secret] = (project, "admin" in roles)
    return {"X-Auth-Token": secret}


async def _call(
    http: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], body: Any = None
) -> httpx.Response:
    if isinstance(body, str):
        headers = {**headers, "Content-Type": "text/dns"}
        return await http.request(method, url, content=body.encode(), headers=headers)
    return await http.request(method, url, json=body, headers=headers)


async def _made(
    http: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], body: Any = None
) -> dict[str, Any]:
    response = await _call(http, method, url, headers, body)
    assert response.status_code in (201, 202), response.text
    made: dict[str, Any] = response.json()
    return made


async def _populate(world: World, neutron_server: NeutronDouble) -> None:
    """The admin makes the global resources; A's and B's members each make one resource of
    every kind; C offers B two zones, and B's member accepts one of them."""
    globals_ = await _global_ids(world)
    for project in (world.a, world.b):
        project.ids |= globals_ | {"project_id": project.name}
        await _populate_project(world.http, project, world.c)
        fip = neutron_server.state.add(project.name, f"192.0.2.{len(project.ids)}")
        key = f"{REGION}:{fip['id']}"
        await _made(world.http, "PATCH", f"/v2/reverse/floatingips/{key}", project.member,
                    {"ptrdname": f"host.{project.name}.example."})  # fmt: skip
        project.ids["key"] = key
    for project in (world.a, world.b):
        offered = await _offer(world, f"offered.{project.name}.c.example.", project.name)
        accept = await _made(world.http, "POST", "/v2/zones/tasks/transfer_accepts",
                             project.member, offered)  # fmt: skip
        project.ids["accept_id"] = accept["id"]
    offered = await _offer(world, "offered-again.c.example.", B)
    world.b.ids |= {"accept_key": offered["key"]}
    world.b.ids |= {"accept_request": offered["zone_transfer_request_id"]}
    for project in (world.a, world.b):
        for task in ("exports/" + project.ids["export_id"], "imports/" + project.ids["import_id"]):
            await _until_complete(world.http, f"/v2/zones/tasks/{task}", project.member)


async def _offer(world: World, name: str, to: str) -> dict[str, str]:
    """A zone of C offered to project ``to``: the body that accepts it."""
    zone = await _made(world.http, "POST", "/v2/zones", world.c.member, _zone(name))
    request = await _made(
        world.http, "POST", f"/v2/zones/{zone['id']}/tasks/transfer_requests", world.c.member,
        {"target_project_id": to},
    )  # fmt: skip
    return {"key": request["key"], "zone_transfer_request_id": request["id"]}


async def _until_complete(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
    """Waits (generously) for a zone task of the background to be COMPLETE."""
    deadline = asyncio.get_running_loop().time() + 60
    while (status := (await http.get(url, headers=headers)).json()["status"]) != "COMPLETE":
        assert status == "PENDING", status
        assert asyncio.get_running_loop().time() < deadline, f"{url} still PENDING"
        await asyncio.sleep(0.05)


async def _populate_project(http: httpx.AsyncClient, project: Project, other: Project) -> None:
    name = f"{project.name}.example."
    member = project.member
    zone = await _made(http, "POST", "/v2/zones", member, _zone(name))
    zone_id = zone["id"]
    www = {"name": f"www.{name}", "type": "A", "records": ["192.0.2.7"]}
    recordset = await _made(http, "POST", f"/v2/zones/{zone_id}/recordsets", member, www)
    export = await _made(http, "POST", f"/v2/zones/{zone_id}/tasks/export", member)
    imported = await _made(http, "POST", "/v2/zones/tasks/imports", member,
                           ZONE_FILE.format(name=f"imported.{name}"))  # fmt: skip
    request = await _made(http, "POST", f"/v2/zones/{zone_id}/tasks/transfer_requests", member,
                          {"target_project_id": other.name})  # fmt: skip
    share = await _made(http, "POST", f"/v2/zones/{zone_id}/shares", member,
                        {"target_project_id": other.name})  # fmt: skip
    project.ids |= {
        "zone_id": zone_id,
        "recordset_id": recordset["id"],
        "export_id": export["id"],
        "import_id": imported["id"],
        "request_id": request["id"],
        "share_id": share["id"],
    }


async def _global_ids(world: World) -> dict[str, str]:
    """The admin's resources: TLDs (every zone here is under one), a blacklist, a key."""
    http, admin = world.http, world.admin
    pools = (await http.get("/v2/pools", headers=admin)).json()["pools"]
    tld = await _made(http, "POST", "/v2/tlds", admin, {"name": "example"})
    await _made(http, "POST", "/v2/tlds", admin, {"name": "arpa"})  # for the PTRs' zones
    blacklist = await _made(http, "POST", "/v2/blacklists", admin, {"pattern": "^blocked\\."})
    tsigkey = await _made(http, "POST", "/v2/tsigkeys", admin, {
        "name": "matrix-key", "algorithm": "hmac-sha256", "secret": "c2VjcmV0",
        "scope": "POOL", "resource_id": pools[0]["id"],
    })  # fmt: skip
    return {
        "pool_id": pools[0]["id"],
        "tld_id": tld["id"],
        "blacklist_id": blacklist["id"],
        "tsigkey_id": tsigkey["id"],
        "service_id": str(uuid.uuid4()),
    }


def _zone(name: str) -> dict[str, str]:
    return {"name": name, "email": f"hostmaster@{name.rstrip('.')}"}


def _operations(document: dict[str, Any]) -> list[Op]:
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _body(op: Op, project: Project, stranger: str) -> Any:
    """A body Designate accepts for ``op``: a refusal is then about who asks, not the body."""
    method, path = op
    bodies: dict[Op, Any] = {
        ("POST", "/v2/zones"): _zone(f"new-{stranger}.example."),
        ("PATCH", "/v2/zones/{zone_id}"): {"description": "changed"},
        ("POST", "/v2/zones/{zone_id}/recordsets"): {
            "name": f"new.{project.name}.example.",
            "type": "A",
            "records": ["192.0.2.8"],
        },
        ("PUT", "/v2/zones/{zone_id}/recordsets/{recordset_id}"): {"records": ["192.0.2.9"]},
        ("POST", "/v2/zones/tasks/imports"): ZONE_FILE.format(
            name=f"new-import-{stranger}.example."
        ),
        ("POST", "/v2/zones/{zone_id}/tasks/transfer_requests"): {"target_project_id": C},
        ("PATCH", "/v2/zones/tasks/transfer_requests/{request_id}"): {"description": "x"},
        ("POST", "/v2/zones/tasks/transfer_accepts"): {
            "key": project.ids.get("accept_key", "0" * 8),
            "zone_transfer_request_id": project.ids.get(
                "accept_request", project.ids["request_id"]
            ),
        },
        ("POST", "/v2/zones/{zone_id}/shares"): {"target_project_id": stranger},
        ("PATCH", "/v2/reverse/floatingips/{key}"): {"ptrdname": "changed.example."},
        ("POST", "/v2/pools"): {
            "name": "new-pool",
            "ns_records": [{"hostname": "ns1.new-pool.example.", "priority": 1}],
        },
        ("PATCH", "/v2/pools/{pool_id}"): {"description": "changed"},
        ("POST", "/v2/tlds"): {"name": "newtld"},
        ("PATCH", "/v2/tlds/{tld_id}"): {"description": "changed"},
        ("POST", "/v2/blacklists"): {"pattern": "^changed"},
        ("PATCH", "/v2/blacklists/{blacklist_id}"): {"description": "changed"},
        ("POST", "/v2/tsigkeys"): {
            "name": "new-key",
            "algorithm": "hmac-sha256",
            "secret": "c2VjcmV0",
            "scope": "POOL",
            "resource_id": project.ids["pool_id"],
        },
        ("PATCH", "/v2/tsigkeys/{tsigkey_id}"): {"name": "renamed-key"},
        ("PATCH", "/v2/quotas/{project_id}"): {"zones": 1},
        ("PATCH", "/admin/quotas/{project_id}"): {"quota": {"zones": 1}},
    }
    if op in bodies:
        return bodies[op]
    assert method in ("GET", "DELETE") or path.endswith(
        ("/export", "/abandon", "/pool_move", "/xfr")
    ), op
    return None


def _url(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda found: ids[found[1]], path)


async def test_every_operation_has_an_entry(world: World) -> None:
    operations = set(_operations(world.document))
    assert operations - EXPECTED.keys() == set(), "operations without a row in EXPECTED"
    assert EXPECTED.keys() - operations == set(), "rows of operations that no longer exist"


async def _outcomes(
    world: World, project: Project, callers: dict[str, dict[str, str]], column: int
) -> tuple[list[str], dict[str, str]]:
    """Every operation with ``project``'s ids, by each of ``callers``: the mismatches with
    EXPECTED's ``column`` (offset by caller) and the bodies of the reads they were allowed."""
    mismatches: list[str] = []
    bodies: dict[str, str] = {}
    for op in _operations(world.document):
        method, path = op
        url = _url(path, project.ids)
        for offset, (who, headers) in enumerate(callers.items()):
            wanted = EXPECTED[op][column + offset]
            body = _body(op, project, world.b.name)
            response = await _call(world.http, method, url, headers, body)
            if response.status_code != wanted:
                mismatches.append(f"{who} {method} {path}: {response.status_code}, not {wanted}")
            elif wanted in (403, 404):
                assert response.json()["code"] == wanted, response.text
            if response.status_code == 200:
                bodies[f"{who} {method} {path}"] = response.text
    return mismatches, bodies


async def _snapshot(world: World, project: Project) -> dict[str, Any]:
    """What ``project``'s member reads of its own resources."""
    seen: dict[str, Any] = {}
    for method, path in _operations(world.document):
        if method == "GET" and "{" in path:
            url = _url(path, project.ids)
            response = await world.http.get(url, headers=project.member)
            # A refusal's request_id differs each time: its status is what counts.
            seen[url] = response.text if response.status_code == 200 else response.status_code
    return seen


async def test_another_project_is_refused_everything_and_sees_nothing(world: World) -> None:
    before = await _snapshot(world, world.a)
    assert sum(isinstance(read, str) for read in before.values()) >= 14
    callers = {"B's member": world.b.member, "B's reader": world.b.reader}
    mismatches, bodies = await _outcomes(world, world.a, callers, 0)
    assert mismatches == []
    a_values = {
        value for key, value in world.a.ids.items()
        if key in {"zone_id", "recordset_id", "export_id", "import_id", "request_id",
                   "share_id", "accept_id", "key"}
    } | {"project-a.example."}  # fmt: skip
    leaks = [(what, value) for what, text in bodies.items() for value in a_values if value in text]
    assert leaks == []
    assert await _snapshot(world, world.a) == before


async def test_a_reader_writes_nothing_in_its_own_project(world: World) -> None:
    before = await _snapshot(world, world.b)
    mismatches, _ = await _outcomes(world, world.b, {"B's reader": world.b.reader}, 2)
    assert mismatches == []
    assert await _snapshot(world, world.b) == before


ADMIN_HEADERS: Final = {
    "X-Auth-All-Projects": "true",
    "X-Auth-Sudo-Project-ID": B,
    "X-Auth-Sudo-Tenant-ID": B,
    "X-Designate-Edit-Managed-Records": "true",
    "X-Designate-Hard-Delete": "true",
}


@pytest.mark.parametrize("header", sorted(ADMIN_HEADERS))
async def test_a_member_is_refused_the_admin_headers(world: World, header: str) -> None:
    """Designate checks each header's rule when it builds the context: any request that
    carries one is refused to a member (403), whatever it asks."""
    zone = f"/v2/zones/{world.a.ids['zone_id']}"
    asking = {**world.a.member, header: ADMIN_HEADERS[header]}
    for method, url in (("GET", "/v2/zones"), ("GET", zone), ("DELETE", zone)):
        response = await world.http.request(method, url, headers=asking)
        assert response.status_code == 403, (method, url, response.text)
        assert response.json()["type"] == "forbidden"
    shown = await world.http.get(zone, headers=world.a.member)
    assert shown.json()["action"] != "DELETE"
    as_admin = await world.http.get(
        "/v2/zones", headers={**world.admin, header: ADMIN_HEADERS[header]}
    )
    assert as_admin.status_code == 200, as_admin.text


@pytest.mark.parametrize("param", ["all_projects", "all_tenants", "edit_managed_records"])
async def test_a_member_is_refused_the_admin_query_flags(world: World, param: str) -> None:
    response = await world.http.get(f"/v2/zones?{param}=true", headers=world.a.member)
    assert response.status_code == 403, response.text
