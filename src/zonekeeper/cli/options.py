"""Options every ``zonekeeper`` command shares, and the settings they build."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zonekeeper import config

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
    Path | None, typer.Option(help="Directory of the embedded SQLite database.")
]


def settings(config_file: Path | None, **overrides: object) -> config.Settings:
    """The settings from file, env and the given flags; a bad value is a usage error."""
    try:
        return config.load(config_file, **overrides)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
