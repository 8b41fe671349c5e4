"""Recordset creates and zone list pages over HTTP, with `GET /` (the HTTP stack alone) as the
in-run baseline:

- SQLite (`serve`, the embedded default): creates at 1 and 16 clients into one zone, list
  pages at 16 clients, and a 10-s burst of creates at 16 clients followed by the time until
  every one of them is ACTIVE (the worker keeping up).
- PostgreSQL: `serve` plus 0, 1 or 3 `zonekeeper api` processes (1, 2, 4 API processes on one
  database), 16 clients spread evenly over them, creating into 8 zones in turn; the same burst
  with 2 API processes.

Targets (2 cores): >= 1,000 creates/s with p95 < 50 ms on SQLite at 16 clients; >= 500/s on
PostgreSQL with 2 API processes; every create of the burst ACTIVE <= 1 s after it ends;
>= 1,000 list requests/s. OpenStack Designate does 15-25 creates/s and 15 lists/s here
(measured on this machine class, quoted).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import UNLIMITED, call, machine, start, wrk

from tests.e2e.serve import Serve

CREATE_SCRIPT = """
local counter = 0
local zones = {ZONES}

local next_id = 0
setup = function(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end
request = function()
  counter = counter + 1
  local zone = zones[(counter + thread_id) % #zones + 1]
  local body = string.format(
    '{"name": "RUN-h%d-%d.' .. zone[2] .. '", "type": "A", "records": ["192.0.2.%d"]}',
    thread_id, counter, counter % 250 + 1)
  return wrk.format("POST", "/v2/zones/" .. zone[1] .. "/recordsets",
    {["Content-Type"] = "application/json"}, body)
end
"""


def create_script(zones: list[dict[str, str]], run: str) -> str:
    table = ", ".join(f'{{"{zone["id"]}", "{zone["name"]}"}}' for zone in zones)
    return CREATE_SCRIPT.replace("{ZONES}", "{" + table + "}").replace("RUN", run)


def new_zone(base: str, name: str) -> dict[str, str]:
    zone: dict[str, str] = call(
        "POST", f"{base}/v2/zones", {"name": name, "email": f"a@{name.rstrip('.')}"}
    )
    return zone


def spread(
    bases: list[str], clients: int, seconds: int, zones: list[dict[str, str]], run: str
) -> dict[str, float]:
    """``clients`` connections creating into ``zones``, spread evenly over the API processes
    at ``bases``, at once: requests/s summed, latency percentiles the worst of the processes'."""
    share = clients // len(bases)

    def one(index: int) -> dict[str, float]:
        return wrk(bases[index], share, seconds, create_script(zones, f"{run}i{index}"))

    with ThreadPoolExecutor(len(bases)) as pool:
        runs = list(pool.map(one, range(len(bases))))
    return {
        "rps": sum(r["rps"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        **{q: max(r[q] for r in runs) for q in ("p50", "p95", "p99")},
    }


def report(label: str, result: dict[str, float], floor: dict[str, float]) -> None:
    print(
        f"{label}: {result['rps']:.0f} creates/s, p50 {result['p50']:.1f} / "
        f"p95 {result['p95']:.1f} / p99 {result['p99']:.1f} ms, errors {result['errors']:.0f} "
        f"({result['rps'] / floor['rps']:.0%} of the GET / floor)"
    )


def pending(base: str, zone_id: str) -> int:
    page = call("GET", f"{base}/v2/zones/{zone_id}/recordsets?status=PENDING&limit=1")
    return int(page["metadata"]["total_count"])


def burst(label: str, bases: list[str], seconds: int) -> None:
    """16 clients create for ``seconds`` into a fresh zone; then the time until none of its
    recordsets is PENDING (polled every 20 ms, up to 60 s)."""
    zone = new_zone(bases[0], f"burst{int(time.time() * 1000)}.example.")
    result = spread(bases, 16, seconds, [zone], "b")
    ended = time.monotonic()
    left = pending(bases[0], zone["id"])
    while left and time.monotonic() - ended < 60:
        time.sleep(0.02)
        left = pending(bases[0], zone["id"])
    lag = time.monotonic() - ended
    state = "all ACTIVE" if not left else f"{left} still PENDING"
    print(
        f"{label} burst {seconds} s at 16 clients: {result['rps']:.0f} creates/s "
        f"({result['rps'] * seconds:.0f} creates), {state} {lag:.2f} s after it ended"
    )


def run_sqlite(seconds: int) -> None:
    server = start("sqlite")
    try:
        base = server.base_url
        zone = new_zone(base, "bench.example.")
        for i in range(40):
            new_zone(base, f"z{i}.list.example.")
        floor = wrk(f"{base}/", 16, seconds)
        print(
            f"[sqlite] baseline GET / (16 clients): {floor['rps']:.0f} req/s, "
            f"p50 {floor['p50']:.1f} ms"
        )
        for clients in (1, 16):
            result = wrk(base, clients, seconds, create_script([zone], f"c{clients}"))
            report(f"[sqlite] recordset create, {clients:2d} clients", result, floor)
        listing = wrk(f"{base}/v2/zones?limit=20", 16, seconds)
        print(
            f"[sqlite] GET /v2/zones pages of 20, 16 clients: {listing['rps']:.0f} req/s, "
            f"p50 {listing['p50']:.1f} / p95 {listing['p95']:.1f} ms, errors {listing['errors']}"
        )
        burst("[sqlite]", [base], 10)
    finally:
        server.terminate()


def run_postgresql(seconds: int, counts: list[int]) -> None:
    server = start("postgresql")
    extra: list[Serve] = []
    try:
        assert server.database_url is not None
        for _ in range(max(counts) - 1):
            data = Path(tempfile.mkdtemp(prefix="zk-bench-api-"))
            extra.append(
                Serve(
                    data,
                    database_url=server.database_url,
                    env=UNLIMITED,
                    command="api",
                    start_timeout=120,  # a loaded machine: imports alone take seconds
                )
            )
        bases = [server.base_url] + [api.base_url for api in extra]
        zones = [new_zone(bases[0], f"pg{i}.bench.example.") for i in range(8)]
        floor = wrk(f"{bases[0]}/", 16, seconds)
        print(
            f"[postgresql] baseline GET / (16 clients, 1 process): {floor['rps']:.0f} req/s, "
            f"p50 {floor['p50']:.1f} ms"
        )
        for count in counts:
            result = spread(bases[:count], 16, seconds, zones, f"p{count}")
            report(
                f"[postgresql] recordset create, 16 clients, {count} API processes", result, floor
            )
        burst("[postgresql, 2 API processes]", bases[:2], 10)
    finally:
        for api in extra:
            api.terminate()
        server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--processes", default="1,2,4", help="API process counts (PostgreSQL)")
    args = parser.parse_args()
    print(f"api_write on {machine()}")
    if args.database in ("sqlite", "both"):
        run_sqlite(args.seconds)
    if args.database in ("postgresql", "both"):
        run_postgresql(args.seconds, [int(n) for n in args.processes.split(",")])


if __name__ == "__main__":
    main()
