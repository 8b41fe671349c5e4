"""``zonekeeper``: run the service and operate it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import rich.markup
import typer
from rich.console import Console

from zonekeeper import __version__
from zonekeeper.cli import audit as audit_cli
from zonekeeper.cli import failure, options, pool, token
from zonekeeper.cli import managed as managed_cli
from zonekeeper.cli import status as status_cli
from zonekeeper.cli import zone as zone_cli
from zonekeeper.storage import migrate
from zonekeeper.telemetry import logs

app = typer.Typer(
    help="Zonekeeper: DNS-as-a-Service with a Designate-compatible v2 API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Markdown joins a docstring's wrapped lines into one paragraph; "rich" would keep each
    # source line break in --help.
    rich_markup_mode="markdown",
)
db_app = typer.Typer(
    help="Database schema management.", no_args_is_help=True, rich_markup_mode="markdown"
)
app.add_typer(db_app, name="db")
# soft_wrap: findings stay one line each, whatever the terminal width (and greppable in logs).
console = Console(soft_wrap=True)
app.add_typer(pool.app, name="pool", no_args_is_help=True)
app.add_typer(zone_cli.app, name="zone", no_args_is_help=True)
app.add_typer(token.app, name="token", no_args_is_help=True)


def _logging(level: str, fmt: str = "plain") -> None:
    logs.configure(level, fmt)
    if level.upper() != "DEBUG":
        # Alembic narrates every start ("Context impl SQLiteImpl."); its failures still show.
        logging.getLogger("alembic").setLevel(logging.WARNING)


@app.command()
def serve(
    config_file: options.ConfigOption = None,
    api_listen: options.ApiListenOption = None,
    dns_listen: options.DnsListenOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Run every role in one process: API (with the web UI at /ui/), worker, mini-DNS and
    periodic tasks (and the sink when sink.broker_url is set).

    On the embedded SQLite default the schema is migrated at start. Stops cleanly on Ctrl-C or
    SIGTERM.
    """
    _run_roles(None, config_file, api_listen, dns_listen, database_url, data_dir)


