"""What became of one attempt, and what it means for the row: pure decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from services.deliverer.backoff import Random, next_attempt
from services.runtime.logging import mask_personal_data, mask_recipient
from services.runtime.store.models import Notification

#: sent, retry (temporary failure, tried again later), failed (given up), or
#: released: not tried (stopping, lease half used, or held behind an earlier
#: message to the same recipient); due again at ``due_at``, attempts unchanged.
Outcome = Literal["sent", "retry", "failed", "released"]
#: What a channel said: taken, a temporary failure, a permanent one, or a permanent
#: one about the address itself (it joins the suppression list).
Answer = Literal["sent", "temporary", "permanent", "rejected"]


@dataclass(frozen=True)
class Result:
    """One claimed notification, handled.

    ``lease_until`` is the claim's lease: the result is applied only while the
    row is still pending under it. ``attempts`` is the row's count after this
    attempt; ``due_at`` the next attempt (retry, released).
    """

    notification: Notification
    outcome: Outcome
    at: datetime
    lease_until: datetime
    attempts: int
    reason: str | None = None
    due_at: datetime | None = None
    #: The far end refused the address itself: suppress it.
    rejects_address: bool = False


def decide(
    notification: Notification,
    answer: Answer,
    reason: str | None,
    *,
    now: datetime,
    lease_until: datetime,
    max_attempts: int,
    rng: Random,
) -> Result:
    """The result of an attempt: sent, retried with back-off, or failed for good."""
    attempts = (notification.attempts or 0) + 1
    if answer == "sent":
        return Result(notification, "sent", now, lease_until, attempts)
    reason = reason or "unknown"
    if answer == "temporary" and attempts < max_attempts:
        due = next_attempt(attempts, now, rng)
        return Result(notification, "retry", now, lease_until, attempts, reason, due)
    rejected = answer == "rejected"
    if rejected and notification.channel == "email" and notification.customer_id is not None:
        # The address joins the suppression list with this result, and the row is due
        # again at once: the next claim's screen records it as suppressed with the
        # reason, or sends a transactional message by the customer's next channel.
        return Result(notification, "retry", now, lease_until, attempts, reason, now,
                      rejects_address=True)  # fmt: skip
    if answer == "temporary":
        reason = f"{reason} (gave up after {attempts} attempts)"
    return Result(
        notification, "failed", now, lease_until, attempts, reason, rejects_address=rejected
    )


def released(notification: Notification, *, now: datetime, lease_until: datetime,
             due_at: datetime, reason: str) -> Result:  # fmt: skip
    """Not tried: handed back, due again at ``due_at``."""
    attempts = notification.attempts or 0
    return Result(notification, "released", now, lease_until, attempts, reason, due_at)


def log_fields(notification: Notification) -> dict[str, object]:
    """Log context without personal data: masked recipient, masked key."""
    return {
        "notification_id": notification.id,
        "shop_id": notification.shop_id,
        "kind": notification.kind,
        "channel": notification.channel,
        "recipient": mask_recipient(notification.channel, notification.recipient),
        "idempotency_key": mask_personal_data(notification.idempotency_key),
    }
