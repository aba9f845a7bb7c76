"""The system's health and what is waiting where: one report for `aftersale
status`, the operator page and the metrics."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from services.runtime import topology
from services.runtime.amqp import BrokerUnreachable
from services.runtime.clock import utcnow
from services.runtime.queues import add_management_figures, read_queues, system_queues
from services.runtime.routing import SUBSCRIPTIONS, worker_queue_names
from services.runtime.settings import Settings, redact_url
from services.runtime.store import reports
from services.runtime.store.engine import build_engine, missing_store, read_session_factory
from services.runtime.store.migrate import schema_problem

#: A pending timer later than this means no scheduler is firing.
SCHEDULER_SLACK = timedelta(minutes=1)


class StoreBehind(RuntimeError):
    """The store answers but was not migrated to this version."""


def _store_figures(settings: Settings, given: Engine | None) -> dict[str, Any]:
    now = utcnow()
    # A command builds its engine for this one report; the gateway's scrapes and board
    # refreshes pass the gateway's own, kept for its life.
    if given is None and (missing := missing_store(settings.database_url)) is not None:
        raise StoreBehind(missing)  # never create a store by looking at it
    engine = given if given is not None else build_engine(settings.database_url, pooled=False)
    try:
        if (problem := schema_problem(engine, redact_url(settings.database_url))) is not None:
            raise StoreBehind(problem)
        with read_session_factory(engine)() as session:
            return {
                "overdue_tickets": len(reports.overdue_tickets(session, now)),
                "timers_due_next_hour": reports.timers_due_within(session, now, timedelta(hours=1)),
                "timers_late": reports.late_timers(session, now, SCHEDULER_SLACK),
                "failed_deliveries_24h": reports.failed_deliveries_since(
                    session, now - timedelta(hours=24)
                ),
                "pending_deliveries": reports.pending_deliveries(session),
                "sla_first_reply": [
                    {
                        "channel": c.channel,
                        "measured": c.measured,
                        "within_target": c.within_target,
                        "share": c.share,
                    }
                    for c in reports.sla_compliance(session, now)
                ],
            }
    finally:
        if given is None:
            engine.dispose()


def collect(settings: Settings, engine: Engine | None = None) -> dict[str, Any]:
    """Every figure of the status report, with a one-word health and its reasons; the
    store is read through `engine`, else through one built (and disposed) here."""
    report: dict[str, Any] = {"health": "ok", "reasons": [], "queues": []}
    worker_queues = worker_queue_names(SUBSCRIPTIONS)
    try:
        figures = read_queues(settings.amqp_url, system_queues(worker_queues))
        report["management_api"] = add_management_figures(
            settings.amqp_url, figures, settings.management_url
        )
        report["queues"] = [asdict(f) for f in figures]
    except BrokerUnreachable as exc:
        report["health"] = "down"
        report["reasons"].append(str(exc))
        figures = []
    try:
        report.update(_store_figures(settings, engine))
    except StoreBehind as exc:
        report["health"] = "down"
        report["reasons"].append(str(exc))
    except SQLAlchemyError as exc:
        report["health"] = "down"
        report["reasons"].append(f"store unreachable: {str(exc).splitlines()[0][:200]}")
    by_name = {f.name: f for f in figures}
    dead = by_name.get(topology.DEAD_LETTER_QUEUE)
    report["dead_letters"] = dead.ready if dead else None
    _judge(report, figures, worker_queues)
    return report


def _judge(report: dict[str, Any], figures: list[Any], worker_queues: tuple[str, ...]) -> None:
    reasons: list[str] = []
    for figure in figures:
        if not figure.exists:
            reasons.append(f"queue {figure.name} does not exist (has the ingest ever started?)")
        elif figure.name in (topology.INGEST_QUEUE, *worker_queues) and not figure.consumers:
            reasons.append(f"nobody consumes {figure.name} ({figure.ready} waiting)")
        elif figure.name.endswith(".XQ") and figure.ready:
            reasons.append(f"{figure.ready} messages ran out of retries in {figure.name}")
    if report.get("dead_letters"):
        reasons.append(f"{report['dead_letters']} dead letters in {topology.DEAD_LETTER_QUEUE}")
    if report.get("timers_late"):
        reasons.append(f"{report['timers_late']} timers overdue: is a scheduler running?")
    if report.get("failed_deliveries_24h"):
        reasons.append(f"{report['failed_deliveries_24h']} deliveries failed in the last 24 h")
    if reasons and report["health"] == "ok":
        report["health"] = "degraded"
    report["reasons"] += reasons
