"""The conformance run's nameserver: a BIND 9 as the default pool's only target and nameserver,
as in Designate's reference run (devstack's BIND backend).

Some tests query the nameserver after Zonekeeper's rows are gone (``test_zone_abandon``
expects the abandoned zone still served): with the embedded pool the mini-DNS, which answers
from the rows, would be that nameserver. Here the mini-DNS is only the hidden primary BIND
transfers from, and tempest's ``[dns] nameservers`` names BIND.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.e2e.serve import ZONEKEEPER
from tests.fixtures_servers import HOST, Named, free_port, start_named, stop
from zonekeeper.domain.models import DEFAULT_POOL_ID

NS_HOSTNAME = "ns1.zonekeeper.test."
"""The apex NS of the pool's zones (the embedded default's, so the zones look the same)."""


@dataclass(frozen=True, slots=True)
class BindPool:
    """BIND running and the default pool pointed at it."""

    named: Named
    dns_listen: str
    """``host:port`` the mini-DNS must listen on: the ``masters`` BIND transfers from."""

    @property
    def nameserver(self) -> str:
        """``host:port`` of BIND, for tempest's ``[dns] nameservers``."""
        return f"{HOST}:{self.named.port}"


@contextlib.contextmanager
def bind_pool(workdir: Path, data_dir: Path) -> Iterator[BindPool]:
    """Start BIND in ``workdir/bind`` and load the default pool into the SQLite database of
    ``data_dir`` (created) with `zonekeeper pool update`, before `zonekeeper serve` starts on
    it; BIND is stopped on exit. Raises CalledProcessError (with its output) if the pool
    does not load; a missing ``named`` fails loudly (tests.fixtures_servers)."""
    named = start_named(workdir / "bind")
    try:
        dns_port = free_port()
        data_dir.mkdir(parents=True, exist_ok=True)
        pools_file = workdir / "pools.yaml"
        pools_file.write_text(yaml.safe_dump(pools_yaml(named, dns_port)))
        database = f"sqlite+aiosqlite:///{data_dir / 'zonekeeper.sqlite'}"
        command = [ZONEKEEPER, "pool", "update", "--file", str(pools_file)]
        subprocess.run(
            [*command, "--database-url", database],
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        yield BindPool(named, f"{HOST}:{dns_port}")
    finally:
        stop(named.process)


def pools_yaml(named: Named, dns_port: int) -> list[dict[str, Any]]:
    """Designate's pools.yaml with the one default pool: BIND as target and nameserver, the
    mini-DNS on ``dns_port`` as its master."""
    masters = [{"host": HOST, "port": dns_port}]
    return [
        {
            "id": DEFAULT_POOL_ID,
            "name": "default",
            "description": "BIND 9 for the conformance run",
            "attributes": {},
            "ns_records": [{"hostname": NS_HOSTNAME, "priority": 1}],
            "nameservers": [{"host": HOST, "port": named.port}],
            "targets": [
                {
                    "type": "bind9",
                    "description": "BIND 9",
                    "masters": masters,
                    "options": named.options(),
                }
            ],
            "also_notifies": [],
        }
    ]
