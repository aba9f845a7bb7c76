"""Decide and record one batch of deliveries in a single store transaction.

The outcome says what the consumer must publish (dispatches, dead letters,
retries) before it acks. Nothing is published here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import InterfaceError as DBInterfaceError
from sqlalchemy.orm import Session, sessionmaker

from events import ContractViolation, EnvelopeBase
from events.cloudevents import read_message
from services.ingest.delivery import Delivery
from services.ingest.known import Known
from services.ingest.parents import SOFT_WAIT, ParentRef, parent_of
from services.ingest.projection import apply_event, parent_exists
from services.ingest.retry import GiveUp, plan_retry
from services.runtime.errors import describe_failure
from services.runtime.policies import PolicyBook
from services.runtime.store.event_log import EventKey, find_recorded
from services.runtime.topology import RETRY_STEPS_SECONDS

log = structlog.get_logger("aftersale.ingest")

#: Errors that mean "the store is away", not "this event is bad": retry the batch.
STORE_UNAVAILABLE = (OperationalError, DBInterfaceError)


@dataclass(frozen=True)
class Dispatch:
    shop_id: str
    event_id: str
    type: str


@dataclass(frozen=True)
class DeadLetter:
    delivery: Delivery
    code: str
    reason: str


@dataclass(frozen=True)
class Retry:
    delivery: Delivery
    step_seconds: int
    attempt: int
    first_seen: datetime


@dataclass
class BatchOutcome:
    dispatches: list[Dispatch] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    retries: list[Retry] = field(default_factory=list)
    duplicates: int = 0
    recorded: int = 0


@dataclass(frozen=True)
class _Valid:
    delivery: Delivery
    event: EnvelopeBase
    #: The native envelope the event log keeps (a CloudEvent's is built from it).
    envelope: bytes


def _classify(deliveries: Sequence[Delivery], outcome: BatchOutcome) -> list[_Valid]:
    valid: list[_Valid] = []
    for delivery in deliveries:
        try:
            wire = read_message(delivery.body, delivery.properties.content_type, delivery.headers)
            valid.append(_Valid(delivery, wire.event, wire.envelope))
        except ContractViolation as violation:
            code = violation.code
            outcome.dead_letters.append(DeadLetter(delivery, code, violation.reason))
            log.warning(
                "event rejected",
                reason=violation.reason,
                code=code,
                event_id=violation.event_id,
                type=violation.type,
                shop_id=violation.shop_id,
                routing_key=delivery.original_routing_key,
            )
    return valid


class _InBatch:
    """Marks an event recorded earlier in this very batch (dispatched with it)."""

    dispatched_at = None
    in_batch = True


_IN_BATCH: Any = _InBatch()


class ProjectionFailed(Exception):
    """One event of a batch could not be applied; the batch is redone one by one."""


def _record_one(
    known: Known,
    item: _Valid,
    seen: dict[EventKey, Any],
    policies: PolicyBook,
    now: datetime,
    outcome: BatchOutcome,
) -> Dispatch | None:
    """Record one event (written with the batch); its dispatch, or None when it was not."""
    event = item.event
    key = (event.shop_id, event.event_id)
    existing = seen.get(key)
    if existing is not None:
        outcome.duplicates += 1
        if existing.dispatched_at is None and not getattr(existing, "in_batch", False):
            outcome.dispatches.append(Dispatch(*key, existing.type))
        return None
    parent = parent_of(event)
    if (
        parent is not None
        and not parent_exists(known, event.shop_id, parent.kind, parent.id)
        and _wait_or_give_up(item, parent, policies, now, outcome)
    ):
        return None  # parked for a retry, or dead-lettered
    order_id, ticket_id = apply_event(known.session, event, now, known)
    known.pending_events.append(
        {
            "shop_id": event.shop_id,
            "event_id": event.event_id,
            "type": event.type,
            "occurred_at": event.occurred_at,
            "received_at": now,
            "body": item.envelope,
            "order_id": order_id,
            "ticket_id": ticket_id,
        }
    )
    seen[key] = _IN_BATCH
    outcome.recorded += 1
    return Dispatch(event.shop_id, event.event_id, event.type)


def _wait_or_give_up(
    item: _Valid, parent: ParentRef, policies: PolicyBook, now: datetime, outcome: BatchOutcome
) -> bool:
    """Park `item` for a retry, or dead-letter it: True. False: a soft parent
    was waited for long enough, record the event without it."""
    event, delivery = item.event, item.delivery
    first_seen = delivery.first_seen(default=now)
    window = policies.for_shop(event.shop_id).ingest.wait_for_parent
    plan = plan_retry(
        first_seen=first_seen,
        now=now,
        wait_for_parent=min(window, SOFT_WAIT) if parent.soft else window,
        attempt=delivery.attempt,
        steps_seconds=RETRY_STEPS_SECONDS,
    )
    if isinstance(plan, GiveUp) and parent.soft:
        return False
    if isinstance(plan, GiveUp):
        reason = (
            f"unknown {parent.describe()} of shop {event.shop_id!r}: {event.type} "
            f"waited {int(plan.waited.total_seconds())}s (ingest.wait_for_parent) "
            f"and the {parent.kind} never arrived"
        )
        outcome.dead_letters.append(DeadLetter(delivery, "unknown_parent", reason))
    else:
        outcome.retries.append(Retry(delivery, plan.step_seconds, plan.attempt, first_seen))
    return True


#: Whole-batch retries after a unique-key clash before recording one by one.
CLASH_RETRIES = 2


def record_batch(
    deliveries: Sequence[Delivery],
    sessions: sessionmaker[Session],
    policies: PolicyBook,
    clock: Callable[[], datetime],
) -> BatchOutcome:
    """Validate, de-duplicate, check parents and record a batch; one commit.

    A unique-key clash with another ingest process (both creating the same
    customer) is retried as a whole: the row the other one committed is then
    found, not inserted. Clashing again and again, or an event that fails,
    makes the batch fall back to one transaction per event. Store outages
    propagate (the caller holds the batch).
    """
    rejected = BatchOutcome()
    valid = _classify(deliveries, rejected)
    if not valid:
        return rejected
    now = clock()
    for attempt in range(1, CLASH_RETRIES + 2):
        outcome = BatchOutcome(dead_letters=list(rejected.dead_letters))
        try:
            with sessions.begin() as session:
                _record_all(session, valid, policies, now, outcome)
            return _unique_dispatches(outcome)
        except IntegrityError:
            log.info("batch clashed with a concurrent ingest", attempt=attempt)
        except ProjectionFailed as exc:
            log.warning("an event of the batch failed; recording one by one", error=str(exc))
            break
    outcome = BatchOutcome(dead_letters=list(rejected.dead_letters))
    for item in valid:
        _record_single(item, sessions, policies, now, outcome)
    return _unique_dispatches(outcome)


def _unique_dispatches(outcome: BatchOutcome) -> BatchOutcome:
    # The same event twice in one batch is recorded once and dispatched once.
    unique = {(d.shop_id, d.event_id): d for d in outcome.dispatches}
    outcome.dispatches = list(unique.values())
    return outcome


def _record_all(
    session: Session,
    valid: list[_Valid],
    policies: PolicyBook,
    now: datetime,
    outcome: BatchOutcome,
) -> None:
    """The fast path: one look-up per table, one flush, no savepoints."""
    seen = find_recorded(session, [(v.event.shop_id, v.event.event_id) for v in valid])
    known = Known(session)
    known.load([v.event for v in valid])
    for item in valid:
        try:
            dispatch = _record_one(known, item, seen, policies, now, outcome)
        except (IntegrityError, *STORE_UNAVAILABLE):
            raise
        except Exception as exc:  # redo the batch one by one to isolate it
            raise ProjectionFailed(f"{item.event.event_id}: {describe_failure(exc)}") from exc
        if dispatch is not None:
            outcome.dispatches.append(dispatch)
    known.write()


def _record_single(
    item: _Valid,
    sessions: sessionmaker[Session],
    policies: PolicyBook,
    now: datetime,
    outcome: BatchOutcome,
) -> None:
    """The careful path: one transaction for this event alone."""
    for _ in range(3):
        attempt = BatchOutcome()
        try:
            with sessions.begin() as session:
                seen = find_recorded(session, [(item.event.shop_id, item.event.event_id)])
                known = Known(session)
                known.load([item.event])
                dispatch = _record_one(known, item, seen, policies, now, attempt)
                known.write()
                if dispatch is not None:
                    attempt.dispatches.append(dispatch)
        except IntegrityError:
            continue  # the other process won; the next look finds its row
        except STORE_UNAVAILABLE:
            raise
        except Exception as exc:
            _unprocessable(item, exc, outcome)
            return
        merge(outcome, attempt)
        return
    raise RuntimeError(f"event {item.event.event_id!r} kept clashing on its unique key")


def merge(outcome: BatchOutcome, attempt: BatchOutcome) -> None:
    outcome.dispatches += attempt.dispatches
    outcome.dead_letters += attempt.dead_letters
    outcome.retries += attempt.retries
    outcome.duplicates += attempt.duplicates
    outcome.recorded += attempt.recorded


def _unprocessable(item: _Valid, exc: Exception, outcome: BatchOutcome) -> None:
    reason = f"could not be recorded: {describe_failure(exc)}"
    log.error(
        "event unprocessable",
        event_id=item.event.event_id,
        type=item.event.type,
        shop_id=item.event.shop_id,
        error=reason,
    )
    outcome.dead_letters.append(DeadLetter(item.delivery, "unprocessable", reason))
