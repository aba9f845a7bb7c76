"""Tables of what goes out: the outbox of messages, every attempt to send one,
and the addresses nothing is sent to any more."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.runtime.store.base import Base, Id
from services.runtime.store.columns import UtcDateTime


class Notification(Base):
    """The outbox: one row per message to a customer or to staff."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    #: (event, kind, recipient) made into one string; unique, so nothing is sent twice.
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    shop_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(2048))
    #: pending, sent, failed or suppressed.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    order_id: Mapped[str | None] = mapped_column(String(128), index=True)
    ticket_id: Mapped[str | None] = mapped_column(String(128), index=True)
    #: The customer a customer-facing message is for (None for staff alerts).
    customer_id: Mapped[str | None] = mapped_column(String(128))
    locale: Mapped[str | None] = mapped_column(String(16))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    failure_reason: Mapped[str | None] = mapped_column(Text)


class DeliveryAttempt(Base):
    """One try to hand a notification to its channel, with what came of it."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    notification_pk: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: sent, retry (temporary failure) or failed (permanent).
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)


class Suppression(Base):
    """An email address nothing (or nothing but transactional mail) is sent to any more:
    a permanent bounce, a spam complaint, an address the mail server refused, a
    one-click unsubscribe, or an operator's decision. One row per address."""

    __tablename__ = "suppressions"

    #: Lower case, as compared (the domain is case-blind; local parts in practice too).
    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    #: bounce, complaint, rejected, unsubscribe or manual (see `suppressions.REASONS`).
    reason: Mapped[str] = mapped_column(String(16))
    #: Who said so: ses, postmark, sendgrid, generic, smtp, one_click, operator.
    source: Mapped[str] = mapped_column(String(16))
    #: The provider's or the server's own words, for the timeline.
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: The shop an unsubscribe was given to; None for everything else (every shop).
    shop_id: Mapped[str | None] = mapped_column(String(128))
