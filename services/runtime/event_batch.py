"""A worker's reaction to many recorded events in one transaction.

The ingest hands each worker the events of one ingest batch in one dramatiq
message. The worker claims their receipts (one statement: events handled
before, or by a twin in flight, drop out), reads them from the event log,
loads the state around them in a few queries, reacts to each in log order and
writes every outbox row at the end: one commit (one fsync on SQLite) per batch
instead of per event, and the same guarantees, since the receipts and the
effects still commit together.

Per-order order: an earlier event of the same order or ticket that this worker
has not handled yet (it sits in another message, taken by another thread or
process) is handled first, in this transaction, so a customer's messages are
written, and then sent, in the order their events were recorded. Such an
earlier event runs in a savepoint: if it fails, it is left to its own message.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from events import EnvelopeBase, parse_event
from services.runtime.eventlog_reader import EventMissing
from services.runtime.receipts import EventKey, claim
from services.runtime.store.keys import shop_keys_in
from services.runtime.store.models import EventRecord, HandledEvent
from services.runtime.store.notifications import NewNotifications
from services.runtime.world import Subject, WorldLoader

#: Earlier events of the same order are looked for this far back.
ORDERING_WINDOW = timedelta(minutes=10)
_CHUNK = 400


@dataclass(frozen=True)
class Dispatched:
    """One event sent to a worker: `(shop_id, event_id, type)` on the wire."""

    shop_id: str
    event_id: str
    type: str

    @property
    def key(self) -> EventKey:
        return (self.shop_id, self.event_id)


@dataclass(frozen=True)
class Handled:
    """What a batch came to: events reacted to, skipped as handled, effects."""

    handled: int
    skipped: int
    effects: int


def handle_batch(
    session: Session,
    *,
    worker: str,
    dispatched: Sequence[Dispatched],
    event_types: Collection[str],
    now: datetime,
    react: Any,
) -> Handled:
    """React to `dispatched` in `session`'s transaction (the caller commits).

    `react(session, record, event, world, written) -> effects applied` is the
    worker's load-decide-apply step for one event.

    Raises:
        EventMissing: an event is not in the log yet (retry later).
    """
    log = structlog.get_logger(f"aftersale.{worker}")
    records = _records(session, [d.key for d in dispatched])
    missing = {d.key for d in dispatched} - set(records)
    if missing:
        shop_id, event_id = sorted(missing)[0]
        raise EventMissing(f"event {event_id!r} of shop {shop_id!r} is not in the event log")
    loader = WorldLoader(session)
    effects = 0
    for earlier in _earlier_unhandled(session, worker, list(records.values()), event_types, now):
        try:
            with session.begin_nested():
                if claim(session, worker, [(earlier.shop_id, earlier.event_id)], now):
                    event = parse_event(earlier.body)
                    written = NewNotifications()
                    world = loader.world(subject_of(earlier, event))
                    effects += react(session, earlier, event, world, written)
                    written.write(session)
        except Exception as exc:  # left to its own message, which retries or dead-letters it
            log.warning("earlier event of the same order failed; left to its own message",
                        event_id=earlier.event_id, error=type(exc).__name__)  # fmt: skip
    claimed = claim(session, worker, records, now)
    todo = sorted((records[key] for key in claimed), key=lambda record: record.id)
    parsed = [(record, parse_event(record.body)) for record in todo]
    loader.prefetch(subject_of(record, event) for record, event in parsed)
    written = NewNotifications()
    for record, event in parsed:
        effects += react(session, record, event, loader.world(subject_of(record, event)), written)
    written.write(session)
    return Handled(handled=len(todo), skipped=len(records) - len(todo), effects=effects)


def subject_of(record: EventRecord, event: EnvelopeBase) -> Subject:
    """The order, return, ticket and customer an event is about."""
    data: Any = getattr(event, "data", None)
    return Subject(
        record.shop_id,
        order_id=record.order_id,
        ticket_id=record.ticket_id,
        return_id=getattr(data, "return_id", None),
        customer_id=getattr(data, "customer_id", None),
    )


def _records(session: Session, keys: Sequence[EventKey]) -> dict[EventKey, EventRecord]:
    wanted = sorted(set(keys))
    found: dict[EventKey, EventRecord] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = select(EventRecord).where(
            shop_keys_in(EventRecord.shop_id, EventRecord.event_id, chunk)
        )
        found.update({(r.shop_id, r.event_id): r for r in session.scalars(query)})
    return found


def _earlier_unhandled(
    session: Session,
    worker: str,
    records: Sequence[EventRecord],
    event_types: Collection[str],
    now: datetime,
) -> list[EventRecord]:
    """Recent events of the batch's orders and tickets, recorded before the
    batch's last event, for this worker, without its receipt, not in the batch."""
    if not records:
        return []
    orders = sorted({(r.shop_id, r.order_id) for r in records if r.order_id})
    tickets = sorted({(r.shop_id, r.ticket_id) for r in records if r.ticket_id})
    if not orders and not tickets:
        return []
    in_batch = {r.id for r in records}
    belongs = []
    if orders:
        belongs.append(shop_keys_in(EventRecord.shop_id, EventRecord.order_id, orders[:_CHUNK]))
    if tickets:
        belongs.append(shop_keys_in(EventRecord.shop_id, EventRecord.ticket_id, tickets[:_CHUNK]))
    query = select(EventRecord.id, EventRecord.shop_id, EventRecord.event_id).where(
        or_(*belongs),
        EventRecord.id < max(in_batch),
        EventRecord.received_at >= now - ORDERING_WINDOW,
        EventRecord.type.in_(sorted(event_types)),
    )
    candidates = [r for r in session.execute(query) if r.id not in in_batch]
    if not candidates:
        return []
    # Receipts looked up by their unique key, not joined: every store plans it
    # as index look-ups, however young its statistics.
    keys = [(r.shop_id, r.event_id) for r in candidates]
    receipts = select(HandledEvent.shop_id, HandledEvent.event_id).where(
        HandledEvent.worker == worker,
        shop_keys_in(HandledEvent.shop_id, HandledEvent.event_id, keys),
    )
    handled = {(str(shop_id), str(event_id)) for shop_id, event_id in session.execute(receipts)}
    unhandled = [r.id for r in candidates if (r.shop_id, r.event_id) not in handled]
    if not unhandled:
        return []
    rows = session.scalars(select(EventRecord).where(EventRecord.id.in_(unhandled)))
    return sorted(rows, key=lambda record: record.id)
