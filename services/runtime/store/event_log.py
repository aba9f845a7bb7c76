"""The event log: record each accepted event once, and remember its dispatch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from services.runtime.store.keys import shop_keys_in
from services.runtime.store.models import EventRecord

EventKey = tuple[str, str]  # (shop_id, event_id)


def find_recorded(session: Session, keys: Iterable[EventKey]) -> dict[EventKey, EventRecord]:
    """The already-recorded events among `keys`, by key."""
    wanted = list(dict.fromkeys(keys))
    found: dict[EventKey, EventRecord] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        where = shop_keys_in(EventRecord.shop_id, EventRecord.event_id, chunk)
        rows = session.scalars(select(EventRecord).where(where))
        found.update({(row.shop_id, row.event_id): row for row in rows})
    return found


def mark_dispatched(session: Session, keys: Sequence[EventKey], at: datetime) -> None:
    """Stamp the events whose dispatch the broker confirmed (by shop and event id)."""
    for start in range(0, len(keys), 400):
        chunk = list(keys[start : start + 400])
        session.execute(
            update(EventRecord)
            .where(
                shop_keys_in(EventRecord.shop_id, EventRecord.event_id, chunk),
                EventRecord.dispatched_at.is_(None),
            )
            .values(dispatched_at=at)
            .execution_options(synchronize_session=False)
        )


def count_events(session: Session, shop_id: str | None = None) -> int:
    query = select(func.count()).select_from(EventRecord)
    if shop_id is not None:
        query = query.where(EventRecord.shop_id == shop_id)
    return int(session.scalar(query) or 0)
