"""``zonekeeper audit --managed``: managed records whose instance, floating IP or port is gone.

Exit codes: 0 nothing stale (or all of it removed), 1 stale records left or a service that
could not tell, 2 removal refused as a mass deletion (nothing removed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import rich.markup
from rich.console import Console

from zonekeeper.cli import failure
from zonekeeper.config import Settings
from zonekeeper.storage import migrate

if TYPE_CHECKING:
    from zonekeeper.worker.managed_audit import ManagedReport


def run(console: Console, settings: Settings, repair: bool, force: bool, threshold: int) -> int:
    """Report (and with ``repair`` remove) stale managed records; returns the exit code."""
    # Imported here so `--help` stays fast; app is the one composition root (Nova, Neutron).
    from zonekeeper.app import service_env
    from zonekeeper.worker import managed_audit
    from zonekeeper.worker.audit import UnsafeRepair

    async def audit() -> tuple[ManagedReport, UnsafeRepair | None]:
        await migrate.require_current(settings.effective_database_url())
        env = service_env(settings)
        try:
            report = await managed_audit.find_stale(env)
            _print_report(console, report)  # reported before anything is removed
            if not repair or not report.stale:
                return report, None
            try:
                await managed_audit.remove_stale(env, report, force, threshold)
            except UnsafeRepair as refusal:
                return report, refusal
            return report, None
        finally:
            await env.db.close()

    report, refusal = failure.run(audit())
    if refusal is not None:
        console.print(
            f"[red]refused:[/red] {_esc(str(refusal))}; rerun with --force to remove them"
        )
        return 2
    if repair and report.stale:
        console.print(f"removed {report.removed} records of {len(report.stale)} stale resources")
    left = report.stale and not repair
    return 1 if left or report.errors else 0


def _print_report(console: Console, report: ManagedReport) -> None:
    for stale in report.stale:
        for record in stale.records:
            console.print(
                f"[yellow]stale[/yellow] {stale.kind} {_esc(stale.resource_id)} is gone: "
                f"{_esc(record.name)} {record.type} {_esc(record.data)} "
                f"({_esc(record.managed_by.plugin_name)})"
            )
    for kind, reason in sorted(report.unconfigured.items()):
        console.print(f"not checked: {report.records[kind]} {kind} records ({reason})")
    for kind, reason in sorted(report.errors.items()):
        console.print(f"[red]unreachable[/red] {kind}: {_esc(reason)}; nothing of it judged")
    if not report.records:
        console.print("checked: 0 managed records, nothing to ask Nova or Neutron about")
    checked = sorted(set(report.records) - set(report.unconfigured) - set(report.errors))
    for kind in checked:
        count = report.stale_records(kind)
        console.print(f"checked: {report.records[kind]} {kind} records, {count} stale")


def _esc(text: str) -> str:
    return rich.markup.escape(text)
