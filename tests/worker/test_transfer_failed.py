"""A real BIND that takes our NOTIFY but cannot transfer (the mini-DNS's ACL refuses the address
its transfers leave from) is named ``transfer_failed``, not merely ``behind``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from tests.fixtures_servers import Named, start_named, stop
from zonekeeper.config import DnsSettings
from zonekeeper.dns.server import MiniDns
from zonekeeper.domain.models import DEFAULT_POOL_ID, Status
from zonekeeper.service import context, pools, propagation, recordsets, zones
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage.tables import pools as pool_table
from zonekeeper.worker.reconciler import Worker

ADMIN = context.internal("p1")


@pytest.fixture
def bind(tmp_path: Path) -> Iterator[Named]:
    # Its transfers leave from 127.0.0.2 only (no retry from the alternate source); it answers,
    # and takes NOTIFY, on 127.0.0.1.
    server = start_named(
        tmp_path / "named", options="transfer-source 127.0.0.2; use-alt-transfer-source no;"
    )
    yield server
    stop(server.process)


async def use_target(env: ServiceEnv, bind: Named, host: str, mini_dns_port: int) -> None:
    """The pool: BIND as target (at ``host``, which the transfer ACL allows) and nameserver."""
    target: dict[str, Any] = {
        "type": "bind9",
        "masters": [{"host": "127.0.0.1", "port": mini_dns_port}],
        "options": bind.options(host=host),
    }
    nameservers = [{"host": "127.0.0.1", "port": bind.port}]
    async with env.db.transaction() as conn:
        await conn.execute(
            update(pool_table)
            .where(pool_table.c.id == DEFAULT_POOL_ID)
            .values(targets=[target], nameservers=nameservers)
        )


async def test_a_notified_nameserver_that_cannot_transfer_is_transfer_failed(
    env: ServiceEnv, bind: Named
) -> None:
    env.settings.worker.poll_retry_interval = 0.01  # the attempt's polls end in ~1 s
    mini_dns = MiniDns(env.db, DnsSettings(listen="127.0.0.1:0", allow_transfer=[]))
    _, port = await mini_dns.start()
    try:
        await pools.ensure_default_pool(env, [("127.0.0.1", bind.port)])
        await use_target(env, bind, "127.0.0.2", port)  # its transfer address is the pool's
        worker = Worker(env)
        zone = await zones.create(ADMIN, env, {"name": "acl.example.", "email": "a@acl.example"})
        await worker.reconcile(await zones.get(ADMIN, env, zone.id))
        assert (await zones.get(ADMIN, env, zone.id)).status is Status.ACTIVE

        await use_target(env, bind, "127.0.0.1", port)  # 127.0.0.2 is no longer allowed
        await recordsets.create(
            ADMIN, env, zone.id, {"name": "a.acl.example.", "type": "A", "records": ["192.0.2.1"]}
        )
        await worker.reconcile(await zones.get(ADMIN, env, zone.id))

        failed = await zones.get(ADMIN, env, zone.id)
        assert failed.last_error == f"127.0.0.1:{bind.port} transfer_failed"
        (state,) = (await propagation.sync(ADMIN, env, zone.id)).nameservers
        assert (state.reason, state.served_serial) == ("transfer_failed", zone.serial)
        assert mini_dns.stats["transfer_refused"] >= 1
    finally:
        await mini_dns.stop()
