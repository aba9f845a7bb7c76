"""An order's whole story in time order: events, messages, attempts, timers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.runtime.store.models import (
    DeliveryAttempt,
    EventRecord,
    Notification,
    Order,
    Return,
    Ticket,
    Timer,
)


@dataclass(frozen=True)
class Entry:
    at: datetime
    source: str  # event, notification, delivery, timer
    what: str
    detail: str = ""


def _subjects(session: Session, shop_ids: list[str], order_id: str) -> list[str]:
    """The order itself, its returns and its tickets: what timers are about."""
    subjects = [order_id]
    subjects += session.scalars(
        select(Return.return_id)
        .join(Order)
        .where(Order.order_id == order_id, Order.shop_id.in_(shop_ids))
    ).all()
    subjects += session.scalars(
        select(Ticket.ticket_id).where(Ticket.order_id == order_id, Ticket.shop_id.in_(shop_ids))
    ).all()
    return subjects


def order_timeline(session: Session, order_id: str, shop_id: str | None = None) -> list[Entry]:
    query = select(EventRecord).where(EventRecord.order_id == order_id)
    if shop_id:
        query = query.where(EventRecord.shop_id == shop_id)
    events = list(session.scalars(query))
    shop_ids = sorted({e.shop_id for e in events} | ({shop_id} if shop_id else set()))
    entries = [
        Entry(e.received_at, "event", e.type,
              f"{e.event_id} (occurred {e.occurred_at.isoformat(timespec='seconds')})")
        for e in events
    ]  # fmt: skip
    notes = list(
        session.scalars(
            select(Notification).where(
                Notification.order_id == order_id, Notification.shop_id.in_(shop_ids)
            )
        )
    )
    for note in notes:
        who = f"{note.channel} {note.recipient}"
        if note.status == "suppressed":
            entries.append(Entry(note.created_at, "notification", f"{note.kind} suppressed",
                                 note.failure_reason or ""))  # fmt: skip
            continue
        entries.append(Entry(note.created_at, "notification", f"{note.kind} written", who))
        if note.sent_at is not None:
            entries.append(Entry(note.sent_at, "notification", f"{note.kind} sent", who))
    if notes:
        attempts = session.scalars(
            select(DeliveryAttempt).where(
                DeliveryAttempt.notification_pk.in_([n.id for n in notes]),
                DeliveryAttempt.outcome != "sent",
            )
        )
        kinds = {n.id: n.kind for n in notes}
        for attempt in attempts:
            entries.append(Entry(attempt.at, "delivery",
                                 f"{kinds[attempt.notification_pk]} {attempt.outcome}",
                                 attempt.detail or ""))  # fmt: skip
    subjects = _subjects(session, shop_ids, order_id)
    conditions = [Timer.subject_id == s for s in subjects]
    conditions += [Timer.subject_id.startswith(f"{s}#") for s in subjects]
    for timer in session.scalars(
        select(Timer).where(Timer.shop_id.in_(shop_ids), or_(*conditions))
    ):
        label = f"{timer.kind} ({timer.subject_id})"
        entries.append(Entry(timer.created_at, "timer", f"{label} set",
                             f"due {timer.due_at.isoformat(timespec='seconds')}"))  # fmt: skip
        if timer.fired_at is not None:
            entries.append(Entry(timer.fired_at, "timer", f"{label} fired"))
        if timer.cancelled_at is not None:
            entries.append(Entry(timer.cancelled_at, "timer", f"{label} cancelled"))
    return sorted(entries, key=lambda entry: entry.at)
