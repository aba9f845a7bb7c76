"""Everything the board shows, read once per refresh, with what could not be read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import pika.exceptions
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from services.operator.status import collect as status_report
from services.operator_page.dead_letters import DeadLetterRow, peek_dead_letters
from services.operator_page.store_views import (
    BoardTicket,
    RecentNotification,
    recent_notifications,
    sla_board,
)
from services.runtime.amqp import BrokerUnreachable
from services.runtime.settings import Settings
from services.runtime.store import suppressions
from services.runtime.store.engine import readers

TICKET_ROWS = 200
DEAD_LETTER_ROWS = 50
NOTIFICATION_ROWS = 25


@dataclass
class Snapshot:
    generated_at: datetime
    health: str = "down"
    reasons: list[str] = field(default_factory=list)
    queues: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    tickets: list[BoardTicket] = field(default_factory=list)
    tickets_total: int = 0
    dead_letters: list[DeadLetterRow] = field(default_factory=list)
    dead_letters_total: int = 0
    notifications: list[RecentNotification] = field(default_factory=list)
    #: What could not be read this time (the rest of the board still shows).
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        return {str(k): plain(v) for k, v in asdict(self).items()}


FIGURE_KEYS = ("dead_letters", "overdue_tickets", "timers_due_next_hour", "timers_late",
               "failed_deliveries_24h", "pending_deliveries")  # fmt: skip


def take_snapshot(settings: Settings, engine: Engine, now: datetime) -> Snapshot:
    snap = Snapshot(generated_at=now)
    try:
        report = status_report(settings, engine)
    except Exception as exc:  # the rest of the board still shows
        report = {"health": "down", "reasons": [f"status unreadable: {type(exc).__name__}"]}
    snap.health, snap.reasons = report["health"], list(report["reasons"])
    snap.queues = [q for q in report.get("queues", []) if q.get("exists")]
    snap.figures = {key: report.get(key) for key in FIGURE_KEYS}
    try:
        with Session(readers(engine)) as session:
            snap.tickets, snap.tickets_total = sla_board(session, now, TICKET_ROWS)
            snap.notifications = recent_notifications(session, NOTIFICATION_ROWS)
            snap.figures["suppressed_addresses"] = sum(suppressions.counts(session).values())
    except SQLAlchemyError as exc:
        snap.problems.append(f"store unreadable: {str(exc).splitlines()[0][:200]}")
    try:
        snap.dead_letters, snap.dead_letters_total = peek_dead_letters(
            settings.amqp_url, DEAD_LETTER_ROWS
        )
    except BrokerUnreachable as exc:
        snap.problems.append(f"dead letters unreadable: {exc}")
    except pika.exceptions.AMQPError as exc:
        snap.problems.append(f"dead letters unreadable: {type(exc).__name__}")
    return snap
