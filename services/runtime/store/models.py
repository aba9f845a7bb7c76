"""Tables of the store. One row per thing in the domain's words."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.customers import DEFAULT_LOCALE, DEFAULT_TIMEZONE
from services.runtime.store.base import NAMING, Base, Id
from services.runtime.store.columns import ExactMoney as Money
from services.runtime.store.columns import UtcDateTime
from services.runtime.store.outbox_models import DeliveryAttempt, Notification, Suppression

__all__ = [
    "NAMING",
    "Base",
    "Customer",
    "DeliveryAttempt",
    "EventRecord",
    "Feedback",
    "GatewayReplay",
    "HandledEvent",
    "Id",
    "Notification",
    "Order",
    "OrderItem",
    "OrderStatusChange",
    "Return",
    "Suppression",
    "Ticket",
    "Timer",
]


class EventRecord(Base):
    """The event log: every accepted event once, with its original bytes."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("shop_id", "event_id"),
        Index("ix_events_shop_id_order_id", "shop_id", "order_id"),
        Index("ix_events_shop_id_ticket_id", "shop_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(128))
    event_id: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: The body exactly as it arrived (unknown extra fields included).
    body: Mapped[bytes] = mapped_column(LargeBinary)
    #: The order and ticket the event belongs to, resolved when recorded (timelines).
    order_id: Mapped[str | None] = mapped_column(String(128))
    ticket_id: Mapped[str | None] = mapped_column(String(128))
    #: Set once the dispatch to the workers is confirmed by the broker.
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("shop_id", "customer_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[str] = mapped_column(String(128))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(16), default=DEFAULT_LOCALE)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    marketing_consent: Mapped[bool] = mapped_column(default=False)
    opted_out: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("shop_id", "order_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(128))
    order_id: Mapped[str] = mapped_column(String(128))
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    total: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    promised_delivery_by: Mapped[str | None] = mapped_column(String(40))
    carrier: Mapped[str | None] = mapped_column(String(128))
    tracking_number: Mapped[str | None] = mapped_column(String(128))
    tracking_url: Mapped[str | None] = mapped_column(Text)
    #: ISO date or date-time, as the shop sent it (a day or an exact time).
    estimated_delivery: Mapped[str | None] = mapped_column(String(40))
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    customer: Mapped[Customer] = relationship()
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    history: Mapped[list[OrderStatusChange]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderStatusChange.id"
    )


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    order_pk: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    category: Mapped[str | None] = mapped_column(String(128))

    order: Mapped[Order] = relationship(back_populates="items")


class OrderStatusChange(Base):
    """The order's status timeline: one row per step, with the event behind it."""

    __tablename__ = "order_status_changes"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    order_pk: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    event_id: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    order: Mapped[Order] = relationship(back_populates="history")


class Return(Base):
    __tablename__ = "returns"
    __table_args__ = (UniqueConstraint("shop_id", "return_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(128))
    return_id: Mapped[str] = mapped_column(String(128))
    order_pk: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    refund_amount: Mapped[Decimal | None] = mapped_column(Money)
    #: `withdrawal_function` for a withdrawal made on the order page; else none.
    source: Mapped[str | None] = mapped_column(String(32))

    order: Mapped[Order] = relationship()


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("shop_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(128))
    ticket_id: Mapped[str] = mapped_column(String(128))
    customer_pk: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(Text)
    order_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    first_replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The first customer message since the last agent reply: the next-reply
    #: clock runs from it. Replies may arrive out of order, so both sides'
    #: latest reply times are kept to tell who spoke last.
    awaiting_reply_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_agent_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_customer_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    callback_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    callback_completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The SLA clock, kept by the escalator: the first reply's target (for the
    #: compliance figures), the running clock's target and hard limit, and the
    #: highest alert level sent for it.
    first_reply_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reply_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    hard_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    customer: Mapped[Customer] = relationship()


class Timer(Base):
    """A durable, cancellable deadline; the scheduler fires due ones."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("shop_id", "kind", "subject_id"),
        Index("ix_timers_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(256))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: pending, fired or cancelled.
    state: Mapped[str] = mapped_column(String(16), default="pending")
    #: Bumped on every re-schedule, so a handler can tell a stale firing.
    version: Mapped[int] = mapped_column(Integer, default=1)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: A scheduler took it and is publishing its firing; another may take it
    #: again only after this moment (the first one died).
    leased_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class HandledEvent(Base):
    """A worker's receipt for an event it acted on, written in the same
    transaction as its effects: a redelivered dispatch finds it and does nothing."""

    __tablename__ = "handled_events"
    __table_args__ = (UniqueConstraint("worker", "shop_id", "event_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    worker: Mapped[str] = mapped_column(String(64))
    shop_id: Mapped[str] = mapped_column(String(128))
    event_id: Mapped[str] = mapped_column(String(128))
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Feedback(Base):
    """A customer's answer: a survey click, a review, a post, an email."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("shop_id", "feedback_id"),
        Index("ix_feedback_shop_id_customer_id", "shop_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(128))
    feedback_id: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[str] = mapped_column(String(128))
    order_id: Mapped[str | None] = mapped_column(String(128))
    scale: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GatewayReplay(Base):
    """A signed gateway request already admitted, kept while its timestamp is
    inside the window: every gateway on this store refuses it a second time."""

    __tablename__ = "gateway_replays"
    __table_args__ = (UniqueConstraint("shop_id", "signature_digest"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(128))
    #: SHA-256 (hex) of the request's signature header, lower case.
    signature_digest: Mapped[str] = mapped_column(String(64))
    #: When the request's timestamp leaves the window; the row may go after it.
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