@app.command()
def api(
    config_file: options.ConfigOption = None,
    api_listen: options.ApiListenOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Run only the HTTP API (with the web UI at /ui/). Run any number of copies on a shared
    PostgreSQL or MariaDB database (`zonekeeper db upgrade` first), beside `worker` and `mdns`
    processes."""
    _run_roles("api", config_file, api_listen, None, database_url, data_dir)


@app.command()
def worker(
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Run only the worker and the periodic tasks (audits, journal trimming). On PostgreSQL
    it wakes on every commit of any process (LISTEN/NOTIFY); elsewhere within
    worker.sweep_interval. Copies share the zones through leases."""
    _run_roles("worker", config_file, None, None, database_url, data_dir)


@app.command()
def mdns(
    config_file: options.ConfigOption = None,
    dns_listen: options.DnsListenOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Run only the mini-DNS, answering from the shared database. While the default pool is
    the embedded one, it registers itself there as the nameserver."""
    _run_roles("mdns", config_file, None, dns_listen, database_url, data_dir)


def _run_roles(
    role: str | None,
    config_file: Path | None,
    api_listen: str | None,
    dns_listen: str | None,
    database_url: str | None,
    data_dir: Path | None,
    **more: object,
) -> None:
    """Run one role (None: every role of `serve`) until Ctrl-C or SIGTERM."""
    # imported here so `--help` stays fast
    from zonekeeper.app import ListenError, Role, build

    settings = options.settings(
        config_file,
        api__listen=api_listen,
        dns__listen=dns_listen,
        database_url=database_url,
        data_dir=data_dir,
        **more,
    )
    if role == Role.SINK and not settings.sink.broker_url:
        failure.fail("no broker: set sink.broker_url or --broker-url")
    roles = None if role is None else frozenset({Role(role)})
    try:
        service = build(settings, roles)
    except ValueError as error:  # a setting only a role can judge (a sink name template)
        failure.fail(str(error))
    _logging(settings.log_level, settings.log_format)
    try:
        failure.run(service.serve())
    except ListenError as error:
        failure.fail(str(error))


@db_app.command("upgrade")
def db_upgrade(
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Apply the schema migrations (idempotent); creates the embedded SQLite database when
    it is missing."""
    settings = options.settings(config_file, database_url=database_url, data_dir=data_dir)
    _logging(settings.log_level)
    failure.run(migrate.upgrade(settings.effective_database_url(), revision))
    typer.echo(f"database at {revision}")


@app.command()
def doctor(
    zone: Annotated[str, typer.Argument(help="The zone to check, e.g. example.org.")],
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
    dns_listen: Annotated[
        str | None, typer.Option(help="HOST:PORT the mini-DNS listens on (as given to serve).")
    ] = None,
) -> None:
    """Walk the chain for ZONE (database, mini-DNS, each target, each nameserver) and name the
    broken link, then show its last changes: the API request id of each (as in the logs and
    the x-openstack-request-id header) and when each nameserver served it. Exits 1 when
    something is broken."""
    from zonekeeper.service.env import ServiceEnv
    from zonekeeper.storage.database import Database
    from zonekeeper.worker import doctor as checks
    from zonekeeper.worker import trace

    settings = options.settings(
        config_file, database_url=database_url, data_dir=data_dir, dns__listen=dns_listen
    )

    async def run() -> tuple[list[checks.Finding], list[trace.Step]]:
        await migrate.require_current(settings.effective_database_url())
        db = Database(settings.effective_database_url())
        try:
            env = ServiceEnv(db=db, settings=settings)
            findings = await checks.diagnose(env, zone)
            found = await checks.find_zone(env, zone)
            return findings, [] if found is None else await trace.last_changes(env, found)
        finally:
            await db.close()

    findings, steps = failure.run(run())
    for finding in findings:
        mark = "[green]ok[/green]  " if finding.ok else "[red]FAIL[/red]"
        console.print(
            f"{mark} {rich.markup.escape(finding.where)}: {rich.markup.escape(finding.what)}"
        )
    status_cli.print_changes(console, steps)
    if not all(finding.ok for finding in findings):
        raise typer.Exit(1)


@app.command()
def audit(
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
    managed: Annotated[
        bool,
        typer.Option(
            help="Audit managed records instead: those whose instance (compute_api) or floating "
            "IP or port (network_api) Nova/Neutron no longer report."
        ),
    ] = False,
    repair: Annotated[
        bool,
        typer.Option(
            help="Re-push zones a server lost; delete orphans from backends. With --managed: "
            "remove the stale records."
        ),
    ] = False,
    force: Annotated[bool, typer.Option(help="Delete even past the safety threshold.")] = False,
    threshold: Annotated[
        int,
        typer.Option(
            help="Most orphans --repair deletes unforced. With --managed: most stale records of "
            "one kind, as a percentage of its managed records (one stale resource is always "
            "within it)."
        ),
    ] = 10,
) -> None:
    """Report nameservers that no longer serve a zone's serial, and zones a backend holds that
    we don't (orphans) or lacks. Exits 1 when anything was found, 2 when --repair was refused.

    With --managed: managed records whose instance, floating IP or port
    Nova/Neutron no longer report. Kinds whose API is not configured are not
    checked; an API that fails judges nothing of its kinds. Exits 1 when stale
    records are left or an API failed, 2 when --repair was refused.
    """
    settings = options.settings(config_file, database_url=database_url, data_dir=data_dir)
    if managed:
        raise typer.Exit(managed_cli.run(console, settings, repair, force, threshold))
    raise typer.Exit(audit_cli.run(console, settings, repair, force, threshold))


@app.command()
def sink(
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
    broker_url: Annotated[
        str | None, typer.Option(help="AMQP URL of RabbitMQ (default: sink.broker_url).")
    ] = None,
) -> None:
    """Run only the sink: Nova and Neutron notifications from RabbitMQ into managed records."""
    _run_roles("sink", config_file, None, None, database_url, data_dir, sink__broker_url=broker_url)


@app.command()
def status(
    config_file: options.ConfigOption = None,
    database_url: options.DatabaseOption = None,
    data_dir: options.DataDirOption = None,
) -> None:
    """Show every process's heartbeat (age, role counters), the zones PENDING and in ERROR,
    and the latest resolution probes (`telemetry.canary_zones`): how long after the canary
    record's write each nameserver answered it. Exits 1 when a process has not heartbeated
    for a minute, a zone is in ERROR or a nameserver missed the latest canary."""
    settings = options.settings(config_file, database_url=database_url, data_dir=data_dir)
    raise typer.Exit(status_cli.run(console, settings))


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    app()
