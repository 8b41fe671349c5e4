"""service.managed on SQLite and PostgreSQL: names, fallback, sharing, ports, idempotence."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.service import helpers
from tests.sink.conftest import TENANT, open_env
from zonekeeper.config import Settings
from zonekeeper.domain import errors
from zonekeeper.domain.models import ListQuery, Zone
from zonekeeper.service import context, managed, recordsets, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.service.managed import ManagedBy, Placed, Wanted

SINK = context.internal("sink")
FIP1 = ManagedBy("neutron_floatingip", "floatingip", "fip-1", "tenant-a", "port-1")
FIP2 = ManagedBy("neutron_floatingip", "floatingip", "fip-2", "tenant-a", "port-2")
VM = ManagedBy("nova_fixed", "instance", "vm-1", "tenant-a")


@pytest.fixture
async def env(database_url: str, settings: Settings) -> AsyncIterator[ServiceEnv]:
    service_env = await open_env(database_url, settings)
    try:
        yield service_env
    finally:
        await service_env.db.close()


@pytest.fixture
async def zone_(env: ServiceEnv) -> Zone:
    return await zones.create(TENANT, env, {"name": "cloud.example.", "email": "a@example.org"})


async def served(env: ServiceEnv, zone: Zone) -> dict[tuple[str, str], set[str]]:
    page = await recordsets.list(TENANT, env, zone.id, ListQuery(limit=1000))
    return {
        (rs.name, rs.type): set(rs.records)
        for rs in page.items
        if rs.type in {"A", "AAAA"} and rs.managed
    }


async def serial(env: ServiceEnv, zone: Zone) -> int:
    return (await zones.get(TENANT, env, zone.id)).serial


async def test_set_is_idempotent_and_tags_the_records(env: ServiceEnv, zone_: Zone) -> None:
    wanted = [
        Wanted("10.0.0.5", ("vm.cloud.example.", "vm-10-0-0-5.cloud.example.")),
        Wanted("2001:db8::0:5", ("vm.cloud.example.", "vm-x.cloud.example.")),
    ]
    placed = await managed.set_managed_records(SINK, env, zone_.id, VM, wanted, 300)
    assert placed == [
        Placed(zone_.id, "vm.cloud.example.", "A", "10.0.0.5"),
        Placed(zone_.id, "vm.cloud.example.", "AAAA", "2001:db8::5"),
    ]
    before = await serial(env, zone_)
    assert await managed.set_managed_records(SINK, env, zone_.id, VM, wanted, 300) == placed
    assert await serial(env, zone_) == before  # nothing changed, nothing journalled
    assert await managed.owned_records(SINK, env, "instance", "vm-1") == placed
    recordset = (await recordsets.list(TENANT, env, zone_.id, ListQuery(limit=100))).items
    a = next(rs for rs in recordset if rs.type == "A")
    assert a.managed and a.ttl == 300
    with pytest.raises(errors.BadRequest):
        await recordsets.delete(TENANT, env, zone_.id, a.id)


async def test_fallback_name_when_a_tenant_holds_the_first(env: ServiceEnv, zone_: Zone) -> None:
    mine = {"name": "vm.cloud.example.", "type": "TXT", "records": ['"mine"']}
    await recordsets.create(TENANT, env, zone_.id, mine)
    wanted = [Wanted("10.0.0.5", ("vm.cloud.example.", "vm-10-0-0-5.cloud.example."))]
    await managed.set_managed_records(SINK, env, zone_.id, VM, wanted, None)
    assert await served(env, zone_) == {("vm-10-0-0-5.cloud.example.", "A"): {"10.0.0.5"}}


async def test_every_name_taken_is_refused(env: ServiceEnv, zone_: Zone) -> None:
    for name in ("a.cloud.example.", "b.cloud.example."):
        await recordsets.create(
            TENANT, env, zone_.id, {"name": name, "type": "CNAME", "records": ["x.org."]}
        )
    wanted = [Wanted("10.0.0.5", ("a.cloud.example.", "b.cloud.example."))]
    with pytest.raises(errors.DuplicateRecordSet):
        await managed.set_managed_records(SINK, env, zone_.id, VM, wanted, None)


async def test_a_shared_recordset_keeps_the_other_resources_records(
    env: ServiceEnv, zone_: Zone
) -> None:
    shared = ("fip.cloud.example.", "fip-fallback.cloud.example.")
    await managed.set_managed_records(SINK, env, zone_.id, FIP1, [Wanted("10.1.0.1", shared)], None)
    await managed.set_managed_records(SINK, env, zone_.id, FIP2, [Wanted("10.1.0.2", shared)], None)
    assert await served(env, zone_) == {("fip.cloud.example.", "A"): {"10.1.0.1", "10.1.0.2"}}
    assert await managed.remove_managed(SINK, env, "floatingip", "fip-1") == 1
    assert await served(env, zone_) == {("fip.cloud.example.", "A"): {"10.1.0.2"}}
    assert await managed.remove_managed(SINK, env, "floatingip", "fip-1") == 0
    assert await managed.remove_managed(SINK, env, "floatingip", "fip-2") == 1
    assert await served(env, zone_) == {}


async def test_port_removal_follows_the_current_port(env: ServiceEnv, zone_: Zone) -> None:
    wanted = [Wanted("10.1.0.1", ("fip.cloud.example.",))]
    await managed.set_managed_records(SINK, env, zone_.id, FIP1, wanted, None)
    moved = ManagedBy("neutron_floatingip", "floatingip", "fip-1", "tenant-a", "port-9")
    before = await serial(env, zone_)
    await managed.set_managed_records(SINK, env, zone_.id, moved, wanted, None)
    assert await serial(env, zone_) == before  # same records served: retagged only
    assert await managed.remove_managed(SINK, env, "port", "port-1") == 0
    assert await managed.remove_managed(SINK, env, "port", "port-9") == 1
    assert await served(env, zone_) == {}


async def test_a_new_address_replaces_the_old(env: ServiceEnv, zone_: Zone) -> None:
    names = ("vm.cloud.example.",)
    await managed.set_managed_records(SINK, env, zone_.id, VM, [Wanted("10.0.0.5", names)], None)
    await managed.set_managed_records(SINK, env, zone_.id, VM, [Wanted("10.0.0.6", names)], None)
    assert await served(env, zone_) == {("vm.cloud.example.", "A"): {"10.0.0.6"}}


async def test_only_the_system_manages(env: ServiceEnv, zone_: Zone) -> None:
    with pytest.raises(errors.Forbidden):
        await managed.remove_managed(TENANT, env, "instance", "vm-1")


async def test_the_journal_replays_to_what_is_served(env: ServiceEnv, zone_: Zone) -> None:
    start = {rr for rr in await helpers.served(env, zone_.id) if rr[1] != "SOA"}
    shared = ("fip.cloud.example.",)
    await managed.set_managed_records(SINK, env, zone_.id, FIP1, [Wanted("10.1.0.1", shared)], 60)
    await managed.set_managed_records(SINK, env, zone_.id, FIP2, [Wanted("10.1.0.2", shared)], 60)
    await managed.set_managed_records(SINK, env, zone_.id, FIP1, [Wanted("10.1.0.3", shared)], 60)
    await managed.remove_managed(SINK, env, "port", "port-2")
    replayed = set(start)
    for entry in await helpers.journal(env, zone_.id):
        replayed -= {tuple(rr) for rr in entry.removed[1:]}
        replayed |= {tuple(rr) for rr in entry.added[1:]}
    served_now = {rr for rr in await helpers.served(env, zone_.id) if rr[1] != "SOA"}
    assert replayed == served_now
    assert ("fip.cloud.example.", "A", 60, "10.1.0.3") in served_now


async def test_a_batch_is_one_change_and_later_resources_see_earlier_ones(
    env: ServiceEnv, zone_: Zone
) -> None:
    shared = ("fip.cloud.example.", "fip-fallback.cloud.example.")
    await managed.set_managed_records(SINK, env, zone_.id, VM, [Wanted("10.0.0.9", shared)], None)
    start = {rr for rr in await helpers.served(env, zone_.id) if rr[1] != "SOA"}
    before = await serial(env, zone_)
    fip3 = ManagedBy("neutron_floatingip", "floatingip", "fip-3", "tenant-a", "port-3")
    placed = await managed.set_many(
        SINK,
        env,
        zone_.id,
        [
            managed.Desired(FIP1, [Wanted("10.1.0.1", shared)]),  # superseded below
            managed.Desired(FIP2, [Wanted("10.1.0.1", shared)]),
            managed.Desired(fip3, [Wanted("10.1.0.1", shared)]),  # FIP2 holds it: falls back
            managed.Desired(VM),  # the VM's record goes; its recordset stays for the others
            managed.Desired(FIP1, [Wanted("10.1.0.3", shared)]),  # FIP1 again: the last wins
        ],
        60,
    )
    assert placed[1] == [Placed(zone_.id, "fip.cloud.example.", "A", "10.1.0.1")]
    assert placed[2] == [Placed(zone_.id, "fip-fallback.cloud.example.", "A", "10.1.0.1")]
    assert placed[0] == placed[4] == [Placed(zone_.id, "fip.cloud.example.", "A", "10.1.0.3")]
    assert placed[3] == []
    assert await served(env, zone_) == {
        ("fip.cloud.example.", "A"): {"10.1.0.1", "10.1.0.3"},
        ("fip-fallback.cloud.example.", "A"): {"10.1.0.1"},
    }
    assert await serial(env, zone_) > before
    journal = await helpers.journal(env, zone_.id)
    assert journal[-1].from_serial == before  # one entry for the whole batch
    replayed = set(start)
    for entry in journal[-1:]:
        replayed -= {tuple(rr) for rr in entry.removed[1:]}
        replayed |= {tuple(rr) for rr in entry.added[1:]}
    assert replayed == {rr for rr in await helpers.served(env, zone_.id) if rr[1] != "SOA"}


async def test_removals_succeed_while_the_zone_is_being_deleted(
    env: ServiceEnv, zone_: Zone
) -> None:
    wanted = [Wanted("10.1.0.1", ("fip.cloud.example.",))]
    await managed.set_managed_records(SINK, env, zone_.id, FIP1, wanted, None)
    await zones.delete(TENANT, env, zone_.id)
    gone = [managed.Desired(FIP1), managed.Desired(VM)]
    assert await managed.set_many(SINK, env, zone_.id, gone, None) == [[], []]
    with pytest.raises(errors.BadRequest):  # a record cannot be added to it any more
        await managed.set_many(SINK, env, zone_.id, [managed.Desired(FIP2, wanted)], None)
