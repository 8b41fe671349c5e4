"""Options every ``zonekeeper`` command shares, and the settings they build."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pydantic
import pydantic_core
import typer

from zonekeeper import config
from zonekeeper.cli import failure

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Config file (YAML or .toml); ZONEKEEPER_* env vars override it, flags override both.",
        exists=True,
        dir_okay=False,
    ),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL, e.g. postgresql+asyncpg://user@host/db or "
        "mysql+asyncmy://user@host/db (MariaDB). "
        "Default: SQLite in the data directory.",
    ),
]
ApiListenOption = Annotated[
    str | None,
    typer.Option(help="HOST:PORT of the HTTP API (default 127.0.0.1:9001; port 0 = any)."),
]
DnsListenOption = Annotated[
    str | None,
    typer.Option(help="HOST:PORT of the mini-DNS, UDP+TCP (default 127.0.0.1:5354)."),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        help="Directory of the embedded SQLite database "
        "(default: /var/lib/zonekeeper as root, else ~/.local/share/zonekeeper)."
    ),
]


def settings(config_file: Path | None, **overrides: object) -> config.Settings:
    """The settings from file, env and the given flags; a bad value ends the command with one
    line naming the option (exit 2)."""
    try:
        return config.load(config_file, **overrides)
    except pydantic.ValidationError as invalid:
        failure.fail("; ".join(_reason(error) for error in invalid.errors()))
    except (OSError, ValueError) as error:
        failure.fail(str(error))


def _reason(error: pydantic_core.ErrorDetails) -> str:
    """``api.listen: expected HOST:PORT ...``: the option's dotted name and pydantic's message
    without its "Value error, " prefix."""
    option = ".".join(str(part) for part in error["loc"])
    return f"{option}: {error['msg'].removeprefix('Value error, ')}"
