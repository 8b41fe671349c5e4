"""ARCHITECTURE.md's "may import" column, enforced: an arrow the wrong way fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "zonekeeper"

MAY_IMPORT = {
    "domain": set(),
    "storage": {"domain"},
    "service": {"domain", "storage", "config"},
    "api": {"service", "domain", "config", "telemetry"},
    "dns": {"domain", "storage", "config", "telemetry"},
    "worker": {"service", "storage", "backends", "domain", "config", "telemetry"},
    "backends": {"domain"},
    "sink": {"service", "domain", "config", "telemetry"},
    "integrations": {"domain", "config"},
    "web": {"service", "domain", "config"},
    "telemetry": set(),
}
"""Every package but ``cli`` (the composition's top, which may import anything). ``web`` reaches
the API as an ASGI app it is handed (web/app.py), so it never imports ``api``."""


def _imported_packages(path: Path) -> set[str]:
    """The zonekeeper packages ``path`` imports, relative imports resolved."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [_absolute(path, node.module, node.level)]
        for name in names:
            parts = name.split(".")
            if parts[0] == "zonekeeper" and len(parts) > 1:
                found.add(parts[1])
    return found


def _absolute(path: Path, module: str | None, level: int) -> str:
    """The absolute name of ``from <level dots><module> import …`` written in ``path``."""
    if level == 0:
        return module or ""
    package = ["zonekeeper", *path.relative_to(SRC).parent.parts]
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, module] if module else base)


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_package_imports_only_what_it_may(package: str) -> None:
    allowed = MAY_IMPORT[package] | {package}
    wrong = {
        f"{path.relative_to(SRC)} imports zonekeeper.{imported}"
        for path in (SRC / package).rglob("*.py")
        for imported in _imported_packages(path) - allowed
    }
    assert not wrong, sorted(wrong)


def test_the_table_covers_every_package() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert packages - {"cli"} == set(MAY_IMPORT), packages ^ set(MAY_IMPORT)


def test_relative_imports_are_resolved() -> None:
    """A relative import cannot slip past the table."""
    inside_api = SRC / "api" / "zones.py"
    assert _absolute(inside_api, "storage", 2) == "zonekeeper.storage"
    assert _absolute(inside_api, None, 1) == "zonekeeper.api"
    assert _absolute(SRC / "app.py", "api", 1) == "zonekeeper.api"
