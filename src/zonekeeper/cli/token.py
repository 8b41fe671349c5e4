"""``zonekeeper token``: built-in API tokens (``api.auth.strategy = token``).

The token is printed once, by ``create``; only its hash is stored (service/tokens.py).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from zonekeeper import config
from zonekeeper.cli import options
from zonekeeper.domain import errors
from zonekeeper.service import tokens
from zonekeeper.service.env import ServiceEnv, utcnow
from zonekeeper.storage import migrate
from zonekeeper.storage.api_tokens import ApiToken
from zonekeeper.storage.database import Database

app = typer.Typer(help="Built-in API tokens, for `api.auth.strategy = token` (no Keystone).")
T = TypeVar("T")

_DURATION = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_expiry(value: str, now: datetime) -> datetime:
    """``30d``, ``12h``, ``90m``, ``45s`` from ``now``, or an ISO 8601 date/time (UTC when it
    names no zone), as naive UTC. Raises typer.BadParameter."""
    found = _DURATION.fullmatch(value.strip())
    if found:
        return now + timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        message = f"expected e.g. 30d, 12h or 2027-01-31T12:00, got {value!r}"
        raise typer.BadParameter(message) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


@app.command()
def create(
    project: Annotated[str, typer.Option(help="Project the token acts in.")],
    role: Annotated[
        list[str], typer.Option(help="A role of the token (repeat for several), e.g. member.")
    ],
    expires: Annotated[
        str | None,
        typer.Option(help="Lifetime (30d, 12h, 90m) or an ISO date/time in UTC. Default: never."),
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="User id it acts as (default: token-<id>).")
    ] = None,
    description: Annotated[str | None, typer.Option(help="A note for `token list`.")] = None,
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Make a token and print it. It is shown only this once: store it now."""
    settings = options.settings(config_file, database_url=database_url, data_dir=data_dir)
    expires_at = parse_expiry(expires, utcnow()) if expires else None

    async def call(env: ServiceEnv) -> tuple[ApiToken, str]:
        return await tokens.create(
            env, project, role, user_id=user, expires_at=expires_at, description=description
        )

    record, secret = _run(settings, call)
    err = Console(stderr=True)
    err.print(f"token {record.id} for project {record.project_id}, roles {_roles(record)}")
    print(secret)


@app.command("list")
def list_(
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Every token made (never the tokens themselves), with its state."""
    settings = options.settings(config_file, database_url=database_url, data_dir=data_dir)
    found = _run(settings, tokens.list)
    now = utcnow()
    # One line per token, whole ids (a table would cut them on a narrow terminal).
    for record in found:
        state = "revoked" if record.revoked_at else ("valid" if record.valid_at(now) else "expired")
        expiry = f"{record.expires_at:%Y-%m-%dT%H:%M:%S}" if record.expires_at else "never"
        print(
            f"{record.id}  {state:<7}  project={record.project_id}  user={record.user_id}  "
            f"roles={_roles(record)}  created={record.created_at:%Y-%m-%dT%H:%M:%S}  "
            f"expires={expiry}  {record.description or ''}".rstrip()
        )


@app.command()
def revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `token list`).")],
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Refuse the token from now on (at once, in every API process)."""
    settings = options.settings(config_file, database_url=database_url, data_dir=data_dir)

    async def call(env: ServiceEnv) -> None:
        await tokens.revoke(env, token_id)

    _run(settings, call)
    Console(stderr=True).print(f"token {token_id} revoked")


def _roles(record: ApiToken) -> str:
    return ",".join(sorted(record.roles))


def _run(settings: config.Settings, call: Callable[[ServiceEnv], Awaitable[T]]) -> T:
    """``call(env)`` on the configured database (migrated first when it is the embedded
    SQLite, as ``serve`` does); a refusal is printed and exits 1."""

    db = Database(settings.effective_database_url())
    if db.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def run() -> T:
        try:
            if db.is_sqlite:
                await migrate.upgrade(db.url)
            return await call(ServiceEnv(db=db, settings=settings))
        finally:
            await db.close()

    try:
        return asyncio.run(run())
    except errors.ZonekeeperError as refusal:
        Console(stderr=True).print(f"[red]error:[/red] {refusal.message or refusal.type}")
        raise typer.Exit(1) from None
