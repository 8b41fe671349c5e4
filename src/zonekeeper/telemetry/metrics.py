"""Every Prometheus metric of Zonekeeper, in one registry per process (docs/metrics.md).

Counters and histograms on hot paths are plain ``prometheus_client`` objects, updated where
the event happens. Figures that live elsewhere (the database, a role's own counters, the
connection pool) are gathered only when scraped: :meth:`Metrics.render` first awaits every
function added with :meth:`Metrics.before_scrape`, then renders the registry.

One registry per process, never the library's global one: each process (and each test's
App) serves its own, and Prometheus scrapes every process (an ``instance`` label apiece).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

CONTENT_TYPE: Final = CONTENT_TYPE_LATEST

LATENCY_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
"""API and database latencies: a write commits in milliseconds."""
PROPAGATION_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
"""Commit to served: sub-second on a healthy pool, minutes when a server is behind."""
SIZE_BUCKETS: Final = (512.0, 4096.0, 32768.0, 262144.0, 2097152.0, 16777216.0)
"""Bytes of one zone transfer."""
PENDING_AGES: Final = (0, 30, 300, 3600)
"""The ``older_than`` labels of ``zonekeeper_zones_pending`` (seconds)."""

Refresh = Callable[[], Awaitable[None]]


class Metrics:
    """The metric families (attributes named after them) in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._refreshers: list[Refresh] = []
        r = self.registry
        # API
        self.api_requests = Counter(
            "zonekeeper_api_requests",
            "API requests answered, by route template, method and status code.",
            ["route", "method", "status"],
            registry=r,
        )
        self.api_latency = Histogram(
            "zonekeeper_api_request_duration_seconds",
            "Time from a request's arrival to its response's last byte.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        # Propagation, as the worker of this process observes it
        self.propagation = Histogram(
            "zonekeeper_propagation_seconds",
            "From a change's commit until the pool's threshold of nameservers serve it.",
            ["pool"],
            buckets=PROPAGATION_BUCKETS,
            registry=r,
        )
        self.nameserver_propagation = Histogram(
            "zonekeeper_nameserver_propagation_seconds",
            "From a change's commit until one nameserver was seen serving it.",
            ["pool", "nameserver"],
            buckets=PROPAGATION_BUCKETS,
            registry=r,
        )
        self.notifies = Counter(
            "zonekeeper_notify",
            "NOTIFYs sent to the pools' nameservers, by outcome (acknowledged, or the sync "
            "view's reason).",
            ["pool", "nameserver", "outcome"],
            registry=r,
        )
        self.nameserver_checks = Counter(
            "zonekeeper_nameserver_checks",
            "Each attempt's last judgement of each nameserver: served, or the sync view's "
            "reason it does not serve the change (transfer_failed, timeout, refused, ...).",
            ["pool", "nameserver", "reason"],
            registry=r,
        )
        self.attempts = Counter(
            "zonekeeper_reconcile_attempts",
            "Reconcile attempts by outcome: propagated, deleted, failed, superseded.",
            ["outcome"],
            registry=r,
        )
        self.backend_calls = Counter(
            "zonekeeper_backend_calls",
            "Calls to the pools' targets (create_zone, delete_zone, refresh_zone) by outcome "
            "(ok, or the backend error's reason).",
            ["target", "call", "outcome"],
            registry=r,
        )
        # Database-wide figures, read at scrape time (worker processes only)
        self.zones_pending = Gauge(
            "zonekeeper_zones_pending",
            "Zones PENDING since more than `older_than` seconds (0: all PENDING zones).",
            ["older_than"],
            registry=r,
        )
        self.zones_error = Gauge("zonekeeper_zones_error", "Zones in ERROR.", registry=r)
        self.backlog = Gauge(
            "zonekeeper_worker_backlog_zones",
            "Zones due for a reconcile attempt now.",
            registry=r,
        )
        self.backlog_age = Gauge(
            "zonekeeper_worker_backlog_oldest_seconds",
            "How long the longest-waiting due zone has been due (0: none).",
            registry=r,
        )
        self.nameserver_behind = Gauge(
            "zonekeeper_nameserver_zones_behind",
            "Zones whose last check found this nameserver not serving their serial.",
            ["pool", "nameserver"],
            registry=r,
        )
        self.nameserver_lag = Gauge(
            "zonekeeper_nameserver_lag_seconds",
            "Age of the oldest change this nameserver was last found not serving (0: none).",
            ["pool", "nameserver"],
            registry=r,
        )
        self.nameserver_success = Gauge(
            "zonekeeper_nameserver_last_success_timestamp_seconds",
            "When this nameserver was last found serving a zone's serial (Unix time).",
            ["pool", "nameserver"],
            registry=r,
        )
        self.target_failing = Gauge(
            "zonekeeper_target_zones_failing",
            "Zones whose provisioning on this target (backend) last failed.",
            ["pool", "target"],
            registry=r,
        )
        self.target_success = Gauge(
            "zonekeeper_target_last_success_timestamp_seconds",
            "When a zone was last provisioned on this target (Unix time).",
            ["pool", "target"],
            registry=r,
        )
        self.heartbeat_age = Gauge(
            "zonekeeper_heartbeat_age_seconds",
            "Seconds since each Zonekeeper process (service_statuses row) last heartbeated.",
            ["service", "host"],
            registry=r,
        )
        # Resolution probes
        self.canary = Histogram(
            "zonekeeper_canary_seconds",
            "From a canary record's commit until a nameserver answers it.",
            ["pool", "nameserver"],
            buckets=PROPAGATION_BUCKETS,
            registry=r,
        )
        self.canary_success = Gauge(
            "zonekeeper_canary_last_success_timestamp_seconds",
            "When a nameserver last answered the newest canary record (Unix time).",
            ["pool", "nameserver"],
            registry=r,
        )
        self.canary_failures = Counter(
            "zonekeeper_canary_failures",
            "Canary rounds a nameserver did not answer within the round.",
            ["pool", "nameserver"],
            registry=r,
        )
        # Mini-DNS
        self.dns_queries = Counter(
            "zonekeeper_dns_queries",
            "Mini-DNS responses by question type and rcode.",
            ["qtype", "rcode"],
            registry=r,
        )
        self.dns_transfers = Counter(
            "zonekeeper_dns_transfers",
            "Zone transfers served: AXFR, IXFR (from the journal) or IXFR answered with the "
            "whole zone (ixfr_axfr).",
            ["kind"],
            registry=r,
        )
        self.dns_transfer_bytes = Histogram(
            "zonekeeper_dns_transfer_bytes",
            "Bytes of one zone transfer's messages.",
            ["kind"],
            buckets=SIZE_BUCKETS,
            registry=r,
        )
        self.dns_tsig_failures = Counter(
            "zonekeeper_dns_tsig_failures",
            "Signed requests whose TSIG did not verify (answered NOTAUTH).",
            registry=r,
        )
        self.dns_transfers_refused = Counter(
            "zonekeeper_dns_transfers_refused",
            "Transfer requests the pool's ACL refused.",
            registry=r,
        )
        # Database handle of this process
        self.db_in_use = Gauge(
            "zonekeeper_db_connections_in_use",
            "Connections of this process's pool checked out now.",
            registry=r,
        )
        self.db_transaction = Histogram(
            "zonekeeper_db_transaction_seconds",
            "Write transactions, from begin (with SQLite's writer turn) to commit or rollback.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

    def add_collector(self, collector: Collector) -> None:
        """Register ``collector`` (whose ``collect()`` reads a role's own counters when
        scraped, e.g. the sink's)."""
        self.registry.register(collector)

    def before_scrape(self, refresh: Refresh) -> None:
        """Have ``refresh`` (setting gauges) awaited before each rendering."""
        self._refreshers.append(refresh)

    async def render(self, timeout: float = 5.0) -> bytes:
        """The registry in Prometheus's text format, after the refreshers ran. A refresher
        that fails or takes longer than ``timeout`` is logged and its gauges keep their
        last values: a scrape never fails because the database is away."""
        for refresh in self._refreshers:
            try:
                async with asyncio.timeout(timeout):
                    await refresh()
            except Exception as error:  # reported, never breaks the scrape
                log.warning("metrics refresh %s failed: %r", _name(refresh), error)
        return generate_latest(self.registry)


def _name(refresh: Refresh) -> str:
    return getattr(refresh, "__qualname__", repr(refresh))
