"""``zonekeeper status``: the processes' heartbeats, the zones waiting, and the latest
resolution probes (canaries), read from the database any process shares; and the part of
``zonekeeper doctor`` that shows a zone's last changes.

Exit codes: 0 all well; 1 a process silent for STALE seconds, a zone in ERROR, or a
nameserver that missed the latest canary.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from rich.console import Console
from rich.markup import escape

from zonekeeper.cli import failure
from zonekeeper.config import Settings
from zonekeeper.storage import migrate

if TYPE_CHECKING:
    from zonekeeper.storage import observed
    from zonekeeper.worker import trace

STALE: Final = 60.0
"""Seconds without a heartbeat after which a process counts as gone (six missed beats)."""


def run(console: Console, settings: Settings) -> int:
    """Print the status; returns the exit code."""
    beats, counts = failure.run(_read(settings))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    healthy = True
    console.print("[bold]processes[/bold]")
    canaries: dict[str, Any] = {}
    for beat in beats:
        age = (now - beat["heartbeated_at"]).total_seconds()
        stale = age > STALE
        healthy &= not stale
        mark = "[red]gone[/red]" if stale else "[green]up[/green]  "
        console.print(
            f"  {mark} {escape(beat['service_name'])} on {escape(beat['hostname'])}: "
            f"last heartbeat {age:.0f} s ago"
        )
        canaries |= beat["stats"].get("canaries", {}) if not stale else {}
    if not beats:
        console.print("  none has heartbeated yet")
    pending = counts.pending_older_than.get(0, 0)
    console.print(
        f"[bold]zones[/bold]\n  {pending} PENDING "
        f"({counts.pending_older_than.get(300, 0)} for over 5 min), "
        f"{counts.error} ERROR"
    )
    healthy &= counts.error == 0
    console.print("[bold]resolution probes[/bold]")
    if not canaries:
        console.print("  none (set telemetry.canary_zones to probe a pool)")
    for pool, probe in sorted(canaries.items()):
        healthy &= _print_canary(console, pool, probe)
    return 0 if healthy else 1


async def _read(settings: Settings) -> tuple[list[dict[str, Any]], observed.ZoneCounts]:
    from zonekeeper.storage import observed, service_statuses
    from zonekeeper.storage.database import Database

    url = settings.effective_database_url()
    await migrate.require_current(url)
    db = Database(url)
    try:
        async with db.read() as conn:
            beats = await service_statuses.all_rows(conn)
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            counts = await observed.zone_counts(conn, now, (0, 300))
    finally:
        await db.close()
    return beats, counts


def _print_canary(console: Console, pool: str, probe: dict[str, Any]) -> bool:
    """One pool's latest probe; whether every nameserver answered it."""
    head = f"  pool {escape(pool)} (zone {escape(str(probe.get('zone')))}, {probe.get('at')})"
    if "error" in probe:
        console.print(f"{head}: [red]failed[/red]: {escape(str(probe['error']))}")
        return False
    console.print(f"{head}:")
    answered = True
    for server, seconds in sorted(probe.get("seconds", {}).items()):
        if seconds is None:
            answered = False
            console.print(f"    [red]no answer[/red] {escape(server)}")
        else:
            console.print(f"    [green]{seconds:.2f} s[/green] {escape(server)}")
    return answered


def print_changes(console: Console, steps: list[trace.Step]) -> None:
    """``zonekeeper doctor``'s last changes, newest first."""
    if not steps:
        return
    console.print("last changes (newest first):")
    for step in steps:
        rid = step.request_id or "no request id"
        at = step.committed_at.isoformat(timespec="milliseconds")
        console.print(f"  serial {step.serial} committed {at}Z by {escape(rid)}")
        for server, how in sorted(step.nameservers.items()):
            console.print(f"    {escape(server)}: {escape(how)}")
