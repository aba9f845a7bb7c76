"""Jinja filters and tests that format the JSON-friendly values of a message context.

Every filter reads the message's locale (``pl`` or ``en``) and the reader's time
zone from the template context (keys ``locale`` and ``timezone``), so a template
writes ``{{ answer_by|datetime }}`` and gets "7 grudnia 2026, 14:30" in Polish or
"7 December 2026, 14:30" in English, in the customer's own zone.

Values as the context holds them:

- money: ``{"amount": "1234.50", "currency": "PLN"}`` (amount as a string);
- a moment: an ISO 8601 datetime with an offset (``"2026-11-23T14:30:00+00:00"``),
  shown in the reader's zone; a naive one is taken as UTC;
- a day: a plain ISO date (``"2026-11-25"``), shown as is, never shifted;
- a duration: a number of seconds, or text (``"15m"``, ``"PT2H"``, or already
  written for people, ``"2 h 15 min"``, which is shown unchanged).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_currency
from jinja2 import pass_context
from jinja2.runtime import Context

from events import customers
from services.domain.durations import parse_duration
from services.domain.local_days import parse_estimate

__all__ = [
    "DEFAULT_TIMEZONE",
    "FILTERS",
    "TESTS",
    "babel_locale",
    "format_seconds",
    "parse_moment",
]

#: The zone used when the context's ``timezone`` is null (the shops' home zone).
DEFAULT_TIMEZONE = customers.DEFAULT_TIMEZONE

#: Babel locale per message locale: English messages use British conventions
#: ("23 November 2026", 24-hour clock), which suit European shops.
_BABEL_LOCALES = {"pl": "pl", "en": "en_GB"}

#: CLDR plural categories in the order templates pass their forms.
_PLURAL_ORDER = ("zero", "one", "two", "few", "many")

#: A currency written as letters, glued to the number ("PLN1,234.50"): CLDR's
#: currency spacing (which Babel does not apply) puts a no-break space there.
_LETTER_SYMBOL = re.compile(r"([A-Za-z]{2,})(?=[\d-])")


@functools.lru_cache(maxsize=64)
def babel_locale(locale: str) -> Locale:
    """The Babel locale that formats messages in ``locale`` ("pl" or "en")."""
    return Locale.parse(_BABEL_LOCALES.get(locale, locale))


def parse_moment(value: Any) -> datetime | date:
    """An ISO date or datetime (or the object itself) as ``date`` or aware ``datetime``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        parsed = parse_estimate(value)
        if not isinstance(parsed, datetime):
            return parsed
        moment = parsed
    else:
        raise TypeError(f"expected an ISO date or datetime, got {value!r}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def format_seconds(seconds: float) -> str:
    """A duration for people, two largest units: "2 h 15 min", "3 d 4 h", "45 s"."""
    total = round(abs(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def _locale(ctx: Context) -> str:
    return str(ctx.get("locale") or "pl")


def _zone(ctx: Context, tz: str | None) -> tzinfo:
    name = tz or ctx.get("timezone") or DEFAULT_TIMEZONE
    return ZoneInfo(str(name))


def _local(ctx: Context, value: Any, tz: str | None) -> datetime | date:
    """The value in the reader's zone; a plain date stays the same day."""
    moment = parse_moment(value)
    if isinstance(moment, datetime):
        return moment.astimezone(_zone(ctx, tz))
    return moment


def _local_day(ctx: Context, value: Any, tz: str | None) -> date:
    moment = _local(ctx, value, tz)
    return moment.date() if isinstance(moment, datetime) else moment


def _now_day(ctx: Context, tz: str | None) -> date:
    return _local_day(ctx, ctx.get("now"), tz)


@pass_context
def money(ctx: Context, value: Mapping[str, Any]) -> str:
    """``{"amount": "1234.50", "currency": "PLN"}`` -> "1 234,50 zł" / "PLN 1,234.50"."""
    return _money_text(str(value["amount"]), str(value["currency"]), _locale(ctx))


@functools.lru_cache(maxsize=4096)
def _money_text(amount: str, currency: str, locale: str) -> str:
    # Babel takes a third of a millisecond per amount; a message shows each
    # amount twice (text and HTML) and prices repeat across messages.
    text = format_currency(Decimal(amount), currency, locale=babel_locale(locale))
    return _LETTER_SYMBOL.sub("\\1\u00a0", text, count=1)


@pass_context
def date_filter(ctx: Context, value: Any, tz: str | None = None) -> str:
    """A day: "23 listopada 2026" / "23 November 2026"."""
    return format_date(_local_day(ctx, value, tz), "long", locale=babel_locale(_locale(ctx)))


@pass_context
def time_filter(ctx: Context, value: Any, tz: str | None = None) -> str:
    """The local clock time, 24-hour: "14:30"."""
    moment = _local(ctx, value, tz)
    if not isinstance(moment, datetime):
        raise TypeError(f"a time needs a datetime, got the date {value!r}")
    return format_time(moment, "HH:mm", locale=babel_locale(_locale(ctx)))


@pass_context
def datetime_filter(ctx: Context, value: Any, tz: str | None = None) -> str:
    """Day and time: "23 listopada 2026, 14:30"; a plain date gives the day only."""
    moment = _local(ctx, value, tz)
    locale = babel_locale(_locale(ctx))
    day = format_date(moment, "long", locale=locale)
    if not isinstance(moment, datetime):
        return day
    clock = format_time(moment, "HH:mm", locale=locale)
    return str(get_datetime_format("medium", locale=locale)).format(clock, day)


@pass_context
def weekday(ctx: Context, value: Any, tz: str | None = None) -> str:
    """The day of the week: "środa" / "Wednesday"."""
    return format_date(_local_day(ctx, value, tz), "EEEE", locale=babel_locale(_locale(ctx)))


@pass_context
def plural(ctx: Context, n: Any, *forms: str) -> str:
    """The form of a word for ``n`` by the locale's plural rules.

    Forms follow CLDR order, only the categories the locale has: Polish
    ``n|plural("produkt", "produkty", "produktów")`` (one, few, many), English
    ``n|plural("item", "items")`` (one, other). A category without its own form
    (Polish fractions, "other") takes the last form.
    """
    if not forms:
        raise TypeError("plural() needs at least one form")
    locale = babel_locale(_locale(ctx))
    rule = locale.plural_form
    order = [tag for tag in _PLURAL_ORDER if tag in rule.tags] + ["other"]
    number = n if isinstance(n, int | float | Decimal) else Decimal(str(n))
    position = order.index(rule(number))
    return forms[min(position, len(forms) - 1)]


def duration(value: Any) -> str:
    """Seconds (or "15m", "PT2H", a timedelta) -> "2 h 15 min"; other text unchanged."""
    if isinstance(value, timedelta):
        return format_seconds(value.total_seconds())
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return format_seconds(float(value))
    if isinstance(value, str):
        try:
            return format_seconds(parse_duration(value.strip()).total_seconds())
        except ValueError:
            return value
    raise TypeError(f"expected a duration, got {value!r}")


@pass_context
def is_today(ctx: Context, value: Any, tz: str | None = None) -> bool:
    """True when ``value`` falls on the day of the context's ``now`` in the reader's zone."""
    return _local_day(ctx, value, tz) == _now_day(ctx, tz)


@pass_context
def is_tomorrow(ctx: Context, value: Any, tz: str | None = None) -> bool:
    """True when ``value`` falls on the day after the context's ``now``."""
    return _local_day(ctx, value, tz) == _now_day(ctx, tz) + timedelta(days=1)


#: Filters registered in the rendering environment, by template name.
FILTERS: dict[str, Callable[..., Any]] = {
    "money": money,
    "date": date_filter,
    "time": time_filter,
    "datetime": datetime_filter,
    "weekday": weekday,
    "plural": plural,
    "duration": duration,
}

#: Tests registered in the rendering environment: ``{% if reply_by is today %}``.
TESTS: dict[str, Callable[..., bool]] = {
    "today": is_today,
    "tomorrow": is_tomorrow,
}
