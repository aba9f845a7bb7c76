"""Business-hours arithmetic: periods, days, holidays, time zones and DST (issue 4, item 3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.domain.business_hours import (
    MAX_CLOSED_DAYS,
    add_business_time,
    business_time_between,
    is_open,
    next_opening,
)
from services.domain.policy_models import BusinessHours

WAW = ZoneInfo("Europe/Warsaw")
NYC = ZoneInfo("America/New_York")
ALL_DAYS = "mon-sun"


def hours(**overrides: Any) -> BusinessHours:
    return BusinessHours.model_validate({"enabled": True, **overrides})


def waw(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WAW, fold=fold)


def nyc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NYC)


H = timedelta(hours=1)
M = timedelta(minutes=1)

OFFICE = hours()  # mon-fri 09:00-17:00 Europe/Warsaw
LUNCH = hours(periods=["09:00-13:00", "14:00-17:00"])
XMAS_EVE = hours(holidays=["2026-12-24"])
XMAS = hours(holidays=["2026-12-24", "2026-12-25"])
ROUND_THE_CLOCK = hours(days=ALL_DAYS, periods=["00:00-24:00"])
EVERY_DAY_OFFICE = hours(days=ALL_DAYS)
NIGHT_SHIFT = hours(days=ALL_DAYS, periods=["01:00-04:00"])
INSIDE_THE_JUMP = hours(days=ALL_DAYS, periods=["02:30-05:00"])
NEW_YORK = hours(timezone="America/New_York")
DISABLED = BusinessHours.model_validate({"enabled": False})

# 2026-11-20 is a Friday; 2026-12-24 a Thursday; Warsaw's clocks jump
# 02:00 -> 03:00 on 2026-03-29 and 03:00 -> 02:00 on 2026-10-25 (both Sundays).


@pytest.mark.parametrize(
    ("policy", "start", "duration", "expected"),
    [
        pytest.param(OFFICE, waw(2026, 11, 20, 16, 30), H, waw(2026, 11, 23, 9, 30), id="issue"),
        pytest.param(OFFICE, waw(2026, 11, 18, 10), H, waw(2026, 11, 18, 11), id="inside"),
        pytest.param(OFFICE, waw(2026, 11, 18, 16), H, waw(2026, 11, 18, 17), id="ends-at-close"),
        pytest.param(OFFICE, waw(2026, 11, 18, 7), H, waw(2026, 11, 18, 10), id="before-opening"),
        pytest.param(OFFICE, waw(2026, 11, 18, 9), H, waw(2026, 11, 18, 10), id="at-opening"),
        pytest.param(OFFICE, waw(2026, 11, 18, 17), H, waw(2026, 11, 19, 10), id="at-closing"),
        pytest.param(OFFICE, waw(2026, 11, 18, 18), H, waw(2026, 11, 19, 10), id="after-close"),
        pytest.param(OFFICE, waw(2026, 11, 21, 10), H, waw(2026, 11, 23, 10), id="saturday"),
        pytest.param(OFFICE, waw(2026, 11, 22, 23, 59), H, waw(2026, 11, 23, 10), id="sunday"),
        pytest.param(LUNCH, waw(2026, 11, 18, 12, 30), H, waw(2026, 11, 18, 14, 30), id="lunch"),
        pytest.param(LUNCH, waw(2026, 11, 18, 12), H, waw(2026, 11, 18, 13), id="to-lunch"),
        pytest.param(LUNCH, waw(2026, 11, 18, 13, 30), H, waw(2026, 11, 18, 15), id="in-lunch"),
        pytest.param(
            LUNCH, waw(2026, 11, 18, 16, 30), H, waw(2026, 11, 19, 9, 30), id="lunch-overnight"
        ),
        pytest.param(
            LUNCH, waw(2026, 11, 18, 9), 7 * H, waw(2026, 11, 18, 17), id="lunch-whole-day"
        ),
        pytest.param(
            XMAS_EVE, waw(2026, 12, 23, 16, 30), H, waw(2026, 12, 25, 9, 30), id="christmas-eve"
        ),
        pytest.param(XMAS, waw(2026, 12, 23, 16, 30), H, waw(2026, 12, 28, 9, 30), id="christmas"),
        pytest.param(XMAS, waw(2026, 12, 24, 12), H, waw(2026, 12, 28, 10), id="on-holiday"),
        pytest.param(OFFICE, waw(2026, 11, 16, 9), 24 * H, waw(2026, 11, 18, 17), id="3-days"),
        pytest.param(
            OFFICE, waw(2026, 11, 16, 9), 24 * H + M, waw(2026, 11, 19, 9, 1), id="3-days+1m"
        ),
        pytest.param(
            OFFICE, waw(2026, 11, 19, 9), 24 * H, waw(2026, 11, 23, 17), id="3-days-weekend"
        ),
        pytest.param(OFFICE, waw(2026, 11, 16, 9), 80 * H, waw(2026, 11, 27, 17), id="2-weeks"),
        # spring forward: 2026-03-29 has 23 hours
        pytest.param(
            ROUND_THE_CLOCK, waw(2026, 3, 29, 1, 30), H, waw(2026, 3, 29, 3, 30), id="spring-1h"
        ),
        pytest.param(
            ROUND_THE_CLOCK, waw(2026, 3, 29), 23 * H, waw(2026, 3, 30), id="spring-day-23h"
        ),
        pytest.param(
            EVERY_DAY_OFFICE,
            waw(2026, 3, 28, 16, 30),
            H,
            waw(2026, 3, 29, 9, 30),
            id="spring-office-opens",
        ),
        pytest.param(
            EVERY_DAY_OFFICE, waw(2026, 3, 29, 9), 8 * H, waw(2026, 3, 29, 17), id="spring-8h"
        ),
        pytest.param(
            NIGHT_SHIFT, waw(2026, 3, 29, 1), 2 * H, waw(2026, 3, 29, 4), id="spring-short-night"
        ),
        pytest.param(
            INSIDE_THE_JUMP,
            waw(2026, 3, 29),
            H,
            waw(2026, 3, 29, 4),
            id="spring-opens-at-jump",
        ),
        # fall back: 2026-10-25 has 25 hours
        pytest.param(
            ROUND_THE_CLOCK, waw(2026, 10, 25), 25 * H, waw(2026, 10, 26), id="autumn-day-25h"
        ),
        pytest.param(
            ROUND_THE_CLOCK,
            waw(2026, 10, 25, 1, 30),
            2 * H,
            waw(2026, 10, 25, 2, 30, fold=1),
            id="autumn-repeated-hour",
        ),
        pytest.param(
            NIGHT_SHIFT, waw(2026, 10, 25, 1), 4 * H, waw(2026, 10, 25, 4), id="autumn-long-night"
        ),
        pytest.param(
            NIGHT_SHIFT,
            waw(2026, 10, 25, 1),
            3 * H + 30 * M,
            waw(2026, 10, 25, 3, 30),
            id="autumn-night-partial",
        ),
        pytest.param(
            EVERY_DAY_OFFICE, waw(2026, 10, 25, 9), 8 * H, waw(2026, 10, 25, 17), id="autumn-8h"
        ),
        pytest.param(
            EVERY_DAY_OFFICE,
            waw(2026, 10, 24, 16, 30),
            H,
            waw(2026, 10, 25, 9, 30),
            id="autumn-overnight",
        ),
        # another zone; the start may be given in any zone
        pytest.param(NEW_YORK, nyc(2026, 11, 6, 16, 30), H, nyc(2026, 11, 9, 9, 30), id="new-york"),
        pytest.param(
            NEW_YORK,
            datetime(2026, 11, 6, 21, 30, tzinfo=UTC),
            H,
            nyc(2026, 11, 9, 9, 30),
            id="new-york-utc-start",
        ),
        pytest.param(
            NEW_YORK, waw(2026, 11, 6, 22, 30), H, nyc(2026, 11, 9, 9, 30), id="new-york-waw-start"
        ),
        pytest.param(
            NEW_YORK, nyc(2026, 3, 6, 16, 30), H, nyc(2026, 3, 9, 9, 30), id="new-york-spring"
        ),
        # disabled: plain elapsed time, DST or not
        pytest.param(
            DISABLED, waw(2026, 11, 20, 16, 30), H, waw(2026, 11, 20, 17, 30), id="disabled"
        ),
        pytest.param(
            DISABLED, waw(2026, 3, 29, 1, 30), H, waw(2026, 3, 29, 3, 30), id="disabled-spring"
        ),
        # zero: start unchanged, open or not
        pytest.param(OFFICE, waw(2026, 11, 21, 10), timedelta(0), waw(2026, 11, 21, 10), id="0"),
        pytest.param(
            OFFICE, waw(2026, 11, 18, 10), timedelta(0), waw(2026, 11, 18, 10), id="0-open"
        ),
    ],
)
def test_add_business_time(
    policy: BusinessHours, start: datetime, duration: timedelta, expected: datetime
) -> None:
    due = add_business_time(start, duration, policy)
    assert due == expected.astimezone(UTC)  # fold=1 local times never equal other zones'
    assert due.tzinfo is UTC
    if duration:
        assert business_time_between(start, due, policy) == duration


@pytest.mark.parametrize(
    ("policy", "start", "end", "expected"),
    [
        pytest.param(OFFICE, waw(2026, 11, 20, 16, 30), waw(2026, 11, 23, 9, 30), H, id="issue"),
        pytest.param(LUNCH, waw(2026, 11, 18, 12, 30), waw(2026, 11, 18, 14, 30), H, id="lunch"),
        pytest.param(LUNCH, waw(2026, 11, 18), waw(2026, 11, 19), 7 * H, id="lunch-day"),
        pytest.param(OFFICE, waw(2026, 11, 16), waw(2026, 11, 23), 40 * H, id="week"),
        pytest.param(XMAS, waw(2026, 12, 21), waw(2026, 12, 28), 24 * H, id="christmas-week"),
        pytest.param(OFFICE, waw(2026, 11, 21), waw(2026, 11, 23), timedelta(0), id="weekend"),
        pytest.param(
            OFFICE, waw(2026, 11, 18, 12), waw(2026, 11, 18, 11), timedelta(0), id="reversed"
        ),
        pytest.param(
            OFFICE, waw(2026, 11, 18, 12), waw(2026, 11, 18, 12), timedelta(0), id="empty"
        ),
        pytest.param(
            ROUND_THE_CLOCK, waw(2026, 3, 23), waw(2026, 3, 30), 167 * H, id="spring-week"
        ),
        pytest.param(
            ROUND_THE_CLOCK, waw(2026, 10, 19), waw(2026, 10, 26), 169 * H, id="autumn-week"
        ),
        pytest.param(
            EVERY_DAY_OFFICE, waw(2026, 3, 29), waw(2026, 3, 30), 8 * H, id="spring-office"
        ),
        pytest.param(
            EVERY_DAY_OFFICE, waw(2026, 10, 25), waw(2026, 10, 26), 8 * H, id="autumn-office"
        ),
        pytest.param(NIGHT_SHIFT, waw(2026, 3, 29), waw(2026, 3, 30), 2 * H, id="spring-night"),
        pytest.param(NIGHT_SHIFT, waw(2026, 10, 25), waw(2026, 10, 26), 4 * H, id="autumn-night"),
        # 02:30 is skipped in spring (opens at the jump) and repeated in autumn (first one)
        pytest.param(
            INSIDE_THE_JUMP, waw(2026, 3, 29), waw(2026, 3, 30), 2 * H, id="spring-gap-bound"
        ),
        pytest.param(
            INSIDE_THE_JUMP,
            waw(2026, 10, 25),
            waw(2026, 10, 26),
            3 * H + 30 * M,
            id="autumn-fold-bound",
        ),
        pytest.param(NEW_YORK, nyc(2026, 11, 2), nyc(2026, 11, 9), 40 * H, id="new-york-week"),
        pytest.param(
            DISABLED, waw(2026, 3, 29), waw(2026, 3, 30), 23 * H, id="disabled-spring-day"
        ),
        pytest.param(DISABLED, waw(2026, 3, 30), waw(2026, 3, 29), timedelta(0), id="disabled-rev"),
    ],
)
def test_business_time_between(
    policy: BusinessHours, start: datetime, end: datetime, expected: timedelta
) -> None:
    assert business_time_between(start, end, policy) == expected


@pytest.mark.parametrize(
    ("policy", "moment", "expected_open", "expected_next"),
    [
        pytest.param(OFFICE, waw(2026, 11, 18, 10), True, waw(2026, 11, 18, 10), id="open"),
        pytest.param(OFFICE, waw(2026, 11, 18, 9), True, waw(2026, 11, 18, 9), id="opening"),
        pytest.param(OFFICE, waw(2026, 11, 18, 17), False, waw(2026, 11, 19, 9), id="closing"),
        pytest.param(OFFICE, waw(2026, 11, 18, 8, 59), False, waw(2026, 11, 18, 9), id="early"),
        pytest.param(OFFICE, waw(2026, 11, 20, 18), False, waw(2026, 11, 23, 9), id="friday"),
        pytest.param(LUNCH, waw(2026, 11, 18, 13), False, waw(2026, 11, 18, 14), id="lunch"),
        pytest.param(XMAS, waw(2026, 12, 24, 10), False, waw(2026, 12, 28, 9), id="holiday"),
        pytest.param(
            INSIDE_THE_JUMP, waw(2026, 3, 29), False, waw(2026, 3, 29, 3), id="spring-gap"
        ),
        pytest.param(
            INSIDE_THE_JUMP,
            waw(2026, 10, 25, 2, 30, fold=1),
            True,
            waw(2026, 10, 25, 2, 30, fold=1),
            id="autumn-second-0230",
        ),
        pytest.param(
            ROUND_THE_CLOCK, waw(2026, 3, 29, 3, 30), True, waw(2026, 3, 29, 3, 30), id="24h"
        ),
        pytest.param(NEW_YORK, nyc(2026, 11, 6, 16, 59), True, nyc(2026, 11, 6, 16, 59), id="ny"),
        pytest.param(
            NEW_YORK,
            waw(2026, 11, 6, 16, 59),  # 10:59 in New York
            True,
            waw(2026, 11, 6, 16, 59),
            id="ny-waw-moment",
        ),
        pytest.param(NEW_YORK, nyc(2026, 11, 6, 17), False, nyc(2026, 11, 9, 9), id="ny-closed"),
        pytest.param(DISABLED, waw(2026, 11, 21, 3), True, waw(2026, 11, 21, 3), id="disabled"),
    ],
)
def test_is_open_and_next_opening(
    policy: BusinessHours, moment: datetime, expected_open: bool, expected_next: datetime
) -> None:
    assert is_open(moment, policy) is expected_open
    opening = next_opening(moment, policy)
    assert opening == expected_next.astimezone(UTC)
    assert opening.tzinfo is UTC


GRID_POLICIES = {
    "office-with-holiday": hours(holidays=["2026-03-27", "2026-10-26"]),
    "lunch-and-saturday": hours(
        days="mon-sat", periods=["08:00-12:00", "12:30-16:00", "16:15-18:45"]
    ),
    "round-the-clock": ROUND_THE_CLOCK,
    "dst-hours": hours(days=ALL_DAYS, periods=["00:00-02:30", "02:30-05:00", "22:00-24:00"]),
    "new-york-nights": hours(
        timezone="America/New_York", days="sun-thu", periods=["01:00-03:00", "09:00-17:00"]
    ),
    "disabled": DISABLED,
}
GRID_DURATIONS = [M, 59 * M, H, 7 * H + 59 * M, 8 * H, 25 * H, 100 * H]


def grid_starts() -> list[datetime]:
    """Every 3h17m across the DST weeks of 2026 (Warsaw and New York), in UTC."""
    step = timedelta(hours=3, minutes=17)
    starts: list[datetime] = []
    for first, last in [
        (datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC)),
        (datetime(2026, 3, 26, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)),
        (datetime(2026, 10, 22, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)),
    ]:
        moment = first
        while moment < last:
            starts.append(moment)
            moment += step
    return starts


@pytest.mark.parametrize("name", GRID_POLICIES)
def test_inverse_property_on_a_grid(name: str) -> None:
    policy = GRID_POLICIES[name]
    failures = []
    for start in grid_starts():
        assert is_open(start, policy) == (next_opening(start, policy) == start)
        for duration in GRID_DURATIONS:
            due = add_business_time(start, duration, policy)
            elapsed = business_time_between(start, due, policy)
            short = business_time_between(start, due - timedelta(microseconds=1), policy)
            in_two = add_business_time(add_business_time(start, M, policy), duration - M, policy)
            if not (due > start and elapsed == duration and short < duration and in_two == due):
                failures.append((start.isoformat(), str(duration), due.isoformat(), str(elapsed)))
            if policy.enabled:
                # the clock starts at the next opening and is open just before the deadline
                assert due >= next_opening(start, policy) + duration
                assert is_open(due - timedelta(microseconds=1), policy)
    assert failures == []


def test_three_years_of_holidays_give_up() -> None:
    mondays = [date(2026, 1, 5) + timedelta(weeks=week) for week in range(52 * 4)]
    policy = hours(days="mon", holidays=mondays)
    start = waw(2026, 1, 1)
    with pytest.raises(ValueError, match="no open time"):
        add_business_time(start, H, policy)
    with pytest.raises(ValueError, match="no open time"):
        next_opening(start, policy)
    # bounded questions still get an answer
    assert not is_open(waw(2027, 6, 7, 10), policy)
    end = waw(2031, 1, 1)
    open_mondays = [
        monday
        for monday in (date(2026, 1, 5) + timedelta(weeks=week) for week in range(52 * 6))
        if monday < end.date() and monday not in mondays
    ]
    assert len(open_mondays) == 53
    assert business_time_between(start, end, policy) == len(open_mondays) * 8 * H


def test_a_long_closure_under_the_limit_is_crossed() -> None:
    days = MAX_CLOSED_DAYS - 10
    closure = [date(2026, 1, 1) + timedelta(days=offset) for offset in range(days)]
    policy = hours(days=ALL_DAYS, holidays=closure)
    reopening = date(2026, 1, 1) + timedelta(days=days)
    expected = datetime(reopening.year, reopening.month, reopening.day, 10, tzinfo=WAW)
    assert add_business_time(waw(2026, 1, 1), H, policy) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_business_time(datetime(2026, 11, 18, 10), H, OFFICE),
        lambda: business_time_between(datetime(2026, 11, 18), waw(2026, 11, 19), OFFICE),
        lambda: business_time_between(waw(2026, 11, 18), datetime(2026, 11, 19), OFFICE),
        lambda: next_opening(datetime(2026, 11, 18, 10), OFFICE),
        lambda: is_open(datetime(2026, 11, 18, 10), DISABLED),
        lambda: add_business_time(waw(2026, 11, 18, 10), -H, OFFICE),
    ],
    ids=["add", "between-start", "between-end", "next", "is-open", "negative"],
)
def test_rejects_naive_datetimes_and_negative_durations(call: Any) -> None:
    with pytest.raises(ValueError):
        call()
