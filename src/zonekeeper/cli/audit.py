"""``zonekeeper audit``: nameservers that lost a zone's serial, and targets' orphan and
missing zones. Every run ends with what it checked, so a clean run says so.

Exit codes: 0 nothing found (or repaired), 1 something found and not repaired, 2 repair
refused as a mass deletion (nothing deleted).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from zonekeeper.cli import failure
from zonekeeper.config import Settings
from zonekeeper.storage import migrate

if TYPE_CHECKING:
    from zonekeeper.worker import audit as audits


def run(console: Console, settings: Settings, repair: bool, force: bool, threshold: int) -> int:
    """Report (and with ``repair`` mend) what the pool audits find; returns the exit code."""
    # Imported here so `--help` stays fast.
    from zonekeeper.service.env import ServiceEnv
    from zonekeeper.storage.database import Database
    from zonekeeper.worker import audit as audits

    async def both() -> tuple[audits.SerialReport, audits.OrphanReport]:
        await migrate.require_current(settings.effective_database_url())
        env = ServiceEnv(db=Database(settings.effective_database_url()), settings=settings)
        try:
            serials = await audits.serial_audit(env, repair=repair)
            return serials, await audits.orphan_audit(env, repair, force, threshold)
        finally:
            await env.db.close()

    try:
        serials, orphans = failure.run(both())
    except audits.UnsafeRepair as error:
        console.print(
            f"[red]refused:[/red] {escape(str(error))}; rerun with --force to delete them"
        )
        return 2
    _print_findings(console, serials, orphans)
    _print_checked(console, serials, orphans)
    if repair:
        console.print(
            f"repaired: {orphans.deleted} orphans deleted, {orphans.requeued} zones re-pushed"
        )
    found = (
        serials.lagging
        or orphans.errors
        or any(orphans.orphans.values())
        or any(orphans.missing.values())
    )
    return 1 if found and not repair else 0


def _print_findings(
    console: Console, serials: audits.SerialReport, orphans: audits.OrphanReport
) -> None:
    for zone in serials.lagging:
        console.print(
            f"[yellow]serial[/yellow] {escape(zone.zone_name)} (serial {zone.serial}): "
            f"{escape(zone.reasons)}"
        )
    for target, names in orphans.orphans.items():
        for name in sorted(names):
            console.print(f"[yellow]orphan[/yellow] {escape(target)} holds {name}, unknown to us")
    for target, names in orphans.missing.items():
        for name in sorted(names):
            console.print(f"[yellow]missing[/yellow] {escape(target)} lacks {name}")
    for target, message in orphans.errors.items():
        console.print(f"[red]unreachable[/red] {escape(target)}: {escape(message)}")


def _print_checked(
    console: Console, serials: audits.SerialReport, orphans: audits.OrphanReport
) -> None:
    console.print(
        f"checked: {serials.zones} ACTIVE zones on {len(serials.nameservers)} nameservers, "
        f"{len(serials.lagging)} behind"
    )
    compared = len(orphans.orphans) + len(orphans.errors)
    if not compared:
        console.print("checked: no targets besides the mini-DNS, no orphans possible")
        return
    orphan_count = sum(len(names) for names in orphans.orphans.values())
    missing_count = sum(len(names) for names in orphans.missing.values())
    console.print(
        f"checked: {compared} targets against the {orphans.zones} zones of their pools, "
        f"{orphan_count} orphans, {missing_count} missing, {len(orphans.errors)} unreachable"
    )
