"""``/v2/reverse/floatingips`` on the wire: list, get, set, unset, against the Neutron double."""

from __future__ import annotations

from typing import Any

import httpx

from tests.floatingips.conftest import PROJECT_A, PROJECT_B, REGION, TOKEN_A, A, B
from tests.floatingips.neutron_double import NeutronState
from zonekeeper.config import NetworkApiSettings
from zonekeeper.service import context, floatingips, managed, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import managed as managed_rows
from zonekeeper.storage import zones as zone_rows

MANAGED_PROJECT = NetworkApiSettings().managed_resource_project_id
"""The managed-resource project, as these tests configure it (the default)."""

FIP_KEYS = {"id", "address", "ptrdname", "description", "ttl", "action", "status", "links"}


def url(fip: dict[str, Any], region: str = REGION) -> str:
    return f"/v2/reverse/floatingips/{region}:{fip['id']}"


async def set_ptr(client: httpx.AsyncClient, fip: dict[str, Any], **fields: Any) -> httpx.Response:
    body = {"ptrdname": "host.example.org.", **fields}
    return await client.patch(url(fip), json=body, headers=A)


async def ptr_records(env: ServiceEnv, fip_id: str) -> list[managed_rows.OwnedRecord]:
    async with env.db.read() as conn:
        return await managed_rows.owned(conn, managed_rows.of_resource("floatingip", fip_id))


async def zones_named(env: ServiceEnv, name: str) -> list[Any]:
    async with env.db.read() as conn:
        return await zone_rows.by_names(conn, [name])


async def test_list_shows_every_floating_ip_of_the_project(
    client: httpx.AsyncClient, neutron_state: NeutronState
) -> None:
    mine = [neutron_state.add(PROJECT_A, "192.0.2.5"), neutron_state.add(PROJECT_A, "2001:db8::5")]
    neutron_state.add(PROJECT_B, "192.0.2.6")
    response = await client.get("/v2/reverse/floatingips", headers=A)
    assert response.status_code == 200, response.text
    document = response.json()
    assert set(document) == {"floatingips", "links"}  # no metadata
    assert document["links"] == {"self": "http://api.test/v2/reverse/floatingips"}
    assert [item["address"] for item in document["floatingips"]] == ["192.0.2.5", "2001:db8::5"]
    first = document["floatingips"][0]
    assert set(first) == FIP_KEYS
    assert first["id"] == f"{REGION}:{mine[0]['id']}"
    assert first["links"]["self"] == f"http://api.test{url(mine[0])}"
    assert (first["ptrdname"], first["ttl"], first["description"]) == (None, None, None)
    assert (first["status"], first["action"]) == ("INACTIVE", "NONE")
    seen = neutron_state.seen[-1]
    assert seen.path == "/v2.0/floatingips"
    assert seen.query == {"tenant_id": PROJECT_A}
    assert seen.token == TOKEN_A


async def test_list_follows_neutron_pages(
    client: httpx.AsyncClient, neutron_state: NeutronState
) -> None:
    neutron_state.page_size = 2
    for octet in range(1, 6):
        neutron_state.add(PROJECT_A, f"192.0.2.{octet}")
    response = await client.get("/v2/reverse/floatingips", headers=A)
    assert len(response.json()["floatingips"]) == 5
    assert len(neutron_state.seen) == 3
    assert all(seen.token == TOKEN_A for seen in neutron_state.seen)


