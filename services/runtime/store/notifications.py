"""The outbox of notifications: written once per idempotency key."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.runtime.store.bulk import insert_new
from services.runtime.store.models import Notification
from services.runtime.store.outbox_signal import notify_outbox


@dataclass
class NewNotifications:
    """Outbox rows decided in one transaction, written together at its end.

    Written in the order they were decided (ids ascend with it, which the
    deliverer keeps per recipient), once per idempotency key: a key decided
    twice, or already in the store, is left out.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    _keys: set[str] = field(default_factory=set)

    def add(
        self,
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
    ) -> None:
        if idempotency_key in self._keys:
            return
        self._keys.add(idempotency_key)
        self.rows.append(
            {
                "idempotency_key": idempotency_key,
                "shop_id": shop_id,
                "kind": kind,
                "channel": channel,
                "recipient": recipient,
                "content": content,
                "created_at": now,
                "next_attempt_at": now if status == "pending" else None,
                "locale": locale,
                "order_id": order_id,
                "ticket_id": ticket_id,
                "status": status,
                "attempts": 0,
                "failure_reason": failure_reason,
                "customer_id": customer_id,
            }
        )

    def extend(self, other: NewNotifications) -> None:
        """Add what `other` decided, after what this one holds."""
        for row in other.rows:
            if row["idempotency_key"] not in self._keys:
                self._keys.add(row["idempotency_key"])
                self.rows.append(row)

    def write(self, session: Session) -> int:
        """Insert what was decided; how many rows were new."""
        table = Notification.__table__
        written = insert_new(session, table, self.rows, ("idempotency_key",),  # type: ignore[arg-type]
                             returning=("id",))  # fmt: skip
        self.rows.clear()
        self._keys.clear()
        if written:
            notify_outbox(session)  # wakes a waiting deliverer when this commits
        return len(written)


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


def _filtered(query: Any, filters: NotificationFilter) -> Any:
    for column, value in (
        (Notification.order_id, filters.order_id),
        (Notification.kind, filters.kind),
        (Notification.channel, filters.channel),
        (Notification.status, filters.status),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


@dataclass(frozen=True)
class NotificationFilter:
    """Which notifications a listing is about (None: any)."""

    order_id: str | None = None
    kind: str | None = None
    channel: str | None = None
    status: str | None = None


def list_notifications(
    session: Session,
    *,
    order_id: str | None = None,
    kind: str | None = None,
    limit: int | None = 500,
    channel: str | None = None,
    status: str | None = None,
) -> list[Notification]:
    """The newest ``limit`` matching rows (all with None), oldest first."""
    filters = NotificationFilter(order_id, kind, channel, status)
    query = _filtered(
        select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc()),
        filters,
    )
    if limit is not None:
        query = query.limit(limit)
    return list(reversed(session.scalars(query).all()))


def count_notifications(session: Session, filters: NotificationFilter) -> int:
    """How many rows match ``filters`` (to say how many a listing left out)."""
    query = _filtered(select(func.count()).select_from(Notification), filters)
    return int(session.scalar(query) or 0)
