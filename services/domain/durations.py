"""Durations as people write them in policies: ``90s``, ``15m``, ``1h30m``, ``7d``, ``PT1H``.

:func:`parse_duration` reads the compact form (units ``w d h m s``, largest
first, each at most once; only seconds may have a fraction) and ISO 8601
durations without years or months (``P14D``, ``P1DT2H30M``, ``PT0.5S``,
``P2W``). :func:`format_duration` writes the compact form back. ``Duration``
is the pydantic field type built on both. :class:`ClockRange` is a daily span
of wall-clock time written ``"09:00-17:00"`` (``ClockRangeText`` as a field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

__all__ = [
    "ACCEPTED_FORMS",
    "ClockRange",
    "ClockRangeText",
    "Duration",
    "format_duration",
    "parse_clock_range",
    "parse_duration",
]

#: What the error messages suggest.
ACCEPTED_FORMS = "use 90s, 15m, 1h, 7d or ISO 8601 like PT1H"

_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}

_COMPACT = re.compile(
    r"(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)s)?"
)
_NUM = r"\d+(?:[.,]\d+)?"
_ISO = re.compile(
    rf"P(?:(?P<w>{_NUM})W)?(?:(?P<d>{_NUM})D)?"
    rf"(?:T(?:(?P<h>{_NUM})H)?(?:(?P<m>{_NUM})M)?(?:(?P<s>{_NUM})S)?)?",
    re.IGNORECASE,
)
_MICRO = Decimal("0.000001")


def _reject(text: str, why: str = "") -> ValueError:
    detail = f"{why}; " if why else ""
    return ValueError(f'"{text}" is not a duration ({detail}{ACCEPTED_FORMS})')


def _total(text: str, parts: dict[str, str | None]) -> timedelta:
    given = [(unit, value) for unit, value in parts.items() if value is not None]
    if not given:
        raise _reject(text)
    seconds = Decimal(0)
    for unit, value in given:
        try:
            seconds += Decimal(value.replace(",", ".")) * _UNIT_SECONDS[unit]
        except InvalidOperation as exc:  # pragma: no cover - the patterns guard this
            raise _reject(text) from exc
    micro = int((seconds / _MICRO).to_integral_value())
    try:
        return timedelta(microseconds=micro)
    except OverflowError as exc:
        raise _reject(text, "too long") from exc


def parse_duration(text: str) -> timedelta:
    """Read ``text`` as a non-negative duration; ``ValueError`` names the accepted forms."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a duration ({ACCEPTED_FORMS})")
    stripped = text.strip()
    if not stripped:
        raise _reject(text, "empty")
    if stripped.startswith("-"):
        raise _reject(text, "negative durations are not allowed")
    if stripped[0] in "Pp":
        iso = _ISO.fullmatch(stripped)
        if iso is None or stripped.upper().endswith("T"):
            why = (
                "ISO 8601 years and months are not allowed"
                if _has_years_or_months(stripped)
                else ""
            )
            raise _reject(text, why)
        parts: dict[str, str | None] = iso.groupdict()
        given = [unit for unit, value in parts.items() if value is not None]
        if any(not _integral(parts[unit]) for unit in given[:-1]):
            raise _reject(text, "only the smallest unit may have a fraction")
        return _total(text, parts)
    compact = _COMPACT.fullmatch(stripped)
    if compact is None:
        raise _reject(text)
    return _total(text, compact.groupdict())


def _integral(value: str | None) -> bool:
    return value is None or value.isdigit()


def _has_years_or_months(text: str) -> bool:
    date_part = text.upper().split("T", 1)[0]
    return "Y" in date_part or "M" in date_part


def format_duration(value: timedelta) -> str:
    """The compact form, largest units first: ``1h30m``, ``14d``, ``0s``, ``1.5s``."""
    if value < timedelta(0):
        raise ValueError(f"negative duration {value!r} cannot be written")
    seconds, micro = divmod(value // timedelta(microseconds=1), 1_000_000)
    out = []
    for unit in ("d", "h", "m"):
        count, seconds = divmod(seconds, _UNIT_SECONDS[unit])
        if count:
            out.append(f"{count}{unit}")
    if micro:
        out.append(f"{seconds}.{micro:06d}".rstrip("0") + "s")
    elif seconds or not out:
        out.append(f"{seconds}s")
    return "".join(out)


def _duration_input(value: Any) -> Any:
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise ValueError("negative durations are not allowed")
        return value
    if isinstance(value, bool | int | float):
        raise ValueError(
            f'{value!r} is a bare number, not a duration: write the unit, e.g. "{value}s" or '
            f'"{value}m" ({ACCEPTED_FORMS})'
        )
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f"expected a duration string ({ACCEPTED_FORMS}), got {type(value).__name__}")


#: A pydantic field type: reads the forms above (or a ``timedelta``), writes the compact form.
Duration = Annotated[
    timedelta,
    BeforeValidator(_duration_input),
    PlainSerializer(format_duration, return_type=str),
]


# Daily clock ranges ("09:00-17:00", "21:00-08:00"), used by the policies too.
_CLOCK = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")


@dataclass(frozen=True, slots=True)
class ClockRange:
    """A daily span ``start``–``end`` of wall-clock time; ``end <= start`` wraps past midnight.

    ``"HH:MM-24:00"`` is stored with ``end == time(0)``; ``"00:00-24:00"`` is the whole day.
    """

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    @property
    def wraps(self) -> bool:
        return self.end <= self.start and self.end != time(0)

    def __str__(self) -> str:
        end = "24:00" if self.end == time(0) else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}-{end}"


def parse_clock_range(value: Any) -> ClockRange:
    """Read ``"HH:MM-HH:MM"`` (end may be ``24:00``); ``ValueError`` says what is wrong."""
    if isinstance(value, ClockRange):
        return value
    match = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        raise ValueError(f'{shown} is not a time range; write "HH:MM-HH:MM", e.g. "09:00-17:00"')
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise ValueError(f'"{value}" has an impossible time of day')
    rng = ClockRange(time(h1, m1), time(h2 % 24, m2))
    if rng.start == rng.end and (h1, m1, h2) != (0, 0, 24):
        raise ValueError(f'"{value}" starts and ends at the same time')
    return rng


ClockRangeText = Annotated[ClockRange, BeforeValidator(parse_clock_range), PlainSerializer(str)]
