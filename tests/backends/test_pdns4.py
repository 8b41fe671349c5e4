"""pdns4 beyond the contract: how its failures read, and its zone ids."""

from __future__ import annotations

import contextlib
import sqlite3

import httpx
import pytest

from tests.backends.conftest import SERIAL, Primary
from tests.backends.test_contract import serial_of, wait_until
from tests.fixtures_servers import Pdns, free_port
from zonekeeper import backends
from zonekeeper.backends import pdns4


async def test_a_wrong_api_token_says_authentication_failed(pdns: Pdns, primary: Primary) -> None:
    backend = backends.load("pdns4", pdns.options(api_token="wrong"))

    with pytest.raises(pdns4.PowerDnsError) as raised:
        await backend.create_zone(primary.target())

    assert raised.value.reason == "backend_error"
    assert "authentication failed (HTTP 401)" in str(raised.value)


async def test_an_unreachable_api_is_an_error() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    backend = backends.load("pdns4", {"api_endpoint": endpoint, "api_token": "t"})

    with pytest.raises(pdns4.PowerDnsError, match="unreachable"):
        await backend.list_zones()


async def test_a_refused_zone_carries_powerdns_s_reason(pdns: Pdns) -> None:
    backend = backends.load("pdns4", pdns.options())
    zone = backends.ZoneTarget("z1", "example.test.", (backends.Master("mdns.example", 53),))

    with pytest.raises(pdns4.PowerDnsError, match=r"HTTP 422: .*not an IP address"):
        await backend.create_zone(zone)


@pytest.mark.parametrize(
    ("name", "zone_id"),
    [
        ("example.test.", "example.test."),
        ("example.test", "example.test."),
        ("_tcp.Example.test.", "=5Ftcp.Example.test."),
        (".", "=2E"),
    ],
)
def test_zone_ids_follow_powerdns(name: str, zone_id: str) -> None:
    assert pdns4.zone_id(name) == zone_id


async def test_created_zones_use_ixfr(pdns: Pdns, primary: Primary) -> None:
    """PowerDNS transfers by AXFR unless the zone's IXFR metadata is 1 (reference §6)."""
    await backends.load("pdns4", pdns.options()).create_zone(primary.target())

    url = f"{pdns.api_endpoint}/api/v1/servers/localhost/zones/{primary.zone.name}/metadata/IXFR"
    async with httpx.AsyncClient(headers={"X-API-Key": pdns.api_key}) as client:
        response = await client.get(url)
    assert response.json()["metadata"] == ["1"]


async def test_refresh_fetches_a_new_serial_by_ixfr_without_a_notify(
    pdns: Pdns, primary: Primary
) -> None:
    backend, zone = backends.load("pdns4", pdns.options()), primary.target()
    await backend.create_zone(zone)
    await wait_until(pdns.port, zone.name, "SOA", lambda a: serial_of(a) == SERIAL)

    serial = await primary.rows.change(primary.zone, add=[("new.contract.test.", "A", "192.0.2.7")])
    await backend.refresh_zone(zone)  # no NOTIFY is sent: the refresh alone must fetch it

    await wait_until(pdns.port, zone.name, "SOA", lambda a: serial_of(a) == serial)
    new = await wait_until(pdns.port, "new.contract.test.", "A", lambda a: bool(a.answer))
    assert [r.to_text() for r in new.answer[0]] == ["192.0.2.7"]
    assert f"got 1 delta, zone committed with serial {serial}" in pdns.log_file.read_text()


async def test_a_server_side_failure_is_transient_and_a_refusal_is_not(
    pdns: Pdns, primary: Primary
) -> None:
    backend = backends.load("pdns4", pdns.options())
    refused = backends.ZoneTarget("z1", "example.test.", (backends.Master("mdns.example", 53),))
    with pytest.raises(pdns4.PowerDnsError) as raised:
        await backend.create_zone(refused)
    assert not raised.value.transient  # HTTP 422: the same request fails again

    # PowerDNS failing on its side: its database loses a table (HTTP 500, as "database is
    # locked" is), so the worker may try the call again at once.
    database = sqlite3.connect(pdns.directory / "pdns.sqlite3")
    with contextlib.closing(database):
        database.execute("DROP TABLE domainmetadata")
        database.commit()
    with pytest.raises(pdns4.PowerDnsError, match=r"HTTP 5\d\d") as raised:
        await backend.create_zone(primary.target())
    assert raised.value.transient
