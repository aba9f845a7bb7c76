"""A worker's reaction to many recorded events, written in one transaction.

The ingest hands each worker the events of one ingest batch in one dramatiq
message. The worker reads them from the event log, loads the state around
them in a few queries, decides and renders every reaction in log order from a
read-only snapshot, then, in one short write transaction, claims the receipts
(one statement: events handled before, or by a twin in flight, drop out) and
writes what was decided for the events it claimed: one commit (one fsync on
SQLite) per batch instead of per event, and the same guarantees, since the
receipts and the effects still commit together.

Per-order order: an earlier event of the same order or ticket that this worker
has not handled yet (it sits in another message, taken by another thread or
process) is handled first, in this transaction, so a customer's messages are
written, and then sent, in the order their events were recorded. Such an
earlier event is claimed and applied in a savepoint: if it fails, it is left
to its own message.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from events import EnvelopeBase, parse_event
from services.domain.effects import Effect
from services.domain.views import CustomerView, World
from services.runtime.errors import describe_failure
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
    """What a batch came to: its events reacted to and skipped as handled,
    earlier events of its orders brought along, and their effects."""

    handled: int
    skipped: int
    effects: int
    earlier: int = 0


@dataclass
class Plan:
    """One event's reaction, decided and rendered, waiting to be written."""

    record: EventRecord
    effects: list[Effect]
    customer: CustomerView | None
    messages: NewNotifications
    #: An earlier event of an order in the batch, brought along to keep order.
    earlier: bool = False

    @property
    def key(self) -> EventKey:
        return (self.record.shop_id, self.record.event_id)


#: A worker's reaction to one event: (event, its world) -> effects and messages.
Planner = Callable[[EventRecord, EnvelopeBase, World], Plan]
#: Carries out a plan's timers and ticket changes in the write transaction.
Applier = Callable[[Session, Plan], None]


def handle_batch(
    read_sessions: sessionmaker[Session],
    write_sessions: sessionmaker[Session],
    *,
    worker: str,
    dispatched: Sequence[Dispatched],
    event_types: Collection[str],
    now: datetime,
    plan: Planner,
    apply: Applier,
    prepare: Callable[[Session, Sequence[Plan]], None] | None = None,
) -> Handled:
    """React to `dispatched`: decide and render from a snapshot, then write.

    Reading the events and their state, deciding and rendering (most of the
    work) happen in a read-only transaction; the write transaction that
    follows only claims the receipts and writes what was decided for the
    events it claimed. On SQLite the write lock is thus held for the writes
    alone, not while templates render. Decisions read only the state the
    ingest keeps (committed before the dispatch), never an earlier effect of
    the same batch, so deciding ahead of the write sees what deciding inside
    it would.

    ``prepare`` gets the write session and the claimed plans of the batch
    after the claims and before any of them is applied (to load in one query
    what they will touch).

    Raises:
        EventMissing: an event is not in the log yet (retry later).
    """
    log = structlog.get_logger(f"aftersale.{worker}")
    with read_sessions() as session:
        records = _records(session, [d.key for d in dispatched])
        missing = {d.key for d in dispatched} - set(records)
        if missing:
            shop_id, event_id = sorted(missing)[0]
            raise EventMissing(f"event {event_id!r} of shop {shop_id!r} is not in the event log")
        done = _handled(session, worker, list(records))
        todo = sorted((r for k, r in records.items() if k not in done), key=lambda r: r.id)
        loader = WorldLoader(session)
        earlier_parsed: list[tuple[EventRecord, EnvelopeBase]] = []
        for earlier in _earlier_unhandled(session, worker, todo, event_types, now):
            try:
                earlier_parsed.append((earlier, parse_event(earlier.body)))
            except Exception as exc:  # left to its own message, which retries or dead-letters it
                _left_alone(log, earlier, exc)
        parsed = [(record, parse_event(record.body)) for record in todo]
        # One prefetch for both: an earlier event's world found one by one costs
        # a query per row and lazy loads of its items and customer.
        loader.prefetch(subject_of(r, e) for r, e in [*earlier_parsed, *parsed])
        plans: list[Plan] = []
        for earlier, event in earlier_parsed:
            try:
                brought = plan(earlier, event, loader.world(subject_of(earlier, event)))
                brought.earlier = True
                plans.append(brought)
            except Exception as exc:
                _left_alone(log, earlier, exc)
        plans += [plan(record, event, loader.world(subject_of(record, event)))
                  for record, event in parsed]  # fmt: skip
    if not plans:
        return Handled(handled=0, skipped=len(records), effects=0)
    with write_sessions.begin() as session:
        written = NewNotifications()
        chosen = [p for p in plans if p.earlier and _apply_alone(session, worker, p, apply, now)]
        ours = [p for p in plans if not p.earlier]
        claimed = claim(session, worker, [p.key for p in ours], now)
        # After the claims: they may have waited for another transaction on the
        # same orders, whose timers and tickets the prefetch must then see.
        if prepare is not None:
            prepare(session, [p for p in ours if p.key in claimed])
        chosen += [p for p in ours if p.key in claimed]
        for chosen_plan in sorted(chosen, key=lambda p: p.record.id):
            if not chosen_plan.earlier:
                apply(session, chosen_plan)
            written.extend(chosen_plan.messages)
        written.write(session)
    handled = sum(1 for p in chosen if not p.earlier)
    return Handled(
        handled=handled,
        skipped=len(records) - handled,
        effects=sum(len(p.effects) for p in chosen),
        earlier=len(chosen) - handled,
    )


def _left_alone(log: Any, earlier: EventRecord, exc: Exception) -> None:
    """An earlier event that fails here is left to its own message, which
    retries or dead-letters it."""
    log.warning("earlier event of the same order failed; left to its own message",
                event_id=earlier.event_id, error=describe_failure(exc))  # fmt: skip


def _apply_alone(session: Session, worker: str, plan: Plan, apply: Applier, now: datetime) -> bool:
    """Claim and apply an earlier event in a savepoint; False if taken or failed
    (a failure is left to the event's own message, which retries or dead-letters it)."""
    try:
        with session.begin_nested():
            if not claim(session, worker, [plan.key], now):
                return False
            apply(session, plan)
    except Exception as exc:
        structlog.get_logger(f"aftersale.{worker}").warning(
            "earlier event of the same order failed; left to its own message",
            event_id=plan.record.event_id,
            error=describe_failure(exc),
        )
        return False
    return True


def _handled(session: Session, worker: str, keys: Sequence[EventKey]) -> set[EventKey]:
    """The keys among `keys` this worker already has a receipt for."""
    found: set[EventKey] = set()
    for start in range(0, len(keys), _CHUNK):
        query = select(HandledEvent.shop_id, HandledEvent.event_id).where(
            HandledEvent.worker == worker,
            shop_keys_in(HandledEvent.shop_id, HandledEvent.event_id, keys[start : start + _CHUNK]),
        )
        found |= {(str(shop), str(event)) for shop, event in session.execute(query)}
    return found


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
    handled = _handled(session, worker, [(r.shop_id, r.event_id) for r in candidates])
    unhandled = [r.id for r in candidates if (r.shop_id, r.event_id) not in handled]
    if not unhandled:
        return []
    rows = session.scalars(select(EventRecord).where(EventRecord.id.in_(unhandled)))
    return sorted(rows, key=lambda record: record.id)
