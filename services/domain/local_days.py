"""Days as a customer lives them: a whole day ends at midnight in their zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def end_of_day(day: date, timezone: str) -> datetime:
    """Midnight after `day` in `timezone`: the first moment that is no longer that day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))


def parse_estimate(estimate: str) -> datetime | date:
    """A delivery estimate as the store keeps it (ISO text): a whole day
    (``2026-11-25``, exactly an ISO date) or an exact time
    (``2026-11-25T14:00:00+01:00``). The one reading of such values, also for
    the templates' date filters."""
    text = estimate.strip()
    if len(text) == len("2026-11-25"):
        return date.fromisoformat(text)
    return datetime.fromisoformat(text)


def estimate_deadline(estimate: str, timezone: str) -> datetime:
    """The moment a delivery estimate runs out: a whole day at the end of that day
    in the customer's zone; an exact time is itself."""
    moment = parse_estimate(estimate)
    return moment if isinstance(moment, datetime) else end_of_day(moment, timezone)
