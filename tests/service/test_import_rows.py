"""An import writes each record as the API's validation made it (canonical text and wire),
by COPY on PostgreSQL and INSERT elsewhere: the rows are checked against dnspython's own
canonical form on every database."""

from __future__ import annotations

import dns.name
from sqlalchemy import select

from tests.service.conftest import member
from zonekeeper.domain import rdata
from zonekeeper.domain.models import TaskStatus
from zonekeeper.service import imports
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage.tables import records, recordsets

ZONE_FILE = """$ORIGIN rows.example.
$TTL 3600
@ IN SOA ns.rows.example. hostmaster.rows.example. 1 7200 900 1209600 300
@ IN NS ns.rows.example.
a IN A 192.0.2.1
a IN A 192.0.2.2
v6 300 IN AAAA 2001:DB8:0:0::1
txt IN TXT "hello world" "v=x"
txt2 IN TXT unquoted
mx IN MX 10 Mail
www IN CNAME A.rows.example.
_https._tcp IN SRV 1 2 443 Target
"""


async def test_imported_rows_are_canonical(env: ServiceEnv) -> None:
    ctx = member("p1")
    task = await imports.create(ctx, env)
    done = await imports.run(ctx, env, task.id, ZONE_FILE)
    assert done.status is TaskStatus.COMPLETE, done.message
    stmt = (
        select(recordsets.c.name, recordsets.c.type, recordsets.c.ttl, records.c.data)
        .add_columns(records.c.rdata)
        .select_from(recordsets.join(records, records.c.recordset_id == recordsets.c.id))
        .where(recordsets.c.zone_id == done.zone_id, recordsets.c.type.not_in(["SOA", "NS"]))
    )
    async with env.db.read() as conn:
        rows = (await conn.execute(stmt)).all()
    found = sorted((r.name, r.type, r.ttl, r.data, bytes(r.rdata)) for r in rows)
    expected = []
    for owner, rtype, ttl, text in [
        ("a", "A", None, "192.0.2.1"),
        ("a", "A", None, "192.0.2.2"),
        ("v6", "AAAA", 300, "2001:DB8:0:0::1"),
        ("txt", "TXT", None, '"hello world" "v=x"'),
        ("txt2", "TXT", None, "unquoted"),
        ("mx", "MX", None, "10 mail.rows.example."),
        ("www", "CNAME", None, "a.rows.example."),
        ("_https._tcp", "SRV", None, "1 2 443 target.rows.example."),
    ]:
        name = f"{owner}.rows.example."
        canonical = rdata._canonical(rtype, dns.name.from_text(name), text)
        assert canonical is not None, text
        expected.append((name, rtype, ttl, canonical[0], canonical[1]))
    assert found == sorted(expected)
