"""The sink under load: Neutron's floating-IP associate/disassociate notifications published
to RabbitMQ in oslo.messaging's exact messagingv2 envelope, handled by `zonekeeper serve`,
checked on the mini-DNS.

1. Burst: 10,000 events (associate one floating IP, disassociate the one 100 before) are queued
   before the sink starts; events/s = 10,000 / (sink consuming -> a sentinel published last
   is answered by the mini-DNS).
2. Paced: associate/disassociate at 100 events/s; lag = publish -> the A record answered
   (associate) or gone (disassociate) on the mini-DNS, asked with dnspython (``Watch``).

Baseline in the same run: the bare RabbitMQ round trip (publish -> an aio-pika consumer that
acks and does nothing), in a burst and paced, so figures read as ratios on a noisy machine.
Targets: >= 500 events/s; p95 lag < 200 ms at 100 events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aio_pika
import dns.asyncquery
import dns.message
import dns.rcode
from _common import call, machine, percentile, summary_ms

from tests.e2e.serve import Serve

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
ZONE = "bench.example."


class Bus:
    """One exchange/topic/queue set per run, declared exactly as the sink declares them (so
    the queue can be filled before the sink starts)."""

    def __init__(self) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.exchange = f"neutron-bench-{suffix}"
        self.topic = f"notifications-bench-{suffix}"
        self.queue = f"zonekeeper-sink-bench-{suffix}"
        self.connection: aio_pika.abc.AbstractConnection | None = None
        self.target: aio_pika.abc.AbstractExchange | None = None

    def env(self, zone_id: str) -> dict[str, str]:
        return {
            "ZONEKEEPER_SINK__BROKER_URL": AMQP_URL,
            "ZONEKEEPER_SINK__EXCHANGES": json.dumps([self.exchange]),
            "ZONEKEEPER_SINK__TOPIC": self.topic,
            "ZONEKEEPER_SINK__QUEUE": self.queue,
            "ZONEKEEPER_SINK__NEUTRON_FLOATINGIP__ZONE_ID": zone_id,
            "ZONEKEEPER_SINK__NEUTRON_FLOATINGIP__FORMAT": "fip-%(ip_address)s.%(zone)s",
            "ZONEKEEPER_SINK__NEUTRON_FLOATINGIP__FALLBACK_FORMAT": "fip-%(id)s.%(zone)s",
        }

    async def open(self) -> None:
        self.connection = await aio_pika.connect(AMQP_URL)
        channel = await self.connection.channel()
        dead = f"{self.queue}.dead"
        await channel.declare_exchange(dead, aio_pika.ExchangeType.FANOUT, durable=True)
        queue = await channel.declare_queue(
            self.queue, durable=True, arguments={"x-dead-letter-exchange": dead}
        )
        self.target = await channel.declare_exchange(self.exchange, aio_pika.ExchangeType.TOPIC)
        await queue.bind(self.target, routing_key=f"{self.topic}.info")

    async def publish(self, event_type: str, payload: dict[str, Any]) -> None:
        assert self.target is not None
        body = json.dumps(envelope(event_type, payload)).encode()
        message = aio_pika.Message(body, content_type="application/json")
        await self.target.publish(message, routing_key=f"{self.topic}.info")

    async def close(self) -> None:
        assert self.connection is not None
        channel = await self.connection.channel()
        for queue in (self.queue, f"{self.queue}.dead"):
            await channel.queue_delete(queue)
        for exchange in (self.exchange, f"{self.queue}.dead"):
            await channel.exchange_delete(exchange)
        await self.connection.close()


def envelope(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What oslo.messaging's messagingv2 driver publishes (oslo_messaging/notify/messaging.py)."""
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    inner = {
        "message_id": str(uuid.uuid4()),
        "publisher_id": "network.bench",
        "event_type": event_type,
        "priority": "INFO",
        "payload": payload,
        "timestamp": now.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "_context_project_name": "bench",
        "_context_user_id": "u-bench",
    }
    return {"oslo.version": "2.0", "oslo.message": json.dumps(inner)}


def address(block: int, i: int) -> str:
    return f"10.{block}.{i // 256 % 256}.{i % 256}"


