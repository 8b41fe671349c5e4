"""Recordset creates (1 and 16 clients) and zone list pages (16 clients) against `serve`,
on SQLite and PostgreSQL, with `GET /` (the HTTP stack alone) as the in-run baseline.

Targets (2 cores): >= 1,000 creates/s with p95 < 50 ms on SQLite at 16 clients;
>= 1,000 list requests/s. OpenStack Designate does 15-25 creates/s and 15 lists/s here.
"""

from __future__ import annotations

import argparse

from _common import call, machine, start, wrk

CREATE_SCRIPT = """
local counter = 0

local next_id = 0
setup = function(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"name": "RUN-h%d-%d.bench.example.", "type": "A", "records": ["192.0.2.%d"]}',
    thread_id, counter, counter % 250 + 1)
  return wrk.format("POST", "/v2/zones/ZONE_ID/recordsets",
    {["Content-Type"] = "application/json"}, body)
end
"""


def run(database: str, seconds: int) -> None:
    server = start(database)
    try:
        base = server.base_url
        zone = call(
            "POST", f"{base}/v2/zones", {"name": "bench.example.", "email": "a@bench.example"}
        )
        for i in range(40):
            call(
                "POST",
                f"{base}/v2/zones",
                {"name": f"z{i}.list.example.", "email": "a@list.example"},
            )
        floor = wrk(f"{base}/", 16, seconds)
        print(
            f"[{database}] baseline GET / (16 clients): {floor['rps']:.0f} req/s, "
            f"p50 {floor['p50']:.1f} ms"
        )
        for clients in (1, 16):
            script = CREATE_SCRIPT.replace("ZONE_ID", zone["id"]).replace("RUN", f"c{clients}")
            result = wrk(base, clients, seconds, script)
            print(
                f"[{database}] recordset create, {clients:2d} clients: "
                f"{result['rps']:.0f} creates/s, "
                f"p50 {result['p50']:.1f} / p95 {result['p95']:.1f} / p99 {result['p99']:.1f} ms, "
                f"errors {result['errors']} ({result['rps'] / floor['rps']:.0%} of the GET / floor)"
            )
        listing = wrk(f"{base}/v2/zones?limit=20", 16, seconds)
        print(
            f"[{database}] GET /v2/zones pages of 20, 16 clients: {listing['rps']:.0f} req/s, "
            f"p50 {listing['p50']:.1f} / p95 {listing['p95']:.1f} ms, errors {listing['errors']}"
        )
    finally:
        server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    print(f"api_write on {machine()}")
    for database in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        run(database, args.seconds)


if __name__ == "__main__":
    main()
