"""The deliverer: claims due outbox rows, sends them, records every attempt.

Several deliverers may run against one PostgreSQL store. A round claims due
rows with ``FOR UPDATE SKIP LOCKED`` and moves their ``next_attempt_at`` ahead
as a lease, in one short transaction; sending happens outside any transaction;
each result is recorded in a transaction of its own, only while the row is
still pending. A deliverer that dies mid-round leaves its rows to be taken
again when the lease runs out.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import or_, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from services.deliverer.backoff import Random, next_attempt
from services.deliverer.channels.base import Channel, PermanentFailure, TemporaryFailure
from services.runtime.clock import Clock, utcnow
from services.runtime.logging import get_logger, mask_personal_data, mask_recipient
from services.runtime.policies import PolicyBook
from services.runtime.store.models import DeliveryAttempt, Notification

__all__ = ["DEFAULT_LEASE", "Deliverer", "next_attempt"]

log = get_logger("aftersale.deliverer")

#: How long claimed rows are kept from other deliverers while this one sends them.
DEFAULT_LEASE = timedelta(minutes=5)
#: Longest pause between rounds while the store is unreachable (seconds).
MAX_STORE_PAUSE = 30.0

Outcome = Literal["sent", "retry", "failed"]


@dataclass(frozen=True)
class _Result:
    outcome: Outcome
    reason: str | None = None


class Deliverer:
    """Sends pending notifications through their channels, with retries and back-off.

    Parameters
    ----------
    sessions:
        Sessions on the store.
    channels:
        The channel for each ``Notification.channel`` value ("email", "sms", …).
    policies:
        ``delivery.max_attempts`` per shop: temporary failures after that many
        attempts make the notification failed.
    clock:
        The current time (aware).
    rng:
        Jitter of the back-off; a seeded ``random.Random`` in tests.
    lease:
        How long a claimed row is kept from other deliverers.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        channels: Mapping[str, Channel],
        policies: PolicyBook,
        clock: Clock = utcnow,
        *,
        rng: Random | None = None,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self._sessions = sessions
        self._channels = dict(channels)
        self._policies = policies
        self._clock = clock
        self._rng: Random = rng or random.Random()
        self._lease = lease

    def deliver_due(self, limit: int = 50, stop: threading.Event | None = None) -> int:
        """One round: send up to ``limit`` due notifications; how many were tried.

        Rows left unsent (``stop`` set, or half the lease used up by slow
        channels) are handed back at once rather than left to their lease.
        """
        claimed, lease_until = self._claim(limit)
        deadline = lease_until - self._lease / 2
        for index, notification in enumerate(claimed):
            if (stop is not None and stop.is_set()) or self._clock() >= deadline:
                self._release(claimed[index:], lease_until)
                return index
            self._record_with_patience(notification, self._send(notification), lease_until, stop)
        return len(claimed)

    def _record_with_patience(
        self,
        notification: Notification,
        result: Any,
        lease_until: datetime,
        stop: threading.Event | None,
    ) -> None:
        """The message has gone out: keep trying to write that down while the
        lease lasts, so a short store outage does not cause a resend."""
        pause = 0.5
        budget = time.monotonic() + max(0.0, (lease_until - self._clock()).total_seconds())
        while True:
            try:
                self._record(notification, result)
                return
            except (OperationalError, InterfaceError) as exc:
                if time.monotonic() + pause >= budget:
                    raise
                log.warning("store unavailable while recording a send; retrying",
                            error=str(exc).splitlines()[0][:200], retry_in=pause)  # fmt: skip
                if stop is not None:
                    stop.wait(pause)
                else:
                    time.sleep(pause)
                pause = min(pause * 2, 10.0)

    def run(self, stop: threading.Event, poll_interval: float = 0.2, *, limit: int = 50) -> None:
        """Deliver until ``stop`` is set; an unreachable store is waited out, never fatal."""
        log.info("deliverer started", channels=sorted(self._channels))
        pause = 0.0
        while not stop.is_set():
            try:
                tried = self.deliver_due(limit, stop)
            except Exception as exc:
                pause = min(max(pause * 2, 1.0), MAX_STORE_PAUSE)
                if isinstance(exc, SQLAlchemyError | OSError):
                    log.warning("store unavailable, retrying", error=str(exc), retry_in=pause)
                else:
                    log.exception("delivery round failed, retrying", retry_in=pause)
                stop.wait(pause)
                continue
            pause = 0.0
            if tried < limit:
                stop.wait(poll_interval)
        log.info("deliverer stopped")

    def _claim(self, limit: int) -> tuple[list[Notification], datetime]:
        now = self._clock()
        lease_until = now + self._lease
        due = (
            select(Notification)
            .where(
                Notification.status == "pending",
                or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
            )
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with self._sessions.begin() as session:
            rows = list(session.scalars(due))
            for row in rows:
                row.next_attempt_at = lease_until
            session.flush()
            # Detached copies, usable after the commit whatever the session's settings.
            session.expunge_all()
        return rows, lease_until

    def _release(self, rows: Sequence[Notification], lease_until: datetime) -> None:
        ids = [row.id for row in rows]
        with self._sessions.begin() as session:
            session.execute(
                update(Notification)
                .where(
                    Notification.id.in_(ids),
                    Notification.status == "pending",
                    # Only our own lease: another deliverer may have taken an expired one.
                    Notification.next_attempt_at == lease_until,
                )
                .values(next_attempt_at=self._clock())
            )

    def _send(self, notification: Notification) -> _Result:
        channel = self._channels.get(notification.channel)
        if channel is None:
            return _Result("failed", f"no {notification.channel!r} channel is configured")
        try:
            channel.send(notification)
        except TemporaryFailure as exc:
            return _Result("retry", exc.reason)
        except PermanentFailure as exc:
            return _Result("failed", exc.reason)
        except Exception as exc:
            # A bug in a channel: retried (and in the end failed) rather than lost.
            log.exception("channel raised an unexpected error", **_fields(notification))
            return _Result("retry", f"unexpected error: {type(exc).__name__}: {exc}")
        return _Result("sent")

    def _record(self, notification: Notification, result: _Result) -> None:
        now = self._clock()
        with self._sessions.begin() as session:
            row = session.scalars(
                select(Notification).where(Notification.id == notification.id).with_for_update()
            ).one_or_none()
            if row is None:
                log.warning("notification vanished while being sent", **_fields(notification))
                return
            if row.status != "pending":
                # Decided elsewhere meanwhile (an operator; a deliverer after our lease ran out).
                session.add(_attempt(row, now, result.outcome, result.reason))
                log.warning(
                    "notification no longer pending; result not applied",
                    status=row.status,
                    outcome=result.outcome,
                    **_fields(notification),
                )
                return
            self._apply(row, result, now, session)

    def _apply(self, row: Notification, result: _Result, now: datetime, session: Session) -> None:
        row.attempts = (row.attempts or 0) + 1
        fields = _fields(row)
        if result.outcome == "sent":
            row.status, row.sent_at, row.next_attempt_at = "sent", now, None
            row.failure_reason = None
            session.add(_attempt(row, now, "sent", None))
            log.info("notification sent", attempts=row.attempts, **fields)
            return
        reason = result.reason or "unknown"
        max_attempts = self._policies.for_shop(row.shop_id).delivery.max_attempts
        if result.outcome == "retry" and row.attempts < max_attempts:
            row.next_attempt_at = next_attempt(row.attempts, now, self._rng)
            row.failure_reason = reason
            session.add(_attempt(row, now, "retry", reason))
            log.warning(
                "delivery failed, will retry",
                reason=mask_personal_data(reason),
                attempts=row.attempts,
                next_attempt_at=row.next_attempt_at.isoformat(),
                **fields,
            )
            return
        if result.outcome == "retry":
            reason = f"{reason} (gave up after {row.attempts} attempts)"
        row.status, row.next_attempt_at, row.failure_reason = "failed", None, reason
        session.add(_attempt(row, now, "failed", reason))
        log.error(
            "notification failed",
            reason=mask_personal_data(reason),
            attempts=row.attempts,
            **fields,
        )


def _attempt(row: Notification, now: datetime, outcome: str, detail: str | None) -> DeliveryAttempt:
    return DeliveryAttempt(notification_pk=row.id, at=now, outcome=outcome, detail=detail)


def _fields(notification: Notification) -> dict[str, Any]:
    """Log context without personal data: masked recipient, masked key."""
    return {
        "notification_id": notification.id,
        "shop_id": notification.shop_id,
        "kind": notification.kind,
        "channel": notification.channel,
        "recipient": mask_recipient(notification.channel, notification.recipient),
        "idempotency_key": mask_personal_data(notification.idempotency_key),
    }
