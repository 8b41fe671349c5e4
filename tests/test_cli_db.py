"""`zonekeeper db upgrade` as a user runs it: a new database reaches head, a given revision
stops there, a second run is a no-op, and an older schema is brought forward."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from zonekeeper.storage import migrate

ZONEKEEPER = str(Path(sys.executable).with_name("zonekeeper"))
HEAD = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()


def upgrade(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    url = f"sqlite+aiosqlite:///{database}"
    command = [ZONEKEEPER, "db", "upgrade", "--database-url", url, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def revision(database: Path) -> str:
    with sqlite3.connect(database) as conn:
        (found,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(found)


def test_a_new_database_is_brought_to_head_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    database = tmp_path / "zk.sqlite"
    first = upgrade(database)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "database at head"
    assert revision(database) == HEAD
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"zones", "recordsets", "records", "zone_changes", "pools"} <= tables

    again = upgrade(database)
    assert again.returncode == 0, again.stderr
    assert revision(database) == HEAD


def test_an_older_schema_is_brought_forward(tmp_path: Path) -> None:
    database = tmp_path / "zk.sqlite"
    assert upgrade(database, "--revision", "0004_zone_indexes").returncode == 0
    assert revision(database) == "0004_zone_indexes"
    with sqlite3.connect(database) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(records)")}
    assert "managed_revision" not in columns

    assert upgrade(database).returncode == 0
    assert revision(database) == HEAD
    with sqlite3.connect(database) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(records)")}
    assert "managed_revision" in columns
