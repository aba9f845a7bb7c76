"""Operator figures read from the store: overdue tickets, SLA compliance, backlog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.runtime.store.models import Notification, Ticket, Timer

WAITING_FOR_US = ("open", "awaiting_reply")


@dataclass(frozen=True)
class OverdueTicket:
    shop_id: str
    ticket_id: str
    channel: str
    priority: str
    subject: str
    due_at: datetime
    late_by: timedelta
    level: int


def overdue_tickets(session: Session, now: datetime) -> list[OverdueTicket]:
    rows = session.scalars(
        select(Ticket)
        .where(
            Ticket.status.in_(WAITING_FOR_US),
            Ticket.reply_due_at.is_not(None),
            Ticket.reply_due_at < now,
        )
        .order_by(Ticket.reply_due_at)
    )
    return [
        OverdueTicket(
            row.shop_id,
            row.ticket_id,
            row.channel,
            row.priority,
            row.subject,
            row.reply_due_at,
            now - row.reply_due_at,
            row.escalation_level,
        )
        for row in rows
        if row.reply_due_at is not None
    ]


@dataclass(frozen=True)
class SlaCompliance:
    channel: str
    measured: int
    within_target: int

    @property
    def share(self) -> float | None:
        return self.within_target / self.measured if self.measured else None


def sla_compliance(session: Session, now: datetime) -> list[SlaCompliance]:
    """Share of first replies within target, by channel. A ticket still waiting
    past its target counts as missed; one waiting inside it is not counted yet."""
    rows = session.execute(
        select(Ticket.channel, Ticket.first_replied_at, Ticket.first_reply_due_at).where(
            Ticket.first_reply_due_at.is_not(None)
        )
    )
    figures: dict[str, list[int]] = {}
    for channel, replied_at, due_at in rows:
        if due_at is None or (replied_at is None and due_at > now):
            continue
        counts = figures.setdefault(channel, [0, 0])
        counts[0] += 1
        if replied_at is not None and replied_at <= due_at:
            counts[1] += 1
    return [SlaCompliance(ch, m, w) for ch, (m, w) in sorted(figures.items())]


def timers_due_within(session: Session, now: datetime, window: timedelta) -> int:
    return int(
        session.scalar(
            select(func.count()).where(Timer.state == "pending", Timer.due_at <= now + window)
        )
        or 0
    )


def late_timers(session: Session, now: datetime, slack: timedelta) -> int:
    """Pending timers already past due by more than `slack`: no scheduler is firing."""
    return int(
        session.scalar(
            select(func.count()).where(Timer.state == "pending", Timer.due_at < now - slack)
        )
        or 0
    )


def failed_deliveries_since(session: Session, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                Notification.status == "failed", Notification.created_at >= since
            )
        )
        or 0
    )


def pending_deliveries(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(Notification.status == "pending")) or 0)
