"""When to look again for a missing order or ticket, and when to give up. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryLater:
    """Park the event on the retry queue of `step_seconds`."""

    step_seconds: int
    attempt: int


@dataclass(frozen=True)
class GiveUp:
    """The parent did not appear within the policy's window."""

    waited: timedelta


def plan_retry(
    *,
    first_seen: datetime,
    now: datetime,
    wait_for_parent: timedelta,
    attempt: int,
    steps_seconds: tuple[int, ...],
) -> RetryLater | GiveUp:
    """Back off along `steps_seconds` (one step per attempt, the last repeats),
    never waiting much past the window, then give up.
    """
    waited = now - first_seen
    remaining = wait_for_parent - waited
    if remaining <= timedelta(0):
        return GiveUp(waited=waited)
    wanted = steps_seconds[min(attempt, len(steps_seconds) - 1)]
    fitting = [s for s in steps_seconds if s <= min(wanted, remaining.total_seconds())]
    step = max(fitting) if fitting else steps_seconds[0]
    return RetryLater(step_seconds=step, attempt=attempt + 1)
