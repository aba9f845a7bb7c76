"""Durations as written in policies: compact (90s, 1h30m, 7d) and ISO 8601 (PT1H)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from pydantic import BaseModel, ValidationError

from services.domain.durations import (
    ClockRange,
    Duration,
    format_duration,
    parse_clock_range,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        ("24h", timedelta(days=1)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("1w2d3h4m5s", timedelta(weeks=1, days=2, hours=3, minutes=4, seconds=5)),
        ("0s", timedelta(0)),
        ("0m", timedelta(0)),
        ("1.5s", timedelta(seconds=1, microseconds=500_000)),
        ("  15m ", timedelta(minutes=15)),
        ("PT1H", timedelta(hours=1)),
        ("P14D", timedelta(days=14)),
        ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("PT1M", timedelta(minutes=1)),
        ("PT90S", timedelta(seconds=90)),
        ("P2W", timedelta(weeks=2)),
        ("PT0S", timedelta(0)),
        ("PT1,5S", timedelta(seconds=1.5)),
        ("pt1h", timedelta(hours=1)),
    ],
)
def test_parse_accepts(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "-5m",
        "-PT1H",
        "10 minutes",
        "1 hour",
        "1y",
        "5",
        "1h 30m",
        "30m1h",
        "1h1h",
        "1.5h",
        "h",
        "P",
        "PT",
        "P1DT",
        "P1Y",
        "P1M",
        "PT1.5H30M",
        "1H",
        "99999999999999w",
    ],
)
def test_parse_rejects_with_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    message = str(caught.value)
    assert f'"{text}" is not a duration' in message
    assert "90s, 15m, 1h, 7d or ISO 8601 like PT1H" in message


def test_negative_and_months_say_why() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_duration("-5m")
    with pytest.raises(ValueError, match="years and months"):
        parse_duration("P1M")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(minutes=15), "15m"),
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(days=14), "14d"),
        (timedelta(days=1, seconds=1), "1d1s"),
        (timedelta(milliseconds=500), "0.5s"),
        (timedelta(minutes=1, microseconds=250), "1m0.00025s"),
    ],
)
def test_format(value: timedelta, expected: str) -> None:
    assert format_duration(value) == expected
    assert parse_duration(expected) == value


def test_format_rejects_negative() -> None:
    with pytest.raises(ValueError):
        format_duration(timedelta(seconds=-1))


class _Holder(BaseModel):
    wait: Duration


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("PT1H", timedelta(hours=1)),
        (timedelta(days=2), timedelta(days=2)),
    ],
)
def test_pydantic_type_accepts(given: object, expected: timedelta) -> None:
    holder = _Holder.model_validate({"wait": given})
    assert holder.wait == expected
    assert holder.model_dump(mode="json") == {"wait": format_duration(expected)}


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        (60, "bare number"),
        (1.5, "bare number"),
        (True, "bare number"),
        ("1 hour", '"1 hour" is not a duration'),
        (timedelta(seconds=-1), "negative"),
        ([1], "expected a duration"),
    ],
)
def test_pydantic_type_rejects(given: object, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        _Holder.model_validate({"wait": given})


@pytest.mark.parametrize(
    ("text", "start", "end", "inside", "outside"),
    [
        ("09:00-17:00", time(9), time(17), time(12), time(17)),
        ("21:00-08:00", time(21), time(8), time(23, 30), time(12)),
        ("22:00-24:00", time(22), time(0), time(23, 59), time(0)),
        ("00:00-24:00", time(0), time(0), time(3), None),
    ],
)
def test_clock_range(text: str, start: time, end: time, inside: time, outside: time | None) -> None:
    rng = parse_clock_range(text)
    assert rng == ClockRange(start, end)
    assert str(rng) == text
    assert rng.contains(inside)
    assert outside is None or not rng.contains(outside)


@pytest.mark.parametrize("text", ["9-17", "09:00", "25:00-01:00", "09:60-10:00", "08:00-08:00"])
def test_clock_range_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=text):
        parse_clock_range(text)
