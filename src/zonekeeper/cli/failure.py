"""How a command that cannot do its job ends: one ``error:`` line on stderr and an exit code,
never a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from zonekeeper.storage import migrate

T = TypeVar("T")

USAGE = 2
"""Exit code of a command that could not start: bad option, no database, address in use."""

_HINTS = {
    migrate.Unmigrated: "start `zonekeeper serve` once or run `zonekeeper db upgrade`, "
    "or point --data-dir or --database-url (or --config) at your database",
    migrate.Unreachable: "check --database-url (or database_url in --config)",
    migrate.NoPlace: "choose another with --data-dir (or ZONEKEEPER_DATA_DIR)",
}


def fail(message: str, code: int = USAGE) -> NoReturn:
    """Print ``error: message`` on one line of stderr and exit with ``code``."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[red]error:[/red] {escape(message)}"
    )
    raise typer.Exit(code)


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``; a database that is missing, unreachable or not migrated
    (``migrate.NotReady``) ends the command with one line naming it."""
    try:
        return asyncio.run(main)
    except migrate.NotReady as error:
        hints = [hint for kind, hint in _HINTS.items() if isinstance(error, kind)]
        fail("; ".join([str(error), *hints]))