async def test_set_creates_the_reverse_zone_once_and_a_managed_ptr(
    client: httpx.AsyncClient, env: ServiceEnv, neutron_state: NeutronState
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.5")
    other = neutron_state.add(PROJECT_A, "192.0.2.77")
    response = await set_ptr(client, fip, ttl=300, description="web server")
    assert response.status_code == 202, response.text
    document = response.json()
    assert document["id"] == f"{REGION}:{fip['id']}"
    assert document["address"] == "192.0.2.5"
    assert document["ptrdname"] == "host.example.org."
    assert (document["ttl"], document["description"]) == (300, "web server")
    assert (document["status"], document["action"]) == ("PENDING", "CREATE")

    (zone,) = await zones_named(env, "2.0.192.in-addr.arpa.")
    assert zone.project_id == MANAGED_PROJECT
    (record,) = await ptr_records(env, fip["id"])
    assert (record.zone_id, record.name, record.type) == (zone.id, "5.2.0.192.in-addr.arpa.", "PTR")
    assert record.data == "host.example.org."
    assert record.ttl == 300
    # Tagged with the floating IP's port (none yet) and its revision in Neutron when set.
    assert record.managed_by == managed.ManagedBy(
        "reverse_floatingip", "floatingip", fip["id"], PROJECT_A, None, fip["revision_number"]
    )

    response = await set_ptr(client, other, ptrdname="other.example.org.")
    assert response.status_code == 202, response.text
    assert len(await zones_named(env, "2.0.192.in-addr.arpa.")) == 1
    (record,) = await ptr_records(env, other["id"])
    assert (record.zone_id, record.name) == (zone.id, "77.2.0.192.in-addr.arpa.")

    shown = await client.get(url(fip), headers=A)
    assert shown.status_code == 200
    assert {k: v for k, v in shown.json().items() if k not in {"status", "action"}} == {
        k: v for k, v in document.items() if k not in {"status", "action"}
    }


async def test_ipv6_reverse_zone_is_the_64(
    client: httpx.AsyncClient, env: ServiceEnv, neutron_state: NeutronState
) -> None:
    fip = neutron_state.add(PROJECT_A, "2001:db8:0:1::5")
    response = await set_ptr(client, fip)
    assert response.status_code == 202, response.text
    zone_name = "1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
    (zone,) = await zones_named(env, zone_name)
    (record,) = await ptr_records(env, fip["id"])
    assert record.name == "5." + "0." * 15 + zone_name
    assert record.zone_id == zone.id and zone.project_id == MANAGED_PROJECT


async def test_set_again_changes_data_ttl_and_description_or_nothing(
    client: httpx.AsyncClient, env: ServiceEnv, neutron_state: NeutronState
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.5")
    assert (await set_ptr(client, fip, ttl=300, description="one")).status_code == 202
    (zone,) = await zones_named(env, "2.0.192.in-addr.arpa.")
    serial = (await zones.get(context.internal(), env, zone.id)).serial

    same = await set_ptr(client, fip, ttl=300, description="one")
    assert same.status_code == 202
    assert (await zones.get(context.internal(), env, zone.id)).serial == serial  # idempotent

    changed = await set_ptr(client, fip, ptrdname="new.example.org.", ttl=600)
    assert changed.status_code == 202
    document = changed.json()
    assert (document["ptrdname"], document["ttl"], document["description"]) == (
        "new.example.org.",
        600,
        None,
    )
    (record,) = await ptr_records(env, fip["id"])
    assert (record.data, record.ttl) == ("new.example.org.", 600)


async def test_unset_removes_the_ptr_and_repeating_it_is_fine(
    client: httpx.AsyncClient, env: ServiceEnv, neutron_state: NeutronState
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.5")
    assert (await set_ptr(client, fip)).status_code == 202
    for _ in range(2):
        response = await client.patch(url(fip), json={"ptrdname": None}, headers=A)
        assert response.status_code == 202, response.text
        assert response.content == b""
        assert "content-type" not in response.headers  # tempest would try to parse JSON
    assert await ptr_records(env, fip["id"]) == []
    shown = (await client.get(url(fip), headers=A)).json()
    assert (shown["ptrdname"], shown["status"], shown["action"]) == (None, "INACTIVE", "NONE")
    assert len(await zones_named(env, "2.0.192.in-addr.arpa.")) == 1  # the zone stays


async def test_unset_leaves_the_sinks_records_of_the_floating_ip(
    client: httpx.AsyncClient, env: ServiceEnv, neutron_state: NeutronState
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.5", port_id="port-1")
    system = context.internal(MANAGED_PROJECT)
    forward = await zones.create(system, env, {"name": "cloud.example.", "email": "a@b.org"})
    sink_tag = managed.ManagedBy("neutron_floatingip", "floatingip", fip["id"], PROJECT_A, "p")
    wanted = [managed.Wanted("192.0.2.5", ("vm.cloud.example.",))]
    await managed.set_managed_records(system, env, forward.id, sink_tag, wanted, None)
    assert (await set_ptr(client, fip)).status_code == 202
    shown = (await client.get(url(fip), headers=A)).json()
    assert shown["ptrdname"] == "host.example.org."  # the A record is not the PTR
    assert (await client.patch(url(fip), json={"ptrdname": None}, headers=A)).status_code == 202
    (left,) = await ptr_records(env, fip["id"])
    assert (left.type, left.data, left.managed_by) == ("A", "192.0.2.5", sink_tag)


async def test_another_projects_floating_ip_is_not_found(
    client: httpx.AsyncClient, env: ServiceEnv, neutron_state: NeutronState
) -> None:
    theirs = neutron_state.add(PROJECT_B, "192.0.2.9")
    unknown = {"id": "8d2f5f3c-1111-4c1e-9e0f-0123456789ab"}
    for fip in (theirs, unknown):
        for response in (
            await client.get(url(fip), headers=A),
            await set_ptr(client, fip),
            await client.patch(url(fip), json={"ptrdname": None}, headers=A),
        ):
            assert response.status_code == 404, response.text
            assert response.json()["type"] == "not_found"
    assert await ptr_records(env, theirs["id"]) == []
    assert await zones_named(env, "2.0.192.in-addr.arpa.") == []
    owner = await client.patch(url(theirs), json={"ptrdname": "b.example."}, headers=B)
    assert owner.status_code == 202, owner.text


async def test_ptr_writes_need_a_member(
    client: httpx.AsyncClient, env: ServiceEnv, neutron_state: NeutronState
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.5")
    for roles in ("reader", "observer"):
        headers = {**A, "X-Roles": roles}
        for body in ({"ptrdname": "host.example.org."}, {"ptrdname": None}):
            response = await client.patch(url(fip), json=body, headers=headers)
            assert response.status_code == 403, response.text
            assert response.json()["type"] == "forbidden"
    assert await zones_named(env, "2.0.192.in-addr.arpa.") == []
    assert (await set_ptr(client, fip)).status_code == 202
    refused = await client.patch(
        url(fip), json={"ptrdname": None}, headers={**A, "X-Roles": "reader"}
    )
    assert refused.status_code == 403
    assert len(await ptr_records(env, fip["id"])) == 1
    reader = await client.get(url(fip), headers={**A, "X-Roles": "reader"})
    assert reader.json()["ptrdname"] == "host.example.org."  # reading stays open


async def test_bad_keys_are_refused_before_neutron_is_asked(
    client: httpx.AsyncClient, neutron_state: NeutronState
) -> None:
    for key in (
        "8d2f5f3c-1111-4c1e-9e0f-0123456789ab",
        "RegionOne:not-a-uuid",
        ":8d2f5f3c-1111-4c1e-9e0f-0123456789ab",
        "Region One:8d2f5f3c-1111-4c1e-9e0f-0123456789ab",
        "R" * 101 + ":8d2f5f3c-1111-4c1e-9e0f-0123456789ab",
    ):
        for response in (
            await client.get(f"/v2/reverse/floatingips/{key}", headers=A),
            await client.patch(
                f"/v2/reverse/floatingips/{key}", json={"ptrdname": "a.example."}, headers=A
            ),
        ):
            assert response.status_code == 400, (key, response.text)
            assert response.json()["type"] == "bad_request"
    assert neutron_state.seen == []


async def test_unknown_region_is_no_endpoint(
    client: httpx.AsyncClient, neutron_state: NeutronState
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.5")
    response = await client.get(url(fip, "RegionTwo"), headers=A)
    assert response.status_code == 403
    assert response.json()["type"] == "no_endpoint"


async def test_bad_bodies_are_400_with_every_reason(
    client: httpx.AsyncClient, env: ServiceEnv, neutron_state: NeutronState
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.5")
    bad_bodies: list[dict[str, Any]] = [
        {"ptrdname": ""},
        {"ptrdname": "@!(*&"},
        {"ptrdname": 4564},
        {"ptrdname": "a" * 5000},
        {"ptrdname": "no-final-dot.example"},
        {"ttl": 300},
        {"ptrdname": "a.example.", "ttl": -10},
        {"ptrdname": "a.example.", "ttl": 0},
        {"ptrdname": "a.example.", "ttl": "300"},
        {"ptrdname": "a.example.", "ttl": 2**31},
        {"ptrdname": "a.example.", "description": "x" * 161},
        {"ptrdname": "a.example.", "description": 7},
        {"ptrdname": "a.example.", "managed": True},
        {"ptrdname": "a.example.", "address": "192.0.2.99"},
    ]
    for body in bad_bodies:
        response = await client.patch(url(fip), json=body, headers=A)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["type"] == "invalid_object", body
    both = await client.patch(url(fip), json={"ttl": -1, "description": "x" * 161}, headers=A)
    assert len(both.json()["errors"]["errors"]) == 3  # ptrdname missing, too, listed at once
    empty = await client.patch(url(fip), content=b"", headers=A)
    assert (empty.status_code, empty.json()["type"]) == (400, "empty_request_body")
    assert await ptr_records(env, fip["id"]) == []


async def test_read_only_keys_with_their_current_values_are_tolerated(
    client: httpx.AsyncClient, neutron_state: NeutronState
) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.5")
    body = {"ptrdname": "a.example.", "address": "192.0.2.5", "id": f"{REGION}:{fip['id']}"}
    response = await client.patch(url(fip), json=body, headers=A)
    assert response.status_code == 202, response.text


async def test_wrong_method_is_405(client: httpx.AsyncClient, neutron_state: NeutronState) -> None:
    fip = neutron_state.add(PROJECT_A, "192.0.2.5")
    response = await client.delete(url(fip), headers=A)
    assert response.status_code == 405


def test_reverse_names() -> None:
    assert floatingips.reverse_names("192.0.2.5") == (
        "5.2.0.192.in-addr.arpa.",
        "2.0.192.in-addr.arpa.",
    )
    name, zone = floatingips.reverse_names("2001:db8::1")
    assert zone == "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
    assert name == "1." + "0." * 15 + zone
