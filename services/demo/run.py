"""Run the demo against a running system: check it is up, publish the stream,
watch the outbox until every kind of message has appeared, and sum up.

`aftersale demo` is a thin shell around :func:`run_demo`; tests call it directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import pika.exceptions
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from services.demo.stream import SHOP_ID, STORY_SECONDS, DemoStream, build_stream, follow_up
from services.domain.kinds import CUSTOMER_KINDS, STAFF_KINDS
from services.publishing.publisher import EventPublisher
from services.runtime.amqp import BrokerUnreachable, connect
from services.runtime.clock import Clock, utcnow
from services.runtime.settings import Settings
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.store.models import EventRecord, Notification, Order, Ticket
from services.runtime.topology import INGEST_QUEUE

#: Every kind the demo must show, customers' first.
EXPECTED_KINDS: tuple[str, ...] = CUSTOMER_KINDS + STAFF_KINDS
STATUSES = ("sent", "pending", "failed", "suppressed")
START_FIRST = "start `aftersale up` first (in another terminal)"


class DemoError(RuntimeError):
    """The demo cannot run; the message is one line for a person."""


@dataclass
class KindRow:
    kind: str
    audience: str
    count: int = 0
    sent: int = 0
    pending: int = 0
    failed: int = 0
    suppressed: int = 0


@dataclass
class Summary:
    run_id: str
    published: int = 0
    rejected: int = 0
    recorded: int = 0
    elapsed_s: float = 0.0
    rows: list[KindRow] = field(default_factory=list)
    #: "failed: <reason>" / "suppressed: <reason>" → how many.
    reasons: dict[str, int] = field(default_factory=dict)
    follow_up: int = 0

    @property
    def missing(self) -> list[str]:
        return [row.kind for row in self.rows if row.count == 0]

    @property
    def complete(self) -> bool:
        return bool(self.rows) and not self.missing

    @property
    def pending(self) -> int:
        return sum(row.pending for row in self.rows)

    def as_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["kinds"] = document.pop("rows")
        document.update(complete=self.complete, missing=self.missing)
        return document


def check_system_up(amqp_url: str) -> None:
    """Raise :class:`DemoError` unless something consumes the ingest queue."""
    try:
        connection = connect(amqp_url, name="aftersale-demo")
    except BrokerUnreachable as exc:
        raise DemoError(f"{exc}; then {START_FIRST}") from exc
    try:
        frame = connection.channel().queue_declare(INGEST_QUEUE, passive=True)
        consumers = frame.method.consumer_count
    except pika.exceptions.ChannelClosedByBroker:
        consumers = 0  # the queue does not even exist: nothing ever ran
    finally:
        if connection.is_open:
            connection.close()
    if not consumers:
        raise DemoError(START_FIRST)


def publish(
    amqp_url: str,
    events: Sequence[dict[str, Any]],
    on_published: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Publish with confirms; (confirmed, rejected)."""
    confirmed = rejected = 0
    with EventPublisher(amqp_url) as publisher:
        for done, event in enumerate(events, start=1):
            if publisher.publish_event(event) == "confirmed":
                confirmed += 1
            else:
                rejected += 1
            if on_published is not None:
                on_published(done, len(events))
    return confirmed, rejected


def _mine(run_id: str) -> Any:
    return or_(
        Notification.order_id.like(f"%{run_id}-%"), Notification.ticket_id.like(f"%{run_id}-%")
    )


def read_outbox(session: Session, summary: Summary, since: datetime) -> None:
    """Fill `summary` with this run's notifications (created since `since`)."""
    run_id = summary.run_id
    rows = {kind: KindRow(kind, "staff" if kind in STAFF_KINDS else "customer")
            for kind in EXPECTED_KINDS}  # fmt: skip
    mine = (Notification.shop_id == SHOP_ID, Notification.created_at >= since, _mine(run_id))
    counts = select(Notification.kind, Notification.status, func.count()).where(*mine)
    for kind, status, count in session.execute(
        counts.group_by(Notification.kind, Notification.status)
    ):
        row = rows.setdefault(kind, KindRow(kind, "staff" if kind in STAFF_KINDS else "customer"))
        row.count += count
        if status in STATUSES:
            setattr(row, status, getattr(row, status) + count)
    summary.rows = list(rows.values())
    why = select(Notification.status, Notification.failure_reason, func.count()).where(
        *mine, Notification.status.in_(("failed", "suppressed"))
    )
    summary.reasons = {
        f"{status}: {reason or 'no reason given'}": count
        for status, reason, count in session.execute(
            why.group_by(Notification.status, Notification.failure_reason)
        )
    }
    summary.recorded = (
        session.scalar(
            select(func.count()).where(
                EventRecord.shop_id == SHOP_ID, EventRecord.event_id.like(f"demo-{run_id}-%")
            )
        )
        or 0
    )


def _wind_down(
    settings: Settings, sessions: sessionmaker[Session], stream: DemoStream, clock: Clock
) -> int:
    """Answer and resolve the run's open tickets, deliver the lost parcel, so
    that no alert keeps repeating after the demo. The number of events sent."""
    with sessions() as session:
        open_tickets = list(session.scalars(select(Ticket.ticket_id).where(
            Ticket.shop_id == SHOP_ID, Ticket.ticket_id.like(f"%{stream.run_id}-%"),
            Ticket.status != "resolved",
        ).order_by(Ticket.id)))  # fmt: skip
        parcel = session.scalar(select(Order.status).where(
            Order.shop_id == SHOP_ID, Order.order_id == stream.overdue_order_id
        ))  # fmt: skip
    events = follow_up(stream, clock(), open_tickets, parcel not in (None, "delivered"))
    return publish(settings.amqp_url, events)[0] if events else 0


def run_demo(
    settings: Settings,
    *,
    wait: float = 120.0,
    on_published: Callable[[int, int], None] | None = None,
    on_poll: Callable[[Summary], None] | None = None,
    wind_down: bool = True,
    clock: Clock = utcnow,
    poll_every: float = 1.0,
    settle: float = 5.0,
) -> Summary:
    """The whole demo; the summary says which kinds appeared and how they fared.

    Watches until every kind has appeared and the story has run its course
    (`STORY_SECONDS`: level-2 breaches, second deadline alerts), or `wait`
    seconds after publishing; then, with `wind_down`, closes what would
    otherwise keep alerting."""
    check_system_up(settings.amqp_url)
    started, began = clock(), time.monotonic()
    stream = build_stream(started)
    summary = Summary(stream.run_id)
    summary.published, summary.rejected = publish(settings.amqp_url, stream.events, on_published)
    engine = build_engine(settings.database_url, pooled=False)
    sessions = session_factory(engine)
    try:
        deadline, story_end = time.monotonic() + wait, began + STORY_SECONDS
        while True:
            with sessions() as session:
                read_outbox(session, summary, started)
            now = time.monotonic()
            summary.elapsed_s = round(now - began, 1)
            if on_poll is not None:
                on_poll(summary)
            told = now >= story_end and (summary.pending == 0 or now >= story_end + settle)
            if (summary.complete and told) or now >= deadline:
                break
            time.sleep(poll_every)
        if wind_down:
            summary.follow_up = _wind_down(settings, sessions, stream, clock)
    finally:
        engine.dispose()
    return summary
