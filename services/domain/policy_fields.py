"""The field types of the policy models: how a value in a policies file is read
and checked (days, business periods, quiet hours, targets, URLs, zones), with
the error a shop's operator sees when it is wrong."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from services.domain.durations import ClockRange, ClockRangeText, parse_clock_range

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _business_period(rng: ClockRange) -> ClockRange:
    if rng.wraps:
        raise ValueError(f'"{rng}" runs past midnight; split it, e.g. "22:00-24:00", "00:00-06:00"')
    return rng


def _quiet_hours(value: Any) -> ClockRange | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_clock_range(value)


BusinessPeriod = Annotated[ClockRangeText, AfterValidator(_business_period)]
QuietHours = Annotated[
    ClockRange | None,
    BeforeValidator(_quiet_hours),
    PlainSerializer(lambda rng: "" if rng is None else str(rng), return_type=str),
]


def parse_days(value: Any) -> Any:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        return value
    days: set[int] = set()
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{item!r} is not a day; use mon..sun")
        ends = [_weekday(end, value) for end in item.split("-", 1)]
        first, last = ends[0], ends[-1]
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    return tuple(WEEKDAYS[day] for day in sorted(days))


def _weekday(name: str, whole: Any) -> int:
    key = name.strip().lower()
    for number, day in enumerate(WEEKDAYS):
        if key in (day, _FULL_DAYS[number]):
            return number
    raise ValueError(
        f'"{name.strip()}" is not a day in {whole!r}; write e.g. "mon-fri" or "mon,sat"'
    )


def _target(value: str) -> str:
    parts = urlsplit(value)
    ok = (parts.scheme == "mailto" and "@" in parts.path) or (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and value.startswith(parts.scheme + "://")
    )
    if not ok:
        raise ValueError(
            f'"{value}" is not an escalation target '
            "(use mailto:someone@example.com, or an http:// or https:// URL)"
        )
    return value


def check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f'"{value}" is not an http:// or https:// URL')
    return value


def check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f'"{name}" is not an IANA time zone such as "Europe/Warsaw"') from exc
    return name


Target = Annotated[str, AfterValidator(_target)]
