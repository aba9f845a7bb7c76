"""The back-off after temporary failures: doubling from 2 s, jitter on top, at most 10 min."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.deliverer.backoff import MAX_DELAY, next_attempt

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Fixed:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(
    ("attempts", "no_jitter", "most_jitter"),
    [
        (0, 2, 2.5),  # treated as the first
        (1, 2, 2.5),
        (2, 4, 5),
        (3, 8, 10),
        (4, 16, 20),
        (8, 256, 320),
        (9, 512, 600),  # jitter never goes past the cap
        (10, 600, 600),
        (12, 600, 600),
        (100, 600, 600),
    ],
)
def test_delay_doubles_and_is_capped(attempts: int, no_jitter: float, most_jitter: float) -> None:
    assert next_attempt(attempts, NOW, Fixed(0.0)) == NOW + timedelta(seconds=no_jitter)
    assert next_attempt(attempts, NOW, Fixed(1.0)) == NOW + timedelta(seconds=most_jitter)


def test_jitter_spreads_deliverers_that_failed_together() -> None:
    rng = random.Random(1)
    times = {next_attempt(3, NOW, rng) for _ in range(20)}
    assert len(times) > 10
    assert all(NOW + timedelta(seconds=8) <= t <= NOW + timedelta(seconds=10) for t in times)


def test_never_beyond_the_cap() -> None:
    rng = random.Random(2)
    assert all(next_attempt(n, NOW, rng) - NOW <= MAX_DELAY for n in range(1, 60))
