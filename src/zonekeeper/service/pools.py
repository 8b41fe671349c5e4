"""Pools: the built-in default pool every zone is scheduled to."""

from __future__ import annotations

from zonekeeper.domain.models import DEFAULT_POOL_ID
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import pools as pool_rows


async def ensure_default_pool(env: ServiceEnv, nameservers: list[tuple[str, int]]) -> None:
    """Write the default pool (id ``DEFAULT_POOL_ID``, name ``default``): apex NS
    ``settings.nameserver_hostname``, the given (host, port) nameservers polled for serials,
    one embedded target and no also-notifies. Idempotent; run at every start so a changed
    setting takes effect. Existing zones keep the apex NS they were created with."""
    pool = pool_rows.Pool(
        id=DEFAULT_POOL_ID,
        name="default",
        ns_records=({"hostname": env.settings.nameserver_hostname, "priority": 1},),
        nameservers=tuple({"host": host, "port": port} for host, port in nameservers),
        targets=({"type": "embedded", "masters": [], "options": {}},),
        also_notifies=(),
    )
    async with env.db.transaction() as conn:
        await pool_rows.upsert_pool(conn, pool, env.now())
