"""Quiet hours: never at night in the customer's time zone; later, not never. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.domain.durations import ClockRange


def end_of_quiet(moment: datetime, quiet: ClockRange | None, timezone: str) -> datetime | None:
    """When the quiet period that `moment` falls in ends (as an aware datetime),
    or None when `moment` is not in quiet hours."""
    if quiet is None:
        return None
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    if not quiet.contains(local.time()):
        return None
    day = local.date()
    # A wrapping range (21:00-08:00) ends tomorrow when we are in its evening part.
    if quiet.wraps and local.time() >= quiet.start:
        day += timedelta(days=1)
    return datetime.combine(day, quiet.end, tzinfo=zone)
