"""A Prometheus collector that reads every figure at scrape time.

Nothing is counted in memory: each scrape asks the broker (passive declares,
through `aftersale status`'s own `collect`) and the store (aggregate queries),
so any number of ingest, worker and gateway processes on any number of
machines are seen the same by every gateway that is scraped.

Metrics (all prefixed ``aftersale_``):

- ``health``: 0 ok, 1 degraded, 2 down (as ``aftersale status``);
- ``queue_messages{queue,state}``: ``ready``, and ``unacked`` when the
  management API answers; ``queue_consumers{queue}``;
- ``dead_letters{queue}``: messages waiting in ``aftersale.dead-letter`` and in
  each worker's ``.XQ``;
- ``events_ingested_total{type}``: the event log, by type;
- ``notifications_total{kind,channel,status}``: the outbox (a notification
  moves from ``pending`` to ``sent``/``failed``/``suppressed``, so the
  ``pending`` series can go down: it is the backlog);
- ``sla_breaches_total{level}``: ``sla_breach`` timers that fired, level 1 at
  the reply target (subject ``T#1``), level 2 at the hard limit (``T#2``); one
  per ticket and clock, however many staff were alerted. A clock started
  again for a ticket (the customer wrote again) re-arms its timers, which
  Prometheus sees as a counter reset;
- ``timers_pending{kind}``;
- ``delivery_latency_seconds``: ``sent_at - created_at`` of notifications sent
  in the last hour, and ``timer_lateness_seconds``: ``fired_at - due_at`` of
  timers fired in the last hour — both gauge histograms (a distribution over
  a sliding window, not a running total);
- ``store_up``, ``broker_up``: whether the scrape could read them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from services.metrics.queries import Distribution, StoreFigures, store_figures
from services.operator.dlq import source_queues
from services.operator.status import collect as status_report
from services.runtime.clock import Clock, utcnow
from services.runtime.logging import get_logger
from services.runtime.settings import Settings
from services.runtime.store.engine import readers

log = get_logger("aftersale.metrics")

HEALTH_VALUES = {"ok": 0, "degraded": 1, "down": 2}


class AftersaleCollector:
    """Registered on a registry; `collect` runs once per scrape."""

    def __init__(self, settings: Settings, engine: Engine, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock

    def describe(self) -> list[Metric]:
        return []  # no figures at registration: nothing is read before a scrape

    def collect(self) -> Iterator[Metric]:
        try:
            report = status_report(self.settings, self.engine)
        except Exception as exc:  # a scrape answers even so: health says down
            log.warning("metrics.status_unreadable", error=f"{type(exc).__name__}: {exc}"[:200])
            report = {"health": "down", "reasons": [], "queues": []}
        yield from self._broker_metrics(report)
        figures = self._store()
        store_up = GaugeMetricFamily("aftersale_store_up", "1 when the scrape read the store.")
        store_up.add_metric([], 0 if figures is None else 1)
        yield store_up
        if figures is not None:
            yield from _store_metrics(figures)

    def _store(self) -> StoreFigures | None:
        try:
            with Session(readers(self.engine)) as session:
                return store_figures(session, self.now())
        except SQLAlchemyError as exc:
            log.warning("metrics.store_unreadable", error=str(exc).splitlines()[0][:200])
            return None

    def now(self) -> datetime:
        return self.clock()

    def _broker_metrics(self, report: dict[str, Any]) -> Iterator[Metric]:
        health = GaugeMetricFamily(
            "aftersale_health", "Health as `aftersale status` judges it: 0 ok, 1 degraded, 2 down."
        )
        health.add_metric([], HEALTH_VALUES[str(report["health"])])
        yield health
        queues: list[dict[str, Any]] = report.get("queues") or []
        broker_up = GaugeMetricFamily("aftersale_broker_up", "1 when the scrape read the queues.")
        broker_up.add_metric([], 1 if queues else 0)
        yield broker_up
        messages = GaugeMetricFamily(
            "aftersale_queue_messages",
            "Messages in each queue: ready, and unacked when the management API answers.",
            labels=["queue", "state"],
        )
        consumers = GaugeMetricFamily(
            "aftersale_queue_consumers", "Consumers of each queue.", labels=["queue"]
        )
        dead = GaugeMetricFamily(
            "aftersale_dead_letters",
            "Dead letters waiting: bad input, and worker messages out of retries (.XQ).",
            labels=["queue"],
        )
        dead_queues = set(source_queues())
        for q in queues:
            if not q.get("exists"):
                continue
            name = str(q["name"])
            messages.add_metric([name, "ready"], float(q["ready"]))
            if q.get("unacked") is not None:
                messages.add_metric([name, "unacked"], float(q["unacked"]))
            consumers.add_metric([name], float(q["consumers"]))
            if name in dead_queues:
                dead.add_metric([name], float(q["ready"]))
        yield from (messages, consumers, dead)


def _histogram(name: str, documentation: str, distribution: Distribution) -> Metric:
    family = GaugeHistogramMetricFamily(name, documentation)
    family.add_metric([], distribution.cumulative(), distribution.total)
    return family


def _store_metrics(figures: StoreFigures) -> Iterator[Metric]:
    events = CounterMetricFamily(
        "aftersale_events_ingested", "Events recorded in the event log, by type.", labels=["type"]
    )
    for kind, n in sorted(figures.events_by_type.items()):
        events.add_metric([kind], n)
    yield events
    notifications = CounterMetricFamily(
        "aftersale_notifications",
        "Notifications in the outbox by kind, channel and status (pending is the backlog).",
        labels=["kind", "channel", "status"],
    )
    for labels, n in sorted(figures.notifications.items()):
        notifications.add_metric(list(labels), n)
    yield notifications
    breaches = CounterMetricFamily(
        "aftersale_sla_breaches",
        "SLA breaches: sla_breach timers fired, level 1 at the target, 2 at the hard limit.",
        labels=["level"],
    )
    for level, n in sorted(figures.sla_breaches.items()):
        breaches.add_metric([level], n)
    yield breaches
    pending = GaugeMetricFamily(
        "aftersale_timers_pending", "Timers waiting to fire, by kind.", labels=["kind"]
    )
    for kind, n in sorted(figures.timers_pending.items()):
        pending.add_metric([kind], n)
    yield pending
    suppressed = GaugeMetricFamily(
        "aftersale_suppressed_addresses",
        "Email addresses on the suppression list, by reason (bounce, complaint, rejected, "
        "unsubscribe, manual).",
        labels=["reason"],
    )
    for reason, n in figures.suppressed_addresses.items():
        suppressed.add_metric([reason], n)
    yield suppressed
    yield _histogram(
        "aftersale_delivery_latency_seconds",
        "From queued to sent, for notifications sent in the last hour.",
        figures.delivery_latency,
    )
    yield _histogram(
        "aftersale_timer_lateness_seconds",
        "From due to fired, for timers fired in the last hour.",
        figures.timer_lateness,
    )
