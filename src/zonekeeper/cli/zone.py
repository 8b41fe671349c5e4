"""``zonekeeper zone import FILE``, ``zonekeeper zone export ZONE`` and ``zonekeeper zone move
ZONE --pool P``: the API's import, export and pool move, run against the database directly, with
a progress bar for large zones; ``zonekeeper zone xfr ZONE``: refresh a SECONDARY zone from its
masters now, in this process.

I/O and printing only: the work is ``service.imports``, ``service.exports`` and
``service.pool_moves``, the same calls the API makes, so what the CLI accepts the API accepts.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from zonekeeper.cli import options
from zonekeeper.config import Settings

app = typer.Typer(
    help="Zones: import a zone file, export a zone, move a zone to another pool, refresh a "
    "secondary zone."
)
err = Console(stderr=True, highlight=False)

ProjectOption = Annotated[
    str,
    typer.Option(
        "--project-id", help="The project the imported zone belongs to (the API's noauth one)."
    ),
]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:>8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Zone file (master format, $ORIGIN first).")],
    project_id: ProjectOption = "noauth-project",
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Create the zone FILE describes, with all its recordsets, or nothing: every bad line is
    listed. Exits 1 when the import fails. An existing zone is never changed."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise typer.BadParameter(f"cannot read {file}: {error}") from error
    settings = options.settings(config_file, database_url=database_url, data_dir=data_dir)
    status, message, zone_id = asyncio.run(_import(settings, project_id, text))
    if status != "COMPLETE":
        err.print(f"[red]import failed:[/red] {escape(message)}")
        raise typer.Exit(1)
    typer.echo(f"{message} (zone {zone_id}); its nameservers are being updated")


async def _import(settings: Settings, project_id: str, text: str) -> tuple[str, str, str | None]:
    # Imported here so `--help` stays fast; app is the one composition root.
    from zonekeeper.app import service_env
    from zonekeeper.service import context, imports

    env = service_env(settings)
    ctx = context.internal(project_id)
    try:
        await _migrate_embedded(settings, env.db.url)
        with _progress() as progress:
            stages: dict[str, TaskID] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in stages:
                    stages[stage] = progress.add_task(stage, total=total)
                progress.update(stages[stage], completed=done, total=total)

            task = await imports.create(ctx, env)
            task = await imports.run(ctx, env, task.id, text, progress=report)
        return task.status.value, task.message or "", task.zone_id
    finally:
        await env.db.close()


@app.command("export")
def export(
    zone: Annotated[str, typer.Argument(help="The zone's name, e.g. example.org.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Write ZONE as a zone file (the API's export format: $ORIGIN, $TTL, one line per
    record), streamed from the database. Exits 1 when there is no such zone."""
    settings = options.settings(config_file, database_url=database_url, data_dir=data_dir)
    name = zone if zone.endswith(".") else zone + "."
    if output is None:
        asyncio.run(_export(settings, name, sys.stdout))
        return
    with output.open("w", encoding="utf-8") as sink:
        asyncio.run(_export(settings, name, sink))


async def _export(settings: Settings, name: str, sink: TextIO) -> None:
    from zonekeeper.app import service_env
    from zonekeeper.domain import errors
    from zonekeeper.service import context, exports, zones

    env = service_env(settings)
    try:
        await _migrate_embedded(settings, env.db.url)
        try:
            found = await zones.by_name(context.internal(), env, name)
        except errors.ZonekeeperError as error:
            err.print(f"[red]no zone {escape(name)}:[/red] {escape(error.message or error.type)}")
            raise typer.Exit(1) from error
        total = await exports.record_count(env, found) + exports.HEADER_LINES
        with _progress() as progress:
            bar = progress.add_task("export", total=total)
            async for piece in exports.render(env, found):
                sink.write(piece)
                progress.advance(bar, piece.count("\n"))
    finally:
        await env.db.close()


