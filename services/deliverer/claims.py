"""Claiming due outbox rows, in Core statements.

A claim takes up to ``limit`` due rows, earliest first, with ``FOR UPDATE SKIP
LOCKED`` (PostgreSQL; SQLite's write lock serialises claims anyway), and
moves their ``next_attempt_at`` to the lease's end, in one short transaction.
Both SELECTs are served by ``ix_notifications_status_next_attempt_at``
(status, next_attempt_at), whatever the table's size (``test_claims.py``
checks the plans): an index range scan for ``next_attempt_at <= now``, ties
broken by id (an incremental sort on PostgreSQL), and an index lookup for
rows with no time at all. Nothing writes those today (pending rows get their
creation time), but a row without a time is due, and ``x <= now`` never
matches NULL; a statement of its own keeps the range scan free of an ``OR``.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Select, Table, inspect, select, update
from sqlalchemy.orm import Session

from services.runtime.store.models import Notification

_TABLE = cast(Table, Notification.__table__)
_COLUMNS = _TABLE.c
_PENDING = _COLUMNS.status == "pending"
#: (attribute, column) of every mapped column: rows become detached objects
#: without the cost of loading them through a session.
_FIELDS = [(attr.key, attr.columns[0]) for attr in inspect(Notification).column_attrs]


def claim_statements(now: datetime, limit: int) -> tuple[Select[tuple[object, ...]], ...]:
    """The two SELECTs of a claim (also used by the EXPLAIN test and the benchmark)."""
    due = (
        select(*(column for _key, column in _FIELDS))
        .where(_PENDING, _COLUMNS.next_attempt_at <= now)
        .order_by(_COLUMNS.next_attempt_at, _COLUMNS.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    timeless = (
        select(*(column for _key, column in _FIELDS))
        .where(_PENDING, _COLUMNS.next_attempt_at.is_(None))
        # Not "ORDER BY id" alone: PostgreSQL would walk the primary key through
        # the whole table looking for the (usually no) rows without a time.
        .order_by(_COLUMNS.next_attempt_at, _COLUMNS.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return timeless, due


def claim(session: Session, now: datetime, lease_until: datetime, limit: int) -> list[Notification]:
    """Up to ``limit`` due rows, leased until ``lease_until``; detached, in id order.

    Id order is creation order, so one recipient's messages are handed on in
    the order they were written.
    """
    timeless, due = claim_statements(now, limit)
    rows = list(session.execute(timeless))
    if len(rows) < limit:
        rows += session.execute(due.limit(limit - len(rows)))
    if not rows:
        return []
    claimed = [Notification(**{key: row[n] for n, (key, _c) in enumerate(_FIELDS)}) for row in rows]
    session.execute(
        update(_TABLE)
        .where(_COLUMNS.id.in_([notification.id for notification in claimed]))
        .values(next_attempt_at=lease_until)
    )
    for notification in claimed:
        notification.next_attempt_at = lease_until
    claimed.sort(key=lambda notification: notification.id)
    return claimed
