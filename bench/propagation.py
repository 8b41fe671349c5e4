"""Time from the API's 202 to the record being answered by the nameserver (the embedded
mini-DNS) and to the zone being ACTIVE: p50/p95 over 200 sequential changes.

Targets: p50 < 10 ms to answered, < 50 ms to ACTIVE (Designate: 2.5 s and 5.4 s).
The in-run baseline is the bare cost of the probes themselves: one API GET and one UDP query.
"""

from __future__ import annotations

import argparse
import http.client
import json
import time

import dns.message
import dns.query
from _common import machine, start, summary_ms


class Api:
    """A keep-alive HTTP connection, so the probe measures our server, not TCP set-up."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(
        self, method: str, path: str, body: dict[str, object] | None = None
    ) -> dict[str, object]:
        payload = json.dumps(body) if body is not None else None
        self.conn.request(method, path, payload, {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        data = json.loads(response.read())
        if response.status >= 400:
            raise RuntimeError(data)
        return data  # type: ignore[no-any-return]


def answered(name: str, port: int) -> bool:
    reply = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", timeout=1, port=port)
    return bool(reply.answer)


def measure(changes: int) -> None:
    server = start("sqlite")
    try:
        api = Api(server.api_port)
        zone = api.call("POST", "/v2/zones", {"name": "prop.example.", "email": "a@prop.example"})
        zone_path = f"/v2/zones/{zone['id']}"
        while api.call("GET", zone_path)["status"] != "ACTIVE":
            time.sleep(0.01)
        to_answer, to_active, get_floor, dns_floor = [], [], [], []
        for i in range(changes):
            name = f"r{i}.prop.example."
            started = time.perf_counter()
            api.call(
                "POST",
                f"{zone_path}/recordsets",
                {"name": name, "type": "A", "records": ["192.0.2.1"]},
            )
            accepted = time.perf_counter()
            while not answered(name, server.dns_port):
                pass
            to_answer.append(time.perf_counter() - accepted)
            while api.call("GET", zone_path)["status"] != "ACTIVE":
                pass
            to_active.append(time.perf_counter() - accepted)
            del started
            t = time.perf_counter()
            api.call("GET", zone_path)
            get_floor.append(time.perf_counter() - t)
            t = time.perf_counter()
            answered(name, server.dns_port)
            dns_floor.append(time.perf_counter() - t)
            time.sleep(0.02)
        print(f"202 -> answered by mini-DNS: {summary_ms(to_answer)}")
        print(f"202 -> zone ACTIVE:          {summary_ms(to_active)}")
        print(f"baseline, one API GET:       {summary_ms(get_floor)}")
        print(f"baseline, one UDP query:     {summary_ms(dns_floor)}")
        print("Designate (same machine class): 2.5 s to answered, 5.4 s to ACTIVE")
    finally:
        server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    print(f"propagation on {machine()}")
    measure(args.changes)


if __name__ == "__main__":
    main()
