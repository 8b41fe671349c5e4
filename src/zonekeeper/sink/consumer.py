"""The consumer: one durable queue bound to the Nova and Neutron exchanges, each message
handled in turn and acknowledged only once its effect is committed.

A message no retry can handle is rejected without requeue, so the broker moves it to the
dead-letter queue ``<queue>.dead`` (the reason is logged and counted). Any other failure
(the database is down) is retried in place with backoff, which keeps the order of events.
The connection is robust: a lost broker is reconnected with backoff, and messages that were
not acknowledged are delivered again (handling is idempotent).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from zonekeeper.config import SinkSettings
from zonekeeper.domain import errors
from zonekeeper.service.env import ServiceEnv
from zonekeeper.sink import handlers, notification
from zonekeeper.sink.notification import Notification, Unhandleable

log = logging.getLogger("zonekeeper.sink")

MAX_BACKOFF = 30.0


class Consumer:
    """Runs the sink until cancelled. ``stats`` counts processed, ignored, dead-lettered
    and retried messages (per handler too) and the last lag in milliseconds; ``ready`` is
    set once the queue is declared, bound and consumed."""

    def __init__(self, env: ServiceEnv, settings: SinkSettings) -> None:
        self.env = env
        self.settings = settings
        self.handlers = handlers.build(env, settings)
        self.stats: Counter[str] = Counter()
        self.ready = asyncio.Event()
        self.connection: AbstractRobustConnection | None = None

    async def run(self) -> None:
        """Connect (retrying with backoff until the broker answers), then consume forever."""
        self.connection = await self._connect()
        try:
            channel = await self.connection.channel()
            await channel.set_qos(prefetch_count=self.settings.prefetch)
            queue = await self._declare(channel)
            async with queue.iterator() as messages:
                self.ready.set()
                log.info("sink consuming %s", self.settings.queue)
                async for message in messages:
                    await self._process(message)
        finally:
            self.ready.clear()
            await self.connection.close()

    async def _connect(self) -> AbstractRobustConnection:
        delay = self.settings.reconnect_interval
        while True:
            try:
                return await aio_pika.connect_robust(
                    self.settings.broker_url,
                    reconnect_interval=self.settings.reconnect_interval,
                )
            except (OSError, aio_pika.exceptions.AMQPError) as error:
                log.warning("broker unreachable (%s); retrying in %.1fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    async def _declare(self, channel: AbstractChannel) -> AbstractQueue:
        """Our durable queue, its dead-letter exchange and queue, and the bindings to every
        exchange on ``<topic>.info``. Idempotent (the robust channel redoes it on reconnect)."""
        name, dead = self.settings.queue, f"{self.settings.queue}.dead"
        dead_exchange = await channel.declare_exchange(
            dead, aio_pika.ExchangeType.FANOUT, durable=True
        )
        dead_queue = await channel.declare_queue(dead, durable=True)
        await dead_queue.bind(dead_exchange)
        queue = await channel.declare_queue(
            name, durable=True, arguments={"x-dead-letter-exchange": dead}
        )
        for exchange_name in self.settings.exchanges:
            exchange = await channel.declare_exchange(
                exchange_name,
                aio_pika.ExchangeType.TOPIC,
                durable=self.settings.durable_exchanges,
            )
            await queue.bind(exchange, routing_key=f"{self.settings.topic}.info")
        return queue

    async def _process(self, message: AbstractIncomingMessage) -> None:
        """Handle one message and settle it: ack once committed, reject to the dead-letter
        queue when it cannot be handled."""
        note = None
        try:
            note = notification.parse(message.body)
            await self._handle_until_done(note)
        except (Unhandleable, errors.ZonekeeperError) as error:
            what = f"{note.event_type} {note.message_id}" if note else message.message_id
            await self._dead_letter(message, what or "?", error)
            return
        await _settle(message.ack())

    async def _handle_until_done(self, note: Notification) -> None:
        """Run the event's handlers in turn, each retrying passing failures with backoff (a
        handler that is done is not run again). Raises Unhandleable or ZonekeeperError for
        bad data."""
        chosen = self.handlers.get(note.event_type, ())
        if not chosen:
            self.stats["ignored"] += 1
            return
        for handler in chosen:
            await self._run_until_done(handler, note)
        self._count(note)

    async def _run_until_done(self, handler: handlers.Handler, note: Notification) -> None:
        delay = self.settings.retry_delay
        while True:
            try:
                await handler.handle(note)
                break
            except (Unhandleable, errors.ZonekeeperError):
                self.stats[f"{handler.name}.failed"] += 1
                raise
            except Exception:
                self.stats[f"{handler.name}.failed"] += 1
                self.stats["retried"] += 1
                log.exception(
                    "%s %s failed; retrying in %.1fs", note.event_type, note.message_id, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
        self.stats[f"{handler.name}.processed"] += 1

    def _count(self, note: Notification) -> None:
        self.stats["processed"] += 1
        if note.timestamp is not None:
            lag = self.env.now() - note.timestamp
            self.stats["lag_ms"] = max(0, int(lag.total_seconds() * 1000))

    async def _dead_letter(
        self,
        message: AbstractIncomingMessage,
        what: str,
        error: Unhandleable | errors.ZonekeeperError,
    ) -> None:
        reason = error.reason if isinstance(error, Unhandleable) else f"{error.type}: {error}"
        self.stats["dead_lettered"] += 1
        log.warning("dead-lettering message %s: %s", what, reason)
        await _settle(message.reject(requeue=False))


async def _settle(outcome: Any) -> None:
    """Await an ack/reject; on a channel lost meanwhile the broker redelivers the message,
    which handling repeated is harmless."""
    try:
        await outcome
    except (aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as error:
        log.warning("could not settle a message (%s); it will be delivered again", error)
