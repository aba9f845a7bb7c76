"""Babel-based filters: money, dates in the reader's zone, plural forms, durations."""

from __future__ import annotations

import pytest

from services.runtime.rendering import resolve_locale
from services.runtime.rendering.formatting import format_seconds
from tests.rendering.conftest import fmt


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "produktów"),
        (1, "produkt"),
        (2, "produkty"),
        (4, "produkty"),
        (5, "produktów"),
        (11, "produktów"),
        (12, "produktów"),
        (14, "produktów"),
        (21, "produktów"),
        (22, "produkty"),
        (24, "produkty"),
        (101, "produktów"),
        (102, "produkty"),
        (112, "produktów"),
    ],
)
def test_polish_plural_forms(n: int, expected: str) -> None:
    assert fmt('n|plural("produkt", "produkty", "produktów")', n=n) == expected


@pytest.mark.parametrize(("n", "expected"), [(0, "items"), (1, "item"), (2, "items"), (5, "items")])
def test_english_plural_forms(n: int, expected: str) -> None:
    assert fmt('n|plural("item", "items")', "en", n=n) == expected


@pytest.mark.parametrize(
    ("locale", "value", "expected"),
    [
        ("pl", {"amount": "1234.50", "currency": "PLN"}, "1 234,50 zł"),
        ("pl", {"amount": "0.99", "currency": "PLN"}, "0,99 zł"),
        ("pl", {"amount": "1000000", "currency": "PLN"}, "1 000 000,00 zł"),
        ("pl", {"amount": "49.9", "currency": "EUR"}, "49,90 €"),
        ("en", {"amount": "1234.50", "currency": "PLN"}, "PLN 1,234.50"),
        ("en", {"amount": "1234.50", "currency": "EUR"}, "€1,234.50"),
    ],
)
def test_money(locale: str, value: dict[str, str], expected: str) -> None:
    assert fmt("value|money", locale, value=value) == expected


@pytest.mark.parametrize(
    ("expression", "locale", "expected"),
    [
        ('"2026-11-23T14:30:00+01:00"|date', "pl", "23 listopada 2026"),
        ('"2026-11-23T14:30:00+01:00"|date', "en", "23 November 2026"),
        ('"2026-11-23T14:30:00+01:00"|datetime', "pl", "23 listopada 2026, 14:30"),
        ('"2026-11-23T14:30:00+01:00"|datetime', "en", "23 November 2026, 14:30"),
        ('"2026-11-23T14:30:00+01:00"|time', "pl", "14:30"),
        ('"2026-11-23T14:30:00+01:00"|time', "en", "14:30"),
        ('"2026-11-25"|weekday', "pl", "środa"),
        ('"2026-11-25"|weekday', "en", "Wednesday"),
        ('"2026-11-25"|date', "pl", "25 listopada 2026"),
        ('"2026-11-25"|datetime', "pl", "25 listopada 2026"),
        ('"2026-01-05"|date', "pl", "5 stycznia 2026"),
        ('"2026-11-23T13:30:00Z"|time', "pl", "14:30"),
        ('"2026-11-23T13:30:00"|time', "pl", "14:30"),
    ],
)
def test_dates(expression: str, locale: str, expected: str) -> None:
    assert fmt(expression, locale) == expected


def test_a_moment_is_shown_in_the_readers_zone() -> None:
    moment = "2026-11-23T23:30:00+00:00"
    assert fmt("m|datetime", "pl", m=moment) == "24 listopada 2026, 00:30"
    assert fmt("m|weekday", "pl", m=moment) == "wtorek"
    assert fmt("m|datetime", "en", m=moment, timezone="Europe/London") == "23 November 2026, 23:30"
    assert fmt('m|time("America/New_York")', "en", m=moment) == "18:30"


def test_a_plain_date_is_never_shifted() -> None:
    for zone in ("Pacific/Kiritimati", "America/Los_Angeles", "Europe/Warsaw"):
        assert fmt('"2026-11-25"|date', "pl", timezone=zone) == "25 listopada 2026"


def test_a_null_timezone_means_the_shops_home_zone() -> None:
    assert fmt('"2026-11-23T23:30:00+00:00"|time', "pl", timezone=None) == "00:30"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (45, "45 s"),
        (60, "1 min"),
        (900, "15 min"),
        (3_600, "1 h"),
        (8_100, "2 h 15 min"),
        (86_400, "1 d"),
        (3 * 86_400 + 4 * 3_600 + 59, "3 d 4 h"),
        (-8_100, "2 h 15 min"),
    ],
)
def test_format_seconds(seconds: int, expected: str) -> None:
    assert format_seconds(seconds) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (8_100, "2 h 15 min"),
        (8100.4, "2 h 15 min"),
        ("2h15m", "2 h 15 min"),
        ("PT1H", "1 h"),
        ("3 days", "3 days"),
        ("2 h 15 min", "2 h 15 min"),
    ],
)
def test_duration_filter(value: object, expected: str) -> None:
    for locale in ("pl", "en"):
        assert fmt("value|duration", locale, value=value) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-23T09:00:00+00:00", "today"),
        ("2026-11-22T22:59:00+00:00", "tomorrow"),
        ("2026-11-20T09:00:00+00:00", "later"),
        # 23:30 UTC on the 22nd is already the 23rd in Warsaw.
        ("2026-11-22T23:30:00+00:00", "today"),
    ],
)
def test_today_and_tomorrow_are_the_readers_days(now: str, expected: str) -> None:
    expression = '"today" if m is today else "tomorrow" if m is tomorrow else "later"'
    assert fmt(expression, "pl", m="2026-11-23T14:00:00+00:00", now=now) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("pl", "pl"),
        ("pl-PL", "pl"),
        ("pl_PL", "pl"),
        ("PL", "pl"),
        ("en", "en"),
        ("en-GB", "en"),
        ("de", "en"),
        ("uk-UA", "en"),
        (None, "pl"),
        ("", "pl"),
    ],
)
def test_resolve_locale(given: str | None, expected: str) -> None:
    assert resolve_locale(given) == expected