def fip(block: int, i: int, associated: bool) -> dict[str, Any]:
    return {
        "floatingip": {
            "id": f"fip-{block}-{i}",
            "tenant_id": "bench",
            "project_id": "bench",
            "floating_ip_address": address(block, i),
            "fixed_ip_address": "192.168.0.10" if associated else None,
            "port_id": f"port-{block}-{i}" if associated else None,
        }
    }


def record_name(block: int, i: int) -> str:
    return f"fip-{address(block, i).replace('.', '-')}.{ZONE}"


async def answered(port: int, name: str) -> bool:
    reply = await dns.asyncquery.udp(
        dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=2
    )
    return reply.rcode() == dns.rcode.NOERROR and bool(reply.answer)


async def until(port: int, name: str, present: bool, every: float = 0.002) -> float:
    """Poll the mini-DNS until ``name`` is (or is no longer) answered; returns when. Raises
    TimeoutError after a minute."""
    deadline = time.perf_counter() + 60
    while await answered(port, name) != present:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{name} still {'missing' if present else 'answered'}")
        await asyncio.sleep(every)
    return time.perf_counter()


def start_sink(data_dir: Path, bus: Bus, zone_id: str) -> Serve:
    server = Serve(data_dir, env=bus.env(zone_id))
    deadline = time.monotonic() + 30
    while not any("sink consuming" in line for line in server.lines):
        if time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("the sink did not start:\n" + "\n".join(server.lines))
        time.sleep(0.005)
    return server


