"""The storage reads under the mini-DNS, and the wire helpers, checked directly."""

from __future__ import annotations

import dns.name
import pytest

from tests.dns.conftest import Rows
from zonekeeper.dns import wire
from zonekeeper.storage import serving


async def check_snapshot(rows: Rows, name: str) -> None:
    """After ``serving.snapshot`` a commit elsewhere stays invisible; without it, it shows."""
    zone = await rows.zone(name)
    for pinned in (True, False):
        async with rows.db.read() as conn:
            if pinned:
                await serving.snapshot(conn)
            before = await serving.find_zone(conn, [name])
            await rows.change(zone, add=[(f"x{zone.serial}.{name}", "A", "192.0.2.1")])
            after = await serving.find_zone(conn, [name])
        assert before is not None and after is not None
        assert (after.serial == before.serial) is pinned


async def test_snapshot_pins_the_reads_to_one_commit(rows: Rows) -> None:
    await check_snapshot(rows, "snapshot.test.")


async def test_descendant_probe_escapes_like_wildcards(rows: Rows) -> None:
    zone = await rows.zone("example.org.")
    await rows.rrset(zone, "a.bqx.example.org.", "A", ["192.0.2.1"])
    await rows.rrset(zone, "a.b_y.example.org.", "TXT", ['"underscore"'])
    served = serving.ServedZone(zone.id, zone.name, zone.ttl, zone.serial)
    async with rows.db.read() as conn:
        found = await serving.names_with_descendants(
            conn,
            served,
            # Query names come from DNS clients: any byte, LIKE's wildcards included.
            ["b_x.example.org.", "bqx.example.org.", "b%.example.org.", "b_y.example.org."],
        )
    assert found == {"bqx.example.org.", "b_y.example.org."}


@pytest.mark.parametrize(
    "text",
    ["example.org.", "h1.example.org.", "a.b.example.org.", "a\\.b.example.org.",
     "\\200x.example.org.", "_sip._tcp.example.org.", "*.example.org."],
)  # fmt: skip
def test_owner_wire_matches_dnspython(text: str) -> None:
    expected = dns.name.from_text(text).to_wire()
    assert wire.stored_name_wire(text) == expected
    encoder = wire.Encoder("example.org.")
    [rr] = encoder.encode_all([(text, "A", 60, b"\x7f\x00\x00\x01")])
    assert rr.startswith(expected) and len(rr) == len(expected) + 10 + 4
