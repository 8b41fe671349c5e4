"""The migrations create exactly the tables of ``storage/tables.py`` on every database
(``make check`` runs the same check on SQLite)."""

from __future__ import annotations

import pytest

from zonekeeper.storage import migrate


@pytest.mark.parametrize("kind", ["postgres", "mariadb"])
def test_the_migrations_make_the_tables(request: pytest.FixtureRequest, kind: str) -> None:
    migrate.check(str(request.getfixturevalue(f"{kind}_url")))  # raises on any difference
