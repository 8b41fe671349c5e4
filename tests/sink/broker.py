"""The real RabbitMQ on 127.0.0.1:5672 for sink tests: names unique per test, publishing with
oslo.messaging's own Notifier (the library Nova and Neutron use), and cleanup."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import pytest

from zonekeeper.config import SinkSettings
from zonekeeper.service.env import ServiceEnv
from zonekeeper.sink.consumer import Consumer
from zonekeeper.sink.notification import Notification

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
OSLO_WARNINGS = [
    # oslo.messaging's own imports (eventlet and oslo.service deprecations), not ours.
    pytest.mark.filterwarnings(r"ignore:\s*Eventlet is deprecated"),
    pytest.mark.filterwarnings("ignore:eventletutils module is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings(
        "ignore:The 'oslo_service.eventlet_backdoor' module usage is deprecated:DeprecationWarning"
    ),
]
"""Marks for a test module that publishes with oslo.messaging (``Publisher``)."""
OSLO_URL = "rabbit://guest:guest@127.0.0.1:5672/"


@dataclass
class Names:
    """Exchanges, topic and queue of one test, so that tests never see each other."""

    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:10])

    @property
    def nova(self) -> str:
        return f"nova-{self.suffix}"

    @property
    def neutron(self) -> str:
        return f"neutron-{self.suffix}"

    @property
    def topic(self) -> str:
        return f"notifications-{self.suffix}"

    @property
    def queue(self) -> str:
        return f"zonekeeper-sink-{self.suffix}"


class Publisher:
    """Publishes as Nova and Neutron do: a messagingv2 Notifier per service, each on its own
    control exchange."""

    def __init__(self, names: Names) -> None:
        self.notifiers = {
            "nova": _notifier(names.nova, names.topic, "compute.host-1"),
            "neutron": _notifier(names.neutron, names.topic, "network.host-1"),
        }

    async def publish(self, service: str, event_type: str, payload: dict[str, Any]) -> None:
        """Publish at priority info (blocking kombu, so in a thread)."""
        notifier = self.notifiers[service]
        context = _nova_context(project_name="demo", user_id="u-1")
        await asyncio.to_thread(notifier.info, context, event_type, payload)

    def close(self) -> None:
        for notifier in self.notifiers.values():
            notifier.transport.cleanup()


def _nova_context(**fields: str) -> Any:
    """A request context as Nova's and Neutron's: oslo.context's, whose dict also carries the
    names (``project_name``). The Notifier drops a plain dict context."""
    from oslo_context.context import RequestContext  # type: ignore[import-untyped]

    class ServiceContext(RequestContext):  # type: ignore[misc]
        def to_dict(self) -> dict[str, Any]:
            names = {"project_name": self.project_name, "user_name": self.user_name}
            return {**super().to_dict(), **names}

    return ServiceContext(**fields)


def _notifier(exchange: str, topic: str, publisher_id: str) -> Any:
    # Imported here, inside a test, where its modules' deprecation warnings are filtered.
    # oslo.messaging imports eventlet, whose greendns re-imports dnspython into new module
    # objects (dnspython's isinstance checks then fail in this process): keep it out.
    os.environ.setdefault("EVENTLET_NO_GREENDNS", "yes")
    import oslo_messaging  # type: ignore[import-untyped]
    from oslo_config import cfg

    conf = cfg.ConfigOpts()
    conf([], project="zonekeeper-tests")
    # The driver reads control_exchange when it is made; the first transport registers it.
    oslo_messaging.get_notification_transport(conf, url=OSLO_URL).cleanup()
    conf.set_override("control_exchange", exchange)
    transport = oslo_messaging.get_notification_transport(conf, url=OSLO_URL)
    return oslo_messaging.Notifier(
        transport, driver="messagingv2", publisher_id=publisher_id, topics=[topic]
    )


async def publish_raw(exchange: str, routing_key: str, body: bytes) -> None:
    """Publish bytes as they are (for poison messages)."""
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        target = await channel.get_exchange(exchange)
        await target.publish(aio_pika.Message(body), routing_key=routing_key)


async def queue_depth(name: str) -> int:
    """Messages waiting in the queue ``name``."""
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        return int(queue.declaration_result.message_count or 0)


async def delete_everything(names: Names) -> None:
    """Remove the test's queues and exchanges (oslo leaves its `<topic>.info` queue too)."""
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        for queue in (names.queue, f"{names.queue}.dead", f"{names.topic}.info"):
            await channel.queue_delete(queue)
        for exchange in (names.nova, names.neutron, f"{names.queue}.dead"):
            await channel.exchange_delete(exchange)


def settings(names: Names, **overrides: Any) -> SinkSettings:
    """Sink settings on the test's exchanges, topic and queue, with quick retries."""
    base: dict[str, Any] = {
        "broker_url": AMQP_URL,
        "exchanges": [names.nova, names.neutron],
        "topic": names.topic,
        "queue": names.queue,
        "reconnect_interval": 0.2,
        "retry_delay": 0.05,
    }
    return SinkSettings(**{**base, **overrides})


@contextlib.asynccontextmanager
async def running(env: ServiceEnv, sink_settings: SinkSettings) -> AsyncIterator[Consumer]:
    """A Consumer running (queue declared and consumed) until the block ends. Fails, never
    skips, without RabbitMQ: connecting first raises when nothing listens on 5672."""
    await (await aio_pika.connect(AMQP_URL)).close()
    consumer = Consumer(env, sink_settings)
    task = asyncio.create_task(consumer.run())
    await asyncio.wait_for(consumer.ready.wait(), 10)
    try:
        yield consumer
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def settled(consumer: Consumer, processed: int) -> None:
    """Wait until ``processed`` messages were handled, acknowledged or dead-lettered."""

    async def done() -> bool:
        stats = consumer.stats
        return stats["processed"] + stats["dead_lettered"] + stats["ignored"] >= processed

    await eventually(done)


class Gate:
    """A handler double: holds each event until ``opened``; fails its first call when
    ``fail_first`` (as a database outage would)."""

    name = "gate"
    event_types = frozenset({"test.gate"})

    def __init__(self, fail_first: bool = False) -> None:
        self.fail_first = fail_first
        self.calls = 0
        self.entered = asyncio.Event()
        self.opened = asyncio.Event()

    async def handle(self, notes: Sequence[Notification]) -> None:
        self.calls += 1
        self.entered.set()
        if self.fail_first and self.calls == 1:
            raise RuntimeError("database down (double)")
        await self.opened.wait()