async def burst(data_dir: Path, zone_id: str, events: int, run: int) -> float:
    """Events/s of the sink emptying a queue of ``events`` associate/disassociate events."""
    bus = Bus()
    await bus.open()
    try:
        for i in range(events // 2):
            await bus.publish("floatingip.update.end", fip(1, i, True))
            if i >= 100:
                await bus.publish("floatingip.update.end", fip(1, i - 100, False))
        for i in range(max(0, events // 2 - 100), events // 2):
            await bus.publish("floatingip.update.end", fip(1, i, False))
        # The sentinel, last in the queue; new in each run (it stays associated).
        await bus.publish("floatingip.update.end", fip(9, run, True))
        server = start_sink(data_dir, bus, zone_id)
        try:
            started = time.perf_counter()
            done = await until(server.dns_port, record_name(9, run), True, every=0.01)
            return (events + 1) / (done - started)
        finally:
            server.terminate()
    finally:
        await bus.close()


def paced_plan(events: int, behind: int = 400) -> list[tuple[int, bool]]:
    """(floating IP, associate?) in publishing order: associate one, disassociate the one
    ``behind`` before it (published ``behind`` / rate seconds after its association)."""
    plan: list[tuple[int, bool]] = []
    k = 0
    while len(plan) < events:
        plan.append((k, True))
        if k >= behind:
            plan.append((k - behind, False))
        k += 1
    return plan[:events]


class Watch:
    """Times when published events show on the mini-DNS without loading it much: only the
    oldest outstanding event is polled (every 5 ms); once it shows, every event published
    since is asked at once, and the done prefix is recorded. Events are handled in order, so
    nothing later can show first. Errs late, by one query's round trip, never early."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.pending: list[tuple[float, str, bool]] = []
        self.lags: list[float] = []

    async def run(self, total: int) -> None:
        while len(self.lags) < total:
            if not self.pending or not await self._shows(self.pending[0]):
                await asyncio.sleep(0.005)
                continue
            self._done(1, time.perf_counter())
            outstanding = list(self.pending)
            shown = await asyncio.gather(*(self._shows(event) for event in outstanding))
            self._done(shown.index(False) if False in shown else len(shown), time.perf_counter())

    async def _shows(self, event: tuple[float, str, bool]) -> bool:
        _, name, present = event
        return await answered(self.port, name) == present

    def _done(self, count: int, when: float) -> None:
        self.lags += [when - sent for sent, _, _ in self.pending[:count]]
        del self.pending[:count]


async def paced(data_dir: Path, zone_id: str, events: int, rate: float, block: int) -> list[float]:
    """Publish -> answered (or gone) on the mini-DNS, for events at ``rate`` per second, on
    floating IPs of ``block`` (new in each run: some stay associated)."""
    bus = Bus()
    await bus.open()
    server = start_sink(data_dir, bus, zone_id)
    watch = Watch(server.dns_port)
    try:
        watching = asyncio.create_task(watch.run(events))
        begin = time.perf_counter()
        for n, (i, associated) in enumerate(paced_plan(events)):
            await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
            sent = time.perf_counter()
            await bus.publish("floatingip.update.end", fip(block, i, associated))
            watch.pending.append((sent, record_name(block, i), associated))
        await asyncio.wait_for(watching, 120)
        return watch.lags
    finally:
        server.terminate()
        await bus.close()


async def bare_round_trip(events: int, rate: float | None) -> tuple[float, list[float]]:
    """The broker alone: publish -> an aio-pika consumer (prefetch 20) acking with no work.
    Returns (messages/s, latencies); ``rate`` None: as fast as publishing goes."""
    bus = Bus()
    await bus.open()
    assert bus.connection is not None
    channel = await bus.connection.channel()
    await channel.set_qos(prefetch_count=20)
    queue = await channel.declare_queue(bus.queue, passive=True)
    latencies: list[float] = []
    finished = asyncio.Event()

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        sent = float(message.headers["sent"])  # type: ignore[arg-type]
        latencies.append(time.perf_counter() - sent)
        await message.ack()
        if len(latencies) == events:
            finished.set()

    tag = await queue.consume(on_message)
    assert bus.target is not None
    begin = time.perf_counter()
    for n in range(events):
        if rate is not None:
            await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
        body = json.dumps(envelope("floatingip.update.end", fip(3, n, True))).encode()
        message = aio_pika.Message(body, headers={"sent": str(time.perf_counter())})
        await bus.target.publish(message, routing_key=f"{bus.topic}.info")
    await finished.wait()
    elapsed = time.perf_counter() - begin
    await queue.cancel(tag)
    await bus.close()
    return events / elapsed, latencies


def prepare() -> tuple[Path, str]:
    """A data directory whose database holds the zone (made through the API of a first
    `serve`, stopped again: the sink reads its zone id from settings at start)."""
    data_dir = Path(tempfile.mkdtemp(prefix="zk-bench-sink-"))
    server = Serve(data_dir)
    try:
        zone = call("POST", f"{server.base_url}/v2/zones", {"name": ZONE, "email": "a@bench.ex"})
    finally:
        server.terminate()
    return data_dir, str(zone["id"])


async def main_async(events: int, paced_events: int, rate: float, repeat: int) -> None:
    data_dir, zone_id = prepare()
    rates, bare_rates, p50s, p95s, p99s, bare_p95s = [], [], [], [], [], []
    for run in range(1, repeat + 1):
        bare_rate, _ = await bare_round_trip(events, None)
        per_second = await burst(data_dir, zone_id, events, run)
        _, bare_lags = await bare_round_trip(paced_events, rate)
        lags = await paced(data_dir, zone_id, paced_events, rate, 20 + run)
        print(
            f"run {run}: burst of {events:,}: sink {per_second:,.0f} events/s; "
            f"bare broker publish->ack {bare_rate:,.0f} messages/s"
        )
        print(f"run {run}: paced {rate:.0f}/s, publish -> mini-DNS: {summary_ms(lags)}")
        print(
            f"run {run}: paced {rate:.0f}/s, bare broker publish->consume: {summary_ms(bare_lags)}"
        )
        rates.append(per_second)
        bare_rates.append(bare_rate)
        p50s.append(statistics.median(lags) * 1000)
        p95s.append(percentile(lags, 95) * 1000)
        p99s.append(percentile(lags, 99) * 1000)
        bare_p95s.append(percentile(bare_lags, 95) * 1000)
    median = statistics.median
    print(f"medians of {repeat} runs:")
    print(
        f"  burst: {median(rates):,.0f} events/s (target >= 500); "
        f"bare broker {median(bare_rates):,.0f} messages/s"
    )
    print(
        f"  paced {rate:.0f}/s: p50 {median(p50s):.1f} ms, p95 {median(p95s):.1f} ms "
        f"(target < 200 ms), p99 {median(p99s):.1f} ms; bare broker p95 {median(bare_p95s):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--paced-events", type=int, default=2_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"sink on {machine()}")
    asyncio.run(main_async(args.events, args.paced_events, args.rate, args.repeat))


if __name__ == "__main__":
    main()
