"""The sink's Prometheus figures, read from the consumer's own counters when scraped (the
handling path does not change for them): events by handler and outcome, dead-lettered,
retried, lag and the broker's queue depths (docs/metrics.md)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from zonekeeper.sink.consumer import Consumer


class SinkCollector(Collector):
    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        stats = self.consumer.stats
        events = CounterMetricFamily(
            "zonekeeper_sink_events",
            "Notifications by handler (or `none`: no handler wants the event type) and "
            "outcome (processed, failed: attempts that raised, ignored).",
            labels=["handler", "outcome"],
        )
        events.add_metric(["none", "ignored"], stats["ignored"])
        for key, value in sorted(stats.items()):
            handler, _, outcome = key.partition(".")
            if outcome:
                events.add_metric([handler, outcome], value)
        yield events
        yield CounterMetricFamily(
            "zonekeeper_sink_dead_lettered",
            "Notifications sent to the dead-letter queue.",
            value=stats["dead_lettered"],
        )
        yield CounterMetricFamily(
            "zonekeeper_sink_retried",
            "Handler calls retried after a passing failure (e.g. the database away).",
            value=stats["retried"],
        )
        health = self.consumer.health
        yield GaugeMetricFamily(
            "zonekeeper_sink_lag_seconds",
            "Age of the oldest notification being handled (between batches: the last one's).",
            value=health.lag_ms() / 1000,
        )
        depth = GaugeMetricFamily(
            "zonekeeper_sink_queue_depth",
            "Messages ready in the broker (last probe): the sink's queue and its dead-letter "
            "queue.",
            labels=["queue"],
        )
        depth.add_metric(["main"], health.queue_depth)
        depth.add_metric(["dead"], health.dead_letter_depth)
        yield depth
        yield GaugeMetricFamily(
            "zonekeeper_sink_connected",
            "1 while the sink consumes from the broker, else 0.",
            value=1 if self.consumer.ready.is_set() else 0,
        )
