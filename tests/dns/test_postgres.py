"""The same answers with PostgreSQL (scratch database on 127.0.0.1:5432) and MariaDB (on
127.0.0.1:3306) underneath: the zone lookup, the empty-non-terminal probe, streaming AXFR in a
snapshot, and IXFR."""

from __future__ import annotations

import uuid

import dns.asyncquery
import dns.flags
import dns.rcode
import dns.versioned
import pytest

from tests.dns.conftest import Rows, query_udp
from tests.dns.test_serving import check_snapshot
from tests.dns.test_xfr import bulk_entries, fetch_zone, zone_contents
from zonekeeper.dns.server import MiniDns

pytestmark = pytest.mark.postgres


@pytest.fixture(params=["postgres", "mariadb"])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


async def test_answers_and_transfers_on_postgres(rows: Rows, server: tuple[MiniDns, int]) -> None:
    port = server[1]
    name = f"pg-{uuid.uuid4().hex[:8]}.test."
    special = [
        (f"www.{name}", "A", "192.0.2.1"),
        (f"*.{name}", "TXT", '"wild"'),
        (f"a.b_x.{name}", "A", "192.0.2.2"),
    ]
    zone = await rows.imported(name, [*special, *bulk_entries(name, 3000)])

    reply = await query_udp(port, f"www.{name}", "A")
    assert reply.flags & dns.flags.AA and reply.answer[0][0].to_text() == "192.0.2.1"
    assert (await query_udp(port, f"b_x.{name}", "TXT")).rcode() == dns.rcode.NOERROR
    assert (await query_udp(port, f"c.b_x.{name}", "TXT")).rcode() == dns.rcode.NXDOMAIN
    assert len((await query_udp(port, f"zz.{name}", "TXT")).answer) == 1

    client = await fetch_zone(port, name)
    assert zone_contents(client) == await rows.served(zone)
    await rows.change(zone, add=[(f"new.{name}", "A", "192.0.2.3")],
                      remove=[(f"www.{name}", "A", "192.0.2.1")])  # fmt: skip
    await dns.asyncquery.inbound_xfr("127.0.0.1", client, port=port, timeout=10)
    assert zone_contents(client) == await rows.served(zone)
    assert server[0].stats["ixfr"] == 1 and server[0].stats["ixfr_fallback_axfr"] == 0


async def test_snapshot_on_postgres(rows: Rows) -> None:
    await check_snapshot(rows, f"snap-{uuid.uuid4().hex[:8]}.test.")
