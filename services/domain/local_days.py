"""Days as a customer lives them: a whole day ends at midnight in their zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def end_of_day(day: date, timezone: str) -> datetime:
    """Midnight after `day` in `timezone`: the first moment that is no longer that day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))


def estimate_deadline(estimate: str, timezone: str) -> datetime:
    """The moment a delivery estimate runs out: a whole day (`2026-11-25`) at the
    end of that day in the customer's zone; an exact time is itself."""
    if "T" in estimate:
        return datetime.fromisoformat(estimate)
    return end_of_day(date.fromisoformat(estimate), timezone)