@app.command("move")
def move(
    zone: Annotated[str, typer.Argument(help="The zone's name, e.g. example.org.")],
    pool: Annotated[
        str | None,
        typer.Option("--pool", help="The pool's name or id (default: the default pool)."),
    ] = None,
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Move ZONE to another pool without it going unserved: the worker provisions it on the
    new pool, waits until every nameserver there serves it, and only then removes it from
    the old pool (`GET /v2/zones/{id}/sync` shows where it stands). Exits 1 when the zone or
    the pool does not exist or the move is refused."""
    settings = options.settings(config_file, database_url=database_url, data_dir=data_dir)
    name = zone if zone.endswith(".") else zone + "."
    old, new = asyncio.run(_move(settings, name, pool))
    typer.echo(f"moving {name} from pool {old} to pool {new}; it stays served meanwhile")


async def _move(settings: Settings, name: str, pool: str | None) -> tuple[str, str]:
    from zonekeeper.app import service_env
    from zonekeeper.domain import errors
    from zonekeeper.service import context, pool_moves, zones
    from zonekeeper.storage import pools

    env = service_env(settings)
    try:
        await _migrate_embedded(settings, env.db.url)
        try:
            found = await zones.by_name(context.internal(), env, name)
            target = None
            if pool is not None:
                async with env.db.read() as conn:
                    target = await pools.by_name(conn, pool) or await pools.get_pool(conn, pool)
                if target is None:
                    raise errors.BadRequest(f"no pool named {pool!r} or with that id")
            moved = await pool_moves.move(
                context.internal(), env, found.id, target.id if target else None
            )
        except errors.ZonekeeperError as error:
            err.print(
                f"[red]cannot move {escape(name)}:[/red] {escape(error.message or error.type)}"
            )
            raise typer.Exit(1) from error
        return found.pool_id, moved.pool_id
    finally:
        await env.db.close()


@app.command("xfr")
def xfr(
    zone: Annotated[str, typer.Argument(help="The SECONDARY zone's name, e.g. example.org.")],
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Refresh ZONE from its masters now, in this process (a running worker pushes a new copy
    to the pool's nameservers), and say how it went: the serial held, or why each master
    failed. Exits 1 when there is no such SECONDARY zone or no master gave a usable answer."""
    settings = options.settings(config_file, database_url=database_url, data_dir=data_dir)
    asyncio.run(_xfr(settings, zone if zone.endswith(".") else zone + "."))


async def _xfr(settings: Settings, name: str) -> None:
    from zonekeeper.app import service_env
    from zonekeeper.domain import errors
    from zonekeeper.domain.models import ZoneType
    from zonekeeper.service import context, propagation, zones
    from zonekeeper.worker.refresher import Refresher

    env = service_env(settings)
    try:
        await _migrate_embedded(settings, env.db.url)
        try:
            found = await zones.by_name(context.internal(), env, name)
        except errors.ZonekeeperError as error:
            err.print(f"[red]no zone {escape(name)}:[/red] {escape(error.message or error.type)}")
            raise typer.Exit(1) from error
        if found.type is not ZoneType.SECONDARY:
            err.print(f"[red]{escape(name)} is a PRIMARY zone:[/red] nothing to transfer")
            raise typer.Exit(1)
        await Refresher(env).refresh(found)
        state = await propagation.sync(context.internal(), env, found.id)
    finally:
        await env.db.close()
    transfer = state.transfer
    if transfer is None or transfer.status != "OK":
        why = transfer.last_error if transfer else "not tried"
        err.print(f"[red]{escape(name)} not refreshed:[/red] {escape(why or '')}")
        raise typer.Exit(1)
    print(f"{name} serial {state.zone.serial} (transferred {state.zone.transferred_at})")


async def _migrate_embedded(settings: Settings, url: str) -> None:
    """Migrate the embedded SQLite database first, as ``serve`` does (shared databases are
    migrated with ``zonekeeper db upgrade``)."""
    from zonekeeper.storage import migrate

    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await migrate.upgrade(url)
