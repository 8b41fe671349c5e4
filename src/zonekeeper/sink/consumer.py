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
from collections.abc import Sequence
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
from zonekeeper.sink import handlers, health, notification
from zonekeeper.sink.notification import Notification, Unhandleable

log = logging.getLogger("zonekeeper.sink")

MAX_BACKOFF = 30.0
Failure = Unhandleable | errors.ZonekeeperError
"""Why a message goes to the dead-letter queue."""


class Consumer:
    """Runs the sink until cancelled. ``stats`` counts processed, ignored, dead-lettered
    and retried messages, and per handler ``<name>.processed`` and ``<name>.failed``
    (attempts that raised); ``report()`` adds the lag, the queue depths and the messages
    buffered here (``health``). ``ready`` is set once the queue is declared, bound and
    consumed."""

    def __init__(self, env: ServiceEnv, settings: SinkSettings) -> None:
        self.env = env
        self.settings = settings
        self.handlers = handlers.build(env, settings)
        self.stats: Counter[str] = Counter(dict.fromkeys(_counter_names(self.handlers), 0))
        self.health = health.Health(env.now)
        self.ready = asyncio.Event()
        self.connection: AbstractRobustConnection | None = None
        self._inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        """Delivered messages not yet taken into a batch (a reconnect feeds the same one)."""

    async def run(self) -> None:
        """Connect (retrying with backoff until the broker answers), then consume forever,
        probing the queues' health every ``health_interval`` seconds."""
        self.connection = await self._connect()
        probing = asyncio.create_task(self._probe_forever())
        try:
            await self._consume(self.connection)
        finally:
            self.ready.clear()
            probing.cancel()
            await self.connection.close()

    async def _consume(self, connection: AbstractRobustConnection) -> None:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=self.settings.prefetch)
        queue = await self._declare(channel)
        inbox = self._inbox
        # A robust queue consumes again with the same callback after a reconnect.
        await queue.consume(inbox.put)
        self.ready.set()
        log.info("sink consuming %s", self.settings.queue)
        while True:
            # What has arrived meanwhile is handled together (one zone change per handler),
            # so the sink catches up with a burst instead of paying a transaction per event.
            batch = [await inbox.get()]
            while len(batch) < self.settings.batch_size and not inbox.empty():
                batch.append(inbox.get_nowait())
            await self._process(batch)

    def report(self) -> dict[str, int]:
        """The counters, the lag, the last probed queue depths and the messages buffered
        here (for the heartbeat)."""
        return self.health.report(self.stats, self._inbox.qsize())

    async def probe(self) -> dict[str, int]:
        """Ask the broker how many messages wait in our queue and in the dead-letter queue
        (a passive declare, on a channel of its own so a failure cannot close the consuming
        one), log the health line, and return the report. Raises AMQPError, OSError."""
        assert self.connection is not None, "probe() before run()"
        channel = await self.connection.channel()
        try:
            self.health.queue_depth = await _depth(channel, self.settings.queue)
            self.health.dead_letter_depth = await _depth(channel, f"{self.settings.queue}.dead")
        finally:
            await channel.close()
        report = self.report()
        log.info("sink health: %s", health.log_line(report))
        return report

    async def _probe_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.health_interval)
            if not self.ready.is_set():
                continue  # our queues are not declared yet
            try:
                await self.probe()
            except (aio_pika.exceptions.AMQPError, OSError, RuntimeError) as error:
                log.warning(  # OSError: connection lost or timed out; the next round retries
                    "sink health probe failed (%s); next in %.0fs",
                    error,
                    self.settings.health_interval,
                )

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

    async def _process(self, messages: Sequence[AbstractIncomingMessage]) -> None:
        """Handle a batch of messages in order, then settle each: ack once committed, reject
        to the dead-letter queue when it cannot be handled."""
        parsed: list[tuple[AbstractIncomingMessage, Notification]] = []
        for message in messages:
            try:
                parsed.append((message, notification.parse(message.body)))
            except Unhandleable as error:
                await self._dead_letter(message, message.message_id or "?", error)
        if not parsed:
            return
        notes = [note for _, note in parsed]
        self.health.started(notes[0])
        try:
            bad = await self._handle_all(notes)
        finally:
            self.health.finished(notes[-1])
        for index, (message, note) in enumerate(parsed):
            if index in bad:
                await self._dead_letter(message, f"{note.event_type} {note.message_id}", bad[index])
                continue
            self.stats["processed" if self.handlers.get(note.event_type) else "ignored"] += 1
            await _settle(message.ack())

    async def _handle_all(self, notes: Sequence[Notification]) -> dict[int, Failure]:
        """Run each handler over its events of the batch, retrying passing failures with
        backoff (a handler that is done is not run again). Handlers are independent (each
        writes only its own records), so each takes its events in one call. When bad data
        fails a call of several events, they are run one at a time to find the bad ones.
        Returns the bad events, by index, with why."""
        bad: dict[int, Failure] = {}
        chosen = dict.fromkeys(h for note in notes for h in self.handlers.get(note.event_type, ()))
        for handler in chosen:
            mine = [
                i
                for i, note in enumerate(notes)
                if i not in bad and handler in self.handlers.get(note.event_type, ())
            ]
            if not mine:  # every event of it was found bad by an earlier handler
                continue
            try:
                await self._run_until_done(handler, [notes[i] for i in mine])
            except (Unhandleable, errors.ZonekeeperError) as error:
                if len(mine) == 1:
                    bad[mine[0]] = error
                    continue
                for i in mine:
                    try:
                        await self._run_until_done(handler, [notes[i]])
                    except (Unhandleable, errors.ZonekeeperError) as one_error:
                        bad[i] = one_error
        return bad

    async def _run_until_done(
        self, handler: handlers.Handler, notes: Sequence[Notification]
    ) -> None:
        delay = self.settings.retry_delay
        while True:
            try:
                await handler.handle(notes)
                break
            except (Unhandleable, errors.ZonekeeperError):
                if len(notes) == 1:  # a batch's failure is counted when its events rerun
                    self.stats[f"{handler.name}.failed"] += 1
                raise
            except Exception:
                self.stats[f"{handler.name}.failed"] += 1
                self.stats["retried"] += 1
                first = notes[0]
                log.exception(
                    "%s %s (+%d) failed; retrying in %.1fs",
                    first.event_type,
                    first.message_id,
                    len(notes) - 1,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
        self.stats[f"{handler.name}.processed"] += len(notes)

    async def _dead_letter(
        self,
        message: AbstractIncomingMessage,
        what: str,
        error: Failure,
    ) -> None:
        reason = error.reason if isinstance(error, Unhandleable) else f"{error.type}: {error}"
        self.stats["dead_lettered"] += 1
        log.warning("dead-lettering message %s: %s", what, reason)
        await _settle(message.reject(requeue=False))


def _counter_names(by_event: dict[str, tuple[handlers.Handler, ...]]) -> list[str]:
    """Every counter, so that the heartbeat shows a zero rather than nothing."""
    names = {h.name for chosen in by_event.values() for h in chosen}
    per_handler = [f"{name}.{what}" for name in sorted(names) for what in ("processed", "failed")]
    return ["processed", "ignored", "dead_lettered", "retried", *per_handler]


async def _depth(channel: AbstractChannel, queue: str) -> int:
    declared = await channel.declare_queue(queue, passive=True)
    return int(declared.declaration_result.message_count or 0)


async def _settle(outcome: Any) -> None:
    """Await an ack/reject; on a channel lost meanwhile the broker redelivers the message,
    which handling repeated is harmless."""
    try:
        await outcome
    except (aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as error:
        log.warning("could not settle a message (%s); it will be delivered again", error)
