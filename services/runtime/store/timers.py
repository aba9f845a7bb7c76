"""Durable timers: schedule, re-schedule, cancel, and claim the due ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.runtime.store.models import Timer

PENDING, FIRED, CANCELLED = "pending", "fired", "cancelled"


def schedule(
    session: Session,
    *,
    shop_id: str,
    kind: str,
    subject_id: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> Timer:
    """Set the timer (kind, subject) to fire at `due_at`; a re-schedule bumps its version."""
    timer = session.scalar(
        select(Timer).where(
            Timer.shop_id == shop_id, Timer.kind == kind, Timer.subject_id == subject_id
        )
    )
    if timer is None:
        timer = Timer(
            shop_id=shop_id,
            kind=kind,
            subject_id=subject_id,
            due_at=due_at,
            state=PENDING,
            version=1,
            payload=payload,
            created_at=now,
        )
        session.add(timer)
        return timer
    timer.due_at = due_at
    timer.state = PENDING
    timer.version += 1
    timer.payload = payload
    timer.fired_at = None
    timer.cancelled_at = None
    return timer


def cancel(
    session: Session, *, shop_id: str, kind: str, subject_id: str, at: datetime | None = None
) -> bool:
    """Cancel a pending timer; True when one was pending."""
    result = session.execute(
        update(Timer)
        .where(
            Timer.shop_id == shop_id,
            Timer.kind == kind,
            Timer.subject_id == subject_id,
            Timer.state == PENDING,
        )
        .values(state=CANCELLED, version=Timer.version + 1, cancelled_at=at)
    )
    return bool(getattr(result, "rowcount", 0))


def cancel_prefix(
    session: Session,
    *,
    shop_id: str,
    kind: str,
    subject_prefix: str,
    at: datetime | None = None,
) -> int:
    """Cancel every pending timer of `kind` whose subject starts with the prefix."""
    # substr, not LIKE: case-sensitive on SQLite too, and no wildcards to escape.
    result = session.execute(
        update(Timer)
        .where(
            Timer.shop_id == shop_id,
            Timer.kind == kind,
            func.substr(Timer.subject_id, 1, len(subject_prefix)) == subject_prefix,
            Timer.state == PENDING,
        )
        .values(state=CANCELLED, version=Timer.version + 1, cancelled_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def claim_due(session: Session, now: datetime, limit: int) -> list[Timer]:
    """Pending timers due by `now`, locked for this transaction.

    On PostgreSQL the rows are taken with FOR UPDATE SKIP LOCKED, so several
    schedulers share the work without firing a timer twice.
    """
    query = (
        select(Timer)
        .where(Timer.state == PENDING, Timer.due_at <= now)
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def mark_fired(timers: list[Timer], at: datetime) -> None:
    for timer in timers:
        timer.state = FIRED
        timer.fired_at = at
