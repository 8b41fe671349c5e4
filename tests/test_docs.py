"""The docs' examples stay true: docs/sink.md's configuration loads, and its handlers build."""

from __future__ import annotations

import re
from pathlib import Path

from zonekeeper import config
from zonekeeper.service.env import ServiceEnv
from zonekeeper.sink import handlers
from zonekeeper.storage.database import Database

DOCS = Path(__file__).parent.parent / "docs"


def example(page: str, name: str) -> str:
    """The fenced block after ``<!-- example: NAME ... -->`` in ``docs/PAGE``."""
    text = (DOCS / page).read_text()
    found = re.search(rf"<!-- example: {re.escape(name)}\b.*?-->\n```\w*\n(.*?)```", text, re.S)
    assert found, f"no example {name} in docs/{page}"
    return found.group(1)


async def test_the_sink_example_configuration_loads_and_builds_its_handlers(
    tmp_path: Path,
) -> None:
    file = tmp_path / "zonekeeper.yaml"
    file.write_text(example("sink.md", "zonekeeper.yaml"))
    settings = config.load(file)  # an unknown or misspelt option would be refused here
    assert settings.sink.broker_url and settings.sink.nova_fixed.zone_id
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite'}")  # never opened
    try:
        built = handlers.build(ServiceEnv(db=db, settings=settings), settings.sink)
    finally:
        await db.close()
    names = {handler.name for chain in built.values() for handler in chain}
    assert names == {"nova_fixed", "neutron_floatingip", "floatingip_ptr"}
