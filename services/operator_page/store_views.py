"""What the board reads from the store: tickets by time to breach, recent notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from services.runtime.logging import mask_personal_data, mask_recipient
from services.runtime.store.models import Notification, Ticket, Timer
from services.runtime.store.reports import WAITING_FOR_US


@dataclass(frozen=True)
class BoardTicket:
    shop_id: str
    ticket_id: str
    channel: str
    priority: str
    subject: str
    status: str
    opened_at: datetime
    reply_due_at: datetime | None
    hard_due_at: datetime | None
    warn_at: datetime | None
    level: int
    state: str
    #: Seconds until the reply target; negative once it has passed.
    seconds_to_breach: float | None


def ticket_state(
    now: datetime,
    reply_due_at: datetime | None,
    hard_due_at: datetime | None,
    warn_at: datetime | None,
    level: int,
) -> str:
    """Breached at level 2 past the hard limit, at level 1 past the target (or
    when the escalator already raised it), warning inside the warning window."""
    if level >= 2 or (hard_due_at is not None and now >= hard_due_at):
        return "breached-2"
    if level >= 1 or (reply_due_at is not None and now >= reply_due_at):
        return "breached-1"
    if warn_at is not None and now >= warn_at:
        return "warning"
    return "ok"


def sla_board(session: Session, now: datetime, limit: int = 200) -> tuple[list[BoardTicket], int]:
    """Tickets waiting for a reply, the soonest to breach first (those without a
    running clock last); and how many wait in all."""
    # The warning window starts when the ticket's `sla_warning` timer is due.
    warning = aliased(Timer)
    rows = session.execute(
        select(
            Ticket.shop_id,
            Ticket.ticket_id,
            Ticket.channel,
            Ticket.priority,
            Ticket.subject,
            Ticket.status,
            Ticket.opened_at,
            Ticket.reply_due_at,
            Ticket.hard_due_at,
            Ticket.escalation_level,
            warning.due_at,
        )
        .outerjoin(
            warning,
            and_(
                warning.shop_id == Ticket.shop_id,
                warning.kind == "sla_warning",
                warning.subject_id == Ticket.ticket_id,
                warning.state != "cancelled",
            ),
        )
        .where(Ticket.status.in_(WAITING_FOR_US))
        .order_by(Ticket.reply_due_at.is_(None), Ticket.reply_due_at, Ticket.id)
        .limit(limit)
    ).all()
    total = int(session.scalar(select(func.count()).where(Ticket.status.in_(WAITING_FOR_US))) or 0)
    tickets = [
        BoardTicket(
            shop_id=shop,
            ticket_id=ticket,
            channel=channel,
            priority=priority,
            subject=subject,
            status=status,
            opened_at=opened,
            reply_due_at=due,
            hard_due_at=hard,
            warn_at=warn,
            level=level or 0,
            state=ticket_state(now, due, hard, warn, level or 0),
            seconds_to_breach=None if due is None else (due - now).total_seconds(),
        )
        for shop, ticket, channel, priority, subject, status, opened, due, hard, level, warn in rows
    ]
    return tickets, total


@dataclass(frozen=True)
class RecentNotification:
    created_at: datetime
    kind: str
    channel: str
    recipient: str  # masked
    status: str
    order_id: str | None
    ticket_id: str | None
    attempts: int
    sent_at: datetime | None
    failure_reason: str | None  # masked


def recent_notifications(session: Session, limit: int = 25) -> list[RecentNotification]:
    rows = session.execute(
        select(
            Notification.created_at,
            Notification.kind,
            Notification.channel,
            Notification.recipient,
            Notification.status,
            Notification.order_id,
            Notification.ticket_id,
            Notification.attempts,
            Notification.sent_at,
            Notification.failure_reason,
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()
    return [
        RecentNotification(
            created_at=row.created_at,
            kind=row.kind,
            channel=row.channel,
            recipient=mask_recipient(row.channel, row.recipient),
            status=row.status,
            order_id=row.order_id,
            ticket_id=row.ticket_id,
            attempts=row.attempts or 0,
            sent_at=row.sent_at,
            failure_reason=mask_personal_data(row.failure_reason)[:300]
            if row.failure_reason
            else None,
        )
        for row in rows
    ]
