"""Shared by the benchmarks: start `serve`, run wrk, percentiles, RSS."""

from __future__ import annotations

import json
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.serve import Serve  # noqa: E402

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
UNLIMITED = {
    "ZONEKEEPER_QUOTAS__ZONES": "-1",
    "ZONEKEEPER_QUOTAS__ZONE_RECORDSETS": "-1",
    "ZONEKEEPER_QUOTAS__ZONE_RECORDS": "-1",
    "ZONEKEEPER_QUOTAS__API_EXPORT_SIZE": "-1",
}


def machine() -> str:
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{platform.node()} ({cpus} cores, {python})"


def start(database: str) -> Serve:
    """`serve` on SQLite (in a temp dir) or on a fresh PostgreSQL database, quotas off."""
    data = Path(tempfile.mkdtemp(prefix="zk-bench-"))
    url = None
    if database == "postgresql":
        name = f"zk_bench_{data.name.replace('-', '_').lower()}"
        subprocess.run(
            ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", f"create database {name}"],
            check=True,
        )
        url = f"postgresql+asyncpg://postgres@127.0.0.1/{name}"
        subprocess.run(
            [
                str(Path(sys.executable).with_name("zonekeeper")),
                "db",
                "upgrade",
                "--database-url",
                url,
            ],
            check=True,
            capture_output=True,
        )
    # A generous start-up wait: on a loaded machine the imports alone take seconds.
    return Serve(data, database_url=url, env=UNLIMITED, start_timeout=120)


def call(method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = response.read()
    return json.loads(payload) if payload else None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"p50 {statistics.median(ms):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
        f"p99 {percentile(ms, 99):.1f} ms (n={len(ms)})"
    )


WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %.3f %.3f %.3f\\n", summary.requests, summary.duration,
      errors, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
      latency:percentile(99) / 1000))
end
"""


def wrk(url: str, connections: int, seconds: int, script: str = "") -> dict[str, float]:
    """Run wrk; returns requests/s, errors (non-2xx/3xx and socket errors) and latency ms."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script + WRK_REPORT)
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(connections, 2)),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "-s",
            lua.name,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", out)
    if not match:
        raise RuntimeError(out)
    requests, micros, errors = (int(match.group(i)) for i in (1, 2, 3))
    return {
        "rps": requests / (micros / 1e6),
        "requests": requests,
        "errors": errors,
        "p50": float(match.group(4)),
        "p95": float(match.group(5)),
        "p99": float(match.group(6)),
    }


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")
