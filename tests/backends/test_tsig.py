"""What each kind does with the pool's TSIG key in its own configuration: the key goes into
BIND's primaries (once) and into PowerDNS (created there, and the zone's AXFR-MASTER-TSIG
metadata). That transfers are signed, and refused without the key, is in the contract
(tests/backends/test_contract.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from tests.backends.conftest import SERIAL, Primary
from tests.backends.test_contract import KEY, serial_of, wait_until
from tests.dns.test_tsig import OTHER_SECRET, SECRET, set_pool
from tests.fixtures_servers import Named, Pdns, start_named, stop
from zonekeeper import backends


async def keyed(primary: Primary) -> None:
    await set_pool(primary.rows, key=True, nameservers=[])


async def test_bind_transfers_signed_with_the_key_in_its_primaries(
    tmp_path: Path, primary: Primary
) -> None:
    await keyed(primary)
    server = start_named(tmp_path / "named-key", tsig=("pool-key", SECRET))
    try:
        backend = backends.load("bind9", server.options(**KEY))
        await backend.create_zone(primary.target())
        await wait_until(server.port, primary.zone.name, "SOA", lambda a: serial_of(a) == SERIAL)
        shown = rndc(server, "showzone", primary.zone.name)
        assert f'127.0.0.1 port {primary.port} key "pool-key"' in shown
        assert primary.mini_dns.stats["transfer_refused"] == 0
    finally:
        stop(server.process)


def rndc(server: Named, *args: str) -> str:
    command = ["rndc", "-s", "127.0.0.1", "-p", str(server.rndc_port), "-k", str(server.key_file)]
    return subprocess.run([*command, *args], capture_output=True, text=True, check=True).stdout


async def test_powerdns_gets_the_key_and_transfers_signed(pdns: Pdns, primary: Primary) -> None:
    await keyed(primary)
    api = f"{pdns.api_endpoint}/api/v1/servers/localhost"
    async with httpx.AsyncClient(headers={"X-API-Key": pdns.api_key}) as client:
        # An older key of the same name is given our secret, not duplicated.
        stale = {"name": "pool-key", "algorithm": "hmac-sha256", "key": OTHER_SECRET}
        assert (await client.post(f"{api}/tsigkeys", json=stale)).status_code == 201
        await backends.load("pdns4", pdns.options(**KEY)).create_zone(primary.target())
        await wait_until(pdns.port, primary.zone.name, "SOA", lambda a: serial_of(a) == SERIAL)
        key = (await client.get(f"{api}/tsigkeys/pool-key.")).json()
        metadata = await client.get(f"{api}/zones/{primary.zone.name}/metadata/AXFR-MASTER-TSIG")
        keys = (await client.get(f"{api}/tsigkeys")).json()
    assert key["key"] == SECRET and key["algorithm"].rstrip(".") == "hmac-sha256"
    assert metadata.json()["metadata"] == ["pool-key."]
    assert [k["name"] for k in keys] == ["pool-key"]
    assert primary.mini_dns.stats["tsig_rejected"] == 0


async def test_a_key_given_to_a_zone_bind_already_holds_is_applied_once(
    tmp_path: Path, primary: Primary
) -> None:
    server = start_named(tmp_path / "named-later", tsig=("pool-key", SECRET))
    try:
        await backends.load("bind9", server.options()).create_zone(primary.target())
        await wait_until(server.port, primary.zone.name, "SOA", lambda a: serial_of(a) == SERIAL)
        keyed_backend = backends.load("bind9", server.options(**KEY))

        await keyed_backend.create_zone(primary.target())  # the target got the pool's key
        await keyed_backend.create_zone(primary.target())  # nothing changed any more

        shown = rndc(server, "showzone", primary.zone.name)
        assert f'127.0.0.1 port {primary.port} key "pool-key"' in shown
        log = server.log_file.read_text()
        assert log.count("received control channel command 'modzone") == 1
    finally:
        stop(server.process)
