"""Business-hours arithmetic for SLA clocks (SPEC sections 4-5, issue 4 item 3).

With ``business_hours.enabled`` a clock runs only inside the policy's periods,
on the listed ``days`` that are not ``holidays``, in the shop's time zone.
Everything here is pure: no clock reads, aware datetimes in, UTC datetimes out.

How wall-clock periods meet daylight-saving changes:

* A period belongs to the local date it starts on. Its bounds are wall-clock
  times, and each bound is the **first instant at which the shop's clock reads
  that time or later**. So a ``09:00-17:00`` day is 8 h of open time on any
  day, and a period that spans the jump counts real elapsed time
  (``00:00-24:00`` is 23 h on the spring-forward day and 25 h on the
  fall-back day).
* A bound inside the skipped hour (spring) is the moment the clock jumps
  (``02:30`` on 2026-03-29 in Warsaw means 03:00 CEST); a period entirely
  inside the gap is empty that day.
* A bound inside the repeated hour (autumn) is its first occurrence
  (``02:30`` on 2026-10-25 in Warsaw means 02:30 CEST, 00:30 UTC).

Other decisions:

* :func:`add_business_time` with a zero duration returns ``start`` (the same
  instant, in UTC) even when closed; otherwise a clock started outside the
  periods starts at the next opening, and a duration that ends exactly at a
  closing time returns that closing time (not the next opening).
* :func:`next_opening` returns ``moment`` itself when open at ``moment``.
* Disabled business hours are always open: plain elapsed time.
* Searching forward for open time gives up with ``ValueError`` after
  :data:`MAX_CLOSED_DAYS` consecutive days without any (every day a holiday,
  say). :func:`business_time_between` and :func:`is_open` are bounded by their
  arguments and never give up.
* Naive datetimes and negative durations are rejected with ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from services.domain.durations import ClockRange
from services.domain.policy_models import BusinessHours

__all__ = [
    "MAX_CLOSED_DAYS",
    "add_business_time",
    "business_time_between",
    "is_open",
    "next_opening",
]

#: Consecutive days without open time after which a forward search gives up (~3 years).
MAX_CLOSED_DAYS = 3 * 366

_ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_Interval = tuple[datetime, datetime]


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _first_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first UTC instant at which the clock in ``zone`` reads ``wall`` or later."""
    guess = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first occurrence
    if _wall(guess, zone) == wall:
        return guess
    # ``wall`` was skipped (clocks jumped forward over it). fold=1 reads it with the
    # offset after the jump, landing before the jump; fold=0 with the offset before,
    # landing after it. Transitions fall on whole seconds: bisect for the jump.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    lo = (before - _EPOCH) // _SECOND  # reads earlier than ``wall``
    hi = -((_EPOCH - guess) // _SECOND)  # reads ``wall`` or later
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _wall(_EPOCH + mid * _SECOND, zone) >= wall:
            hi = mid
        else:
            lo = mid
    return _EPOCH + hi * _SECOND


@lru_cache(maxsize=16_384)
def _day_intervals(
    timezone: str, periods: tuple[ClockRange, ...], day: date
) -> tuple[_Interval, ...]:
    """The open intervals (UTC, half-open, ascending) of the periods on local ``day``."""
    zone = ZoneInfo(timezone)
    next_midnight = datetime.combine(day + _ONE_DAY, time(0))
    out: list[_Interval] = []
    for period in sorted(periods, key=lambda rng: rng.start):
        start_wall = datetime.combine(day, period.start)
        end_wall = next_midnight if period.end == time(0) else datetime.combine(day, period.end)
        start = _first_instant(start_wall, zone)
        end = _first_instant(end_wall, zone)
        if start < end:
            out.append((start, end))
    return tuple(out)


def _open_intervals(
    after: datetime, hours: BusinessHours, until: datetime | None = None
) -> Iterator[_Interval]:
    """Open intervals ending after ``after`` (UTC), clipped to start no earlier than it.

    With ``until`` the walk stops past that moment's local date; without it, it
    raises ``ValueError`` after :data:`MAX_CLOSED_DAYS` days in a row with none.
    """
    zone = hours.zone
    weekdays = hours.weekdays
    holidays = frozenset(hours.holidays)
    day = _wall(after, zone).date() - _ONE_DAY
    last_day = None if until is None else _wall(until, zone).date() + _ONE_DAY
    closed = 0
    while last_day is None or day <= last_day:
        found = False
        if day.weekday() in weekdays and day not in holidays:
            for start, end in _day_intervals(hours.timezone, hours.periods, day):
                if end > after:
                    found = True
                    yield max(start, after), end
        if found:
            closed = 0
        else:
            closed += 1
            if last_day is None and closed > MAX_CLOSED_DAYS:
                raise ValueError(
                    f"business hours ({hours.timezone}) have no open time in the "
                    f"{MAX_CLOSED_DAYS} days before {day.isoformat()}; "
                    "check business_hours.days, periods and holidays"
                )
        day += _ONE_DAY


def add_business_time(start: datetime, duration: timedelta, hours: BusinessHours) -> datetime:
    """The moment (UTC) at which ``duration`` of open time has elapsed after ``start``."""
    begin = _utc(start, "start")
    if duration < _ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    if not hours.enabled:
        return begin + duration
    if duration == _ZERO:
        return begin
    remaining = duration
    for opens, closes in _open_intervals(begin, hours):
        span = closes - opens
        if remaining <= span:
            return opens + remaining
        remaining -= span
    raise AssertionError("unreachable: the open-interval walk is unbounded")  # pragma: no cover


def business_time_between(start: datetime, end: datetime, hours: BusinessHours) -> timedelta:
    """Open time elapsed in ``[start, end)``; zero when ``end <= start``."""
    begin = _utc(start, "start")
    finish = _utc(end, "end")
    if finish <= begin:
        return _ZERO
    if not hours.enabled:
        return finish - begin
    total = _ZERO
    for opens, closes in _open_intervals(begin, hours, until=finish):
        if opens >= finish:
            break
        total += min(closes, finish) - opens
    return total


def next_opening(moment: datetime, hours: BusinessHours) -> datetime:
    """The first instant (UTC) at or after ``moment`` when business hours are open.

    ``moment`` itself when already open (or when business hours are disabled).
    """
    at = _utc(moment, "moment")
    if not hours.enabled:
        return at
    for opens, _ in _open_intervals(at, hours):
        return opens
    raise AssertionError("unreachable: the open-interval walk is unbounded")  # pragma: no cover


def is_open(moment: datetime, hours: BusinessHours) -> bool:
    """Whether ``moment`` lies inside a period (periods are half-open: closed at their end)."""
    at = _utc(moment, "moment")
    if not hours.enabled:
        return True
    for opens, _ in _open_intervals(at, hours, until=at):
        return opens == at
    return False
