"""Durable timers: schedule, re-schedule, cancel, and claim the due ones."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from services.runtime.store.models import Timer

PENDING, FIRED, CANCELLED = "pending", "fired", "cancelled"

#: (shop_id, kind, subject_id): a timer's unique key.
TimerKey = tuple[str, str, str]
#: ``session.info`` entry: the timers of this session by key, ``None`` where
#: there is none; filled by :func:`prefetch`, kept up to date by :func:`schedule`.
_KNOWN = "aftersale.timers"
_CHUNK = 400
_UNKNOWN: Any = object()


def prefetch(session: Session, keys: Iterable[TimerKey]) -> None:
    """Load the timers of ``keys`` in one query per shop and kind, so that
    :func:`schedule` and :func:`cancel` find them in memory: a batch's timers
    cost one SELECT, not a statement (and the flush before it) each."""
    known: dict[TimerKey, Timer | None] = session.info.setdefault(_KNOWN, {})
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key in keys:
        if key not in known:
            wanted[key[:2]].add(key[2])
    for (shop_id, kind), subjects in sorted(wanted.items()):
        ordered = sorted(subjects)
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            known.update({(shop_id, kind, subject): None for subject in chunk})
            query = select(Timer).where(
                and_(Timer.shop_id == shop_id, Timer.kind == kind, Timer.subject_id.in_(chunk))
            )
            for timer in session.scalars(query):
                known[(timer.shop_id, timer.kind, timer.subject_id)] = timer


def schedule(
    session: Session,
    *,
    shop_id: str,
    kind: str,
    subject_id: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> Timer:
    """Set the timer (kind, subject) to fire at `due_at`; a re-schedule bumps its version."""
    known: dict[TimerKey, Timer | None] | None = session.info.get(_KNOWN)
    key = (shop_id, kind, subject_id)
    timer: Timer | None = known.get(key, _UNKNOWN) if known is not None else _UNKNOWN
    # A timer added in a savepoint that was rolled back has left the session.
    if timer is _UNKNOWN or (timer is not None and timer not in session):
        timer = session.scalar(
            select(Timer).where(
                Timer.shop_id == shop_id, Timer.kind == kind, Timer.subject_id == subject_id
            )
        )
    if timer is None:
        timer = Timer(
            shop_id=shop_id,
            kind=kind,
            subject_id=subject_id,
            due_at=due_at,
            state=PENDING,
            version=1,
            payload=payload,
            created_at=now,
        )
        session.add(timer)
        if known is not None:
            known[key] = timer
        return timer
    timer.due_at = due_at
    timer.state = PENDING
    timer.version += 1
    timer.payload = payload
    timer.fired_at = None
    timer.cancelled_at = None
    timer.leased_until = None
    return timer


def cancel(
    session: Session, *, shop_id: str, kind: str, subject_id: str, at: datetime | None = None
) -> bool:
    """Cancel a pending timer; True when one was pending."""
    known: dict[TimerKey, Timer | None] | None = session.info.get(_KNOWN)
    timer: Timer | None = known.get((shop_id, kind, subject_id), _UNKNOWN) if known else _UNKNOWN
    if timer is None:
        return False  # prefetched: there is none (only this order's events make one)
    if timer is not _UNKNOWN and timer in session:
        # Prefetched: changed in memory and flushed with the batch, instead of an
        # UPDATE (and the flush before it) per event.
        if timer.state != PENDING:
            return False
        timer.state = CANCELLED
        timer.version += 1
        timer.cancelled_at = at
        return True
    result = session.execute(
        update(Timer)
        .where(
            Timer.shop_id == shop_id,
            Timer.kind == kind,
            Timer.subject_id == subject_id,
            Timer.state == PENDING,
        )
        .values(state=CANCELLED, version=Timer.version + 1, cancelled_at=at)
    )
    return bool(getattr(result, "rowcount", 0))


def cancel_prefix(
    session: Session,
    *,
    shop_id: str,
    kind: str,
    subject_prefix: str,
    at: datetime | None = None,
) -> int:
    """Cancel every pending timer of `kind` whose subject starts with the prefix."""
    # substr, not LIKE: case-sensitive on SQLite too, and no wildcards to escape.
    result = session.execute(
        update(Timer)
        .where(
            Timer.shop_id == shop_id,
            Timer.kind == kind,
            func.substr(Timer.subject_id, 1, len(subject_prefix)) == subject_prefix,
            Timer.state == PENDING,
        )
        .values(state=CANCELLED, version=Timer.version + 1, cancelled_at=at)
        # Timers this session holds (a batch's, prefetched) are brought up to date.
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0))


def claim_due(
    session: Session, now: datetime, limit: int, lease: timedelta = timedelta(seconds=60)
) -> list[Timer]:
    """Lease the pending timers due by `now` (oldest first) for `lease`.

    On PostgreSQL the rows are taken with FOR UPDATE SKIP LOCKED, so several
    schedulers share the work; a leased timer is skipped by the others until
    the lease runs out. Commit right after: the firing is published outside
    the transaction, then confirmed with :func:`mark_fired`.
    """
    query = (
        select(Timer)
        .where(
            Timer.state == PENDING,
            Timer.due_at <= now,
            or_(Timer.leased_until.is_(None), Timer.leased_until < now),
        )
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    due = list(session.scalars(query))
    for timer in due:
        timer.leased_until = now + lease
    return due


def mark_fired(session: Session, fired: list[tuple[int, int]], at: datetime) -> int:
    """Mark (id, version) fired; a timer re-scheduled or cancelled meanwhile is left as is."""
    done = 0
    for start in range(0, len(fired), 400):
        chunk = fired[start : start + 400]
        result = session.execute(
            update(Timer)
            .where(tuple_(Timer.id, Timer.version).in_(chunk), Timer.state == PENDING)
            .values(state=FIRED, fired_at=at, leased_until=None)
            .execution_options(synchronize_session=False)
        )
        done += int(getattr(result, "rowcount", 0))
    return done
