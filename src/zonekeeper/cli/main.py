"""``zonekeeper``: run the service and operate it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from zonekeeper import __version__, config
from zonekeeper.storage import migrate

app = typer.Typer(
    help="Zonekeeper: DNS-as-a-Service with a Designate-compatible v2 API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
app.add_typer(db_app, name="db")

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
        help="SQLAlchemy URL, e.g. postgresql+asyncpg://user@host/db. "
        "Default: SQLite in the data directory.",
    ),
]


def _settings(config_file: Path | None, **overrides: object) -> config.Settings:
    try:
        return config.load(config_file, **overrides)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


def _logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@app.command()
def serve(
    config_file: ConfigOption = None,
    api_listen: Annotated[
        str | None,
        typer.Option(help="HOST:PORT of the HTTP API (default 127.0.0.1:9001; port 0 = any)."),
    ] = None,
    dns_listen: Annotated[
        str | None,
        typer.Option(help="HOST:PORT of the mini-DNS, UDP+TCP (default 127.0.0.1:5354)."),
    ] = None,
    database_url: DatabaseOption = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Directory of the embedded SQLite database.")
    ] = None,
) -> None:
    """Run every role in one process: API, worker, mini-DNS and periodic tasks.

    On the embedded SQLite default the schema is migrated at start. Stops cleanly on Ctrl-C or
    SIGTERM.
    """
    from zonekeeper.app import build  # imported here so `--help` stays fast

    settings = _settings(
        config_file,
        api__listen=api_listen,
        dns__listen=dns_listen,
        database_url=database_url,
        data_dir=data_dir,
    )
    _logging(settings.log_level)
    asyncio.run(build(settings).serve())


@db_app.command("upgrade")
def db_upgrade(
    config_file: ConfigOption = None,
    database_url: DatabaseOption = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Apply the schema migrations (idempotent)."""
    settings = _settings(config_file, database_url=database_url)
    _logging(settings.log_level)
    url = settings.effective_database_url()
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(migrate.upgrade(url, revision))
    typer.echo(f"database at {revision}")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    app()
