"""``zonekeeper pool``: load pools from a Designate ``pools.yaml`` and show the live ones.

I/O and printing only: the file is read and checked by ``domain.pools.parse`` (each target's
options through ``backends.load``), and written by ``service.pools.apply``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import pydantic
import typer
import yaml
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from zonekeeper import backends, config
from zonekeeper.cli import failure, options
from zonekeeper.domain import errors
from zonekeeper.domain import pools as pool_specs
from zonekeeper.domain.pool_plan import PoolChange, Verb
from zonekeeper.domain.pools import PoolSpec
from zonekeeper.service import context
from zonekeeper.service import pools as pool_service
from zonekeeper.service.env import ServiceEnv
from zonekeeper.storage import migrate
from zonekeeper.storage.database import Database

app = typer.Typer(
    help="Pools: load a Designate pools.yaml, show the live configuration.",
    rich_markup_mode="markdown",  # as the main command: docstring lines joined into paragraphs
)

_MARKS = {
    Verb.CREATE: "[green]+ create",
    Verb.UPDATE: "[yellow]~ update",
    Verb.DELETE: "[red]- delete",
}


class Format(StrEnum):
    yaml = "yaml"
    table = "table"


@app.command("update")
def update(
    file: Annotated[
        Path, typer.Option("--file", help="Designate pools.yaml.", exists=True, dir_okay=False)
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the changes only.")] = False,
    delete: Annotated[
        bool, typer.Option("--delete", help="Delete pools the file lacks (never ones with zones).")
    ] = False,
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Create and update pools from FILE (matched by id, else name), in one transaction.

    Everything is checked before anything is written; exits 1 on an invalid file or a refused
    change. Zones of a pool whose ns_records change get the new apex NS and SOA MNAME.
    """
    console = Console(highlight=False)
    settings = options.settings(config_file, database_url=database_url, data_dir=data_dir)
    desired = _read(console, file)
    try:
        result = failure.run(
            _run(settings, pool_service.apply, desired, delete, dry_run, create=not dry_run)
        )
    except errors.ZonekeeperError as error:
        _fail(console, [error.message or error.type])
    _print_changes(console, result)


@app.command("show")
def show(
    output: Annotated[Format, typer.Option("--format", help="yaml (pools.yaml) or table.")] = (
        Format.yaml
    ),
    pool: Annotated[str | None, typer.Option("--pool", help="Only the pool of this name.")] = None,
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Print the live pools; ``--format yaml`` is a pools.yaml that ``update`` takes back
    unchanged."""
    console = Console(highlight=False)
    settings = options.settings(config_file, database_url=database_url, data_dir=data_dir)
    specs = failure.run(_run(settings, _current, create=False))
    if pool is not None:
        specs = [spec for spec in specs if spec.name == pool]
        if not specs:
            _fail(console, [f"no pool named {pool!r}"])
    if output is Format.yaml:
        typer.echo(dump(specs), nl=False)
    else:
        console.print(_table(specs))


def dump(specs: Sequence[PoolSpec]) -> str:
    """``specs`` as pools.yaml text."""
    documents = [pool_specs.to_json(spec) for spec in specs]
    return yaml.safe_dump(documents, sort_keys=False, default_flow_style=False)


def check_target(kind: str, options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``domain.pools.TargetCheck`` over ``backends.load``: each problem with its option key."""
    try:
        backends.load(kind, options)
    except pydantic.ValidationError as invalid:
        return [(".".join(map(str, e["loc"])), e["msg"].lower()) for e in invalid.errors()]
    except ValueError as error:
        return [("", str(error))]
    return []


def _read(console: Console, file: Path) -> tuple[PoolSpec, ...]:
    try:
        document = yaml.safe_load(file.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        _fail(console, [f"{file}: cannot read: {error}"])
    try:
        return pool_specs.parse(document, check_target)
    except errors.InvalidObject as invalid:
        _fail(console, [f"{file}: {reason.message}" for reason in invalid.errors])


async def _run(settings: config.Settings, call: Any, *args: Any, create: bool) -> Any:
    """``call(ctx, env, *args)`` on the configured database. With ``create``, an embedded
    SQLite database is made (and migrated) when missing, as ``serve`` does, so pools can be
    loaded before the first start; otherwise (reads, a dry run) the database must exist and be
    migrated (``migrate.NotReady``), and nothing is created."""
    url = settings.effective_database_url()
    if create and url.startswith("sqlite"):
        await migrate.upgrade(url)
    else:
        await migrate.require_current(url)
    db = Database(url)
    try:
        env = ServiceEnv(db=db, settings=settings)
        return await call(context.internal(), env, *args)
    finally:
        await db.close()


async def _current(ctx: context.RequestContext, env: ServiceEnv) -> list[PoolSpec]:
    return await pool_service.current(ctx, env)


def _fail(console: Console, messages: Sequence[str]) -> NoReturn:
    err = Console(stderr=True, highlight=False)
    for message in messages:
        err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(1)


def _print_changes(console: Console, result: pool_service.PoolChanges) -> None:
    if result.dry_run:
        console.print("[bold]dry run[/bold]: nothing written")
    for change in result.changes:
        pool_id = change.pool.id or ""
        _print_change(
            console,
            change,
            result.rewritten_zones.get(pool_id, 0),
            result.repushed_zones.get(pool_id, 0),
        )
        if change.pool.catalog_zone is not None:
            note = "catalog_zone accepted and checked, not stored (no column for it yet)"
            console.print(f"    note: {note}", markup=False)
    if not result.changed:
        console.print("no changes")


def _print_change(console: Console, change: PoolChange, rewritten: int, repushed: int) -> None:
    pool = change.pool
    if change.verb is Verb.UNCHANGED:
        console.print(f"= pool {pool.name!r} ({pool.id}): no changes", markup=False)
        return
    console.print(f"{_MARKS[change.verb]} pool {escape(repr(pool.name))}[/] ({pool.id})")
    for field in change.fields:
        old, new = _compact(field.old), _compact(field.new)
        console.print(f"    {field.field}: {old} -> {new}", markup=False, soft_wrap=True)
    if rewritten:
        console.print(f"    zones given the new apex NS and SOA MNAME: {rewritten}", markup=False)
    if repushed:
        console.print(f"    zones pushed again to its targets and nameservers: {repushed}")


def _compact(value: Any) -> str:
    return "-" if value is None else json.dumps(value, sort_keys=True)


def _table(specs: Sequence[PoolSpec]) -> Table:
    table = Table("name", "id", "ns_records", "nameservers", "targets", "also_notifies")
    for spec in specs:
        table.add_row(
            spec.name,
            spec.id,
            "\n".join(f"{r.hostname} ({r.priority})" for r in spec.ns_records),
            "\n".join(f"{s.host}:{s.port}" for s in spec.nameservers),
            "\n".join(f"{t.type} {t.description or ''}".strip() for t in spec.targets),
            "\n".join(f"{s.host}:{s.port}" for s in spec.also_notifies),
        )
    return table
