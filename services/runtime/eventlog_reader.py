"""Workers read the event they were sent from the event log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from events import EnvelopeBase, parse_event
from services.runtime.store.models import EventRecord


class EventMissing(LookupError):
    """Dispatched but not in the log: the ingest's commit is not visible yet; retry."""


def load_event(session: Session, shop_id: str, event_id: str) -> tuple[EventRecord, EnvelopeBase]:
    record = session.scalar(
        select(EventRecord).where(EventRecord.shop_id == shop_id, EventRecord.event_id == event_id)
    )
    if record is None:
        raise EventMissing(f"event {event_id!r} of shop {shop_id!r} is not in the event log")
    return record, parse_event(record.body)
