"""``/v2/service_statuses``: the heartbeats the processes write, listed for admins only."""

from __future__ import annotations

import socket
import uuid

import httpx

from tests.api.conftest import MEMBER
from zonekeeper import app
from zonekeeper.app import Role
from zonekeeper.service import statuses
from zonekeeper.service.env import ServiceEnv


async def test_heartbeats_are_listed_with_their_stats(
    client: httpx.AsyncClient, env: ServiceEnv
) -> None:
    await statuses.heartbeat(env, {"worker": {"zones_pending": 3}, "mdns": {"queries": 7}})
    listed = (await client.get("/v2/service_statuses")).json()
    assert "metadata" not in listed
    by_name = {item["service_name"]: item for item in listed["service_statuses"]}
    assert set(by_name) == {"worker", "mdns"}
    worker = by_name["worker"]
    assert (worker["hostname"], worker["status"]) == (socket.gethostname(), "UP")
    assert worker["stats"] == {"zones_pending": 3}
    assert worker["links"]["self"] == f"http://api.test/v2/service_statuses/{worker['id']}"
    assert (await client.get(f"/v2/service_statuses/{worker['id']}")).json() == worker
    assert (await client.get(f"/v2/service_status/{worker['id']}")).json() == worker
    only = await client.get("/v2/service_statuses", params={"service_name": "mdns"})
    assert [item["stats"] for item in only.json()["service_statuses"]] == [{"queries": 7}]
    await statuses.heartbeat(env, {"worker": {"zones_pending": 0}})
    again = (await client.get(f"/v2/service_statuses/{worker['id']}")).json()
    assert again["stats"] == {"zones_pending": 0}
    assert again["heartbeated_at"] >= worker["heartbeated_at"]


async def test_admins_only_and_errors(client: httpx.AsyncClient, env: ServiceEnv) -> None:
    await statuses.heartbeat(env, {"api": {}})
    [item] = (await client.get("/v2/service_statuses")).json()["service_statuses"]
    for headers in (MEMBER, {"X-Auth-Project-ID": "p", "X-Roles": "reader"}):
        for path in ("/v2/service_statuses", f"/v2/service_statuses/{item['id']}"):
            response = await client.get(path, headers=headers)
            assert (response.status_code, response.json()["type"]) == (403, "forbidden")
    missing = await client.get(f"/v2/service_statuses/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()["type"]) == (404, "service_status_not_found")
    bad = await client.get("/v2/service_statuses/foo")
    assert bad.json()["message"] == "Invalid UUID service_id: foo"
    unknown = await client.get("/v2/service_statuses", params={"colour": "red"})
    assert (unknown.status_code, unknown.json()["type"]) == (400, "bad_request")


async def test_each_role_reports_the_designate_services_it_fulfils(
    client: httpx.AsyncClient, env: ServiceEnv
) -> None:
    """tempest (and `openstack dns service list` users) look for central, mdns, worker and
    producer: `zonekeeper serve` reports each, all UP; the role's counters sit under its own
    name only."""
    counters = {Role.WORKER: {"reconciled": 4}, Role.MDNS: {"queries": 2}}
    await statuses.heartbeat(env, app.designate_stats(set(Role), counters))
    listed = (await client.get("/v2/service_statuses")).json()["service_statuses"]
    by_name = {item["service_name"]: item for item in listed}
    assert set(by_name) == {"api", "central", "worker", "producer", "mdns", "sink"}
    assert {item["status"] for item in listed} == {"UP"}
    assert by_name["worker"]["stats"] == {"reconciled": 4}
    assert by_name["producer"]["stats"] == {}
    assert by_name["mdns"]["stats"] == {"queries": 2}
    only_api = app.designate_stats({Role.API}, {})
    assert only_api == {"api": {}, "central": {}}
