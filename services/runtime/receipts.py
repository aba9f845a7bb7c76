"""Receipts of handled events: a worker acts on each event once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.runtime.store.models import HandledEvent


def already_handled(session: Session, worker: str, shop_id: str, event_id: str) -> bool:
    return (
        session.scalar(
            select(HandledEvent.id).where(
                HandledEvent.worker == worker,
                HandledEvent.shop_id == shop_id,
                HandledEvent.event_id == event_id,
            )
        )
        is not None
    )


def mark_handled(session: Session, worker: str, shop_id: str, event_id: str, at: datetime) -> None:
    """Written in the effects' transaction; the unique key stops a racing twin."""
    session.add(HandledEvent(worker=worker, shop_id=shop_id, event_id=event_id, handled_at=at))
