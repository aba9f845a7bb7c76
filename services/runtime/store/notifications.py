"""The outbox of notifications: written once per idempotency key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.runtime.store.models import Notification


def add_once(
    session: Session,
    *,
    idempotency_key: str,
    shop_id: str,
    kind: str,
    channel: str,
    recipient: str,
    content: dict[str, Any],
    now: datetime,
    locale: str | None = None,
    order_id: str | None = None,
    ticket_id: str | None = None,
    status: str = "pending",
    failure_reason: str | None = None,
    customer_id: str | None = None,
) -> Notification | None:
    """Add a notification unless one with the same key exists; None when it did.

    The unique constraint decides, so two workers racing on one key agree.
    """
    existing = session.scalar(
        select(Notification).where(Notification.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return None
    row = Notification(
        idempotency_key=idempotency_key,
        shop_id=shop_id,
        kind=kind,
        channel=channel,
        recipient=recipient,
        content=content,
        created_at=now,
        next_attempt_at=now if status == "pending" else None,
        locale=locale,
        order_id=order_id,
        ticket_id=ticket_id,
        status=status,
        attempts=0,
        failure_reason=failure_reason,
        customer_id=customer_id,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def list_notifications(
    session: Session,
    *,
    order_id: str | None = None,
    kind: str | None = None,
    limit: int = 500,
) -> list[Notification]:
    # The newest `limit` rows, shown oldest first.
    query = select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc())
    if order_id is not None:
        query = query.where(Notification.order_id == order_id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(reversed(session.scalars(query.limit(limit)).all()))
