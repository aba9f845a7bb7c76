"""Receipts of handled events: a worker acts on each event once.

A receipt is written in the same transaction as the effects of its event. A
batch claims its receipts first, in one statement: the events whose receipt
already exists (handled before, or by a twin still in flight, which
PostgreSQL makes us wait for) are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.runtime.store.bulk import insert_new
from services.runtime.store.models import HandledEvent

#: (shop_id, event_id)
EventKey = tuple[str, str]


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


def claim(session: Session, worker: str, keys: Iterable[EventKey], at: datetime) -> set[EventKey]:
    """Write the receipts of `keys` that do not exist yet; the keys so claimed.

    Sorted, so two transactions claiming overlapping sets lock in one order.
    """
    rows = [
        {"worker": worker, "shop_id": shop_id, "event_id": event_id, "handled_at": at}
        for shop_id, event_id in sorted(set(keys))
    ]
    table = HandledEvent.__table__
    inserted = insert_new(session, table, rows, ("worker", "shop_id", "event_id"),  # type: ignore[arg-type]
                          returning=("shop_id", "event_id"))  # fmt: skip
    return {(str(shop_id), str(event_id)) for shop_id, event_id in inserted}
