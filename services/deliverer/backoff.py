"""When to try again after a temporary failure: exponential back-off with jitter."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

#: Wait after the first failed attempt; doubled after each further one.
FIRST_DELAY = timedelta(seconds=2)
#: No wait is ever longer than this.
MAX_DELAY = timedelta(minutes=10)
#: Up to this fraction is added at random, so deliverers that failed together
#: (a mail server restart) do not all come back in the same instant.
JITTER = 0.25


class Random(Protocol):
    def random(self) -> float: ...


def next_attempt(attempts: int, now: datetime, rng: Random) -> datetime:
    """The time of the next try after ``attempts`` failed ones (1 → about 2 s, 2 → 4 s …).

    Parameters
    ----------
    attempts:
        Attempts made so far, the failed one just now included (at least 1).
    now:
        The time of that failure.
    rng:
        Source of jitter (``random.Random``); ``random()`` in [0, 1).
    """
    doublings = min(max(attempts, 1) - 1, 30)
    base = min(FIRST_DELAY * (1 << doublings), MAX_DELAY)
    delay = min(base * (1 + JITTER * rng.random()), MAX_DELAY)
    return now + delay
