"""Every kind renders in both locales, says what happens next and by when, in both parts alike."""

from __future__ import annotations

import pytest

from services.runtime.rendering import (
    CUSTOMER_KINDS,
    KINDS,
    STAFF_KINDS,
    TRANSACTIONAL_KINDS,
    Renderer,
)
from services.runtime.rendering.samples import sample_context
from tests.rendering.conftest import spaces, visible_text, words
from tests.rendering.facts import FACTS

CASES = [(kind, locale) for kind in KINDS for locale in ("pl", "en")]


def test_the_kinds_are_partitioned() -> None:
    assert set(FACTS) == set(KINDS)
    assert set(CUSTOMER_KINDS) | set(STAFF_KINDS) == set(KINDS)
    assert not set(CUSTOMER_KINDS) & set(STAFF_KINDS)
    assert set(TRANSACTIONAL_KINDS) < set(CUSTOMER_KINDS)
    assert len(KINDS) == len(set(KINDS)) == 20


@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_every_kind_renders_its_facts(renderer: Renderer, kind: str, locale: str) -> None:
    message = renderer.render(kind, locale, sample_context(kind, locale))
    assert message.subject and "\n" not in message.subject
    for part in (message.subject, message.text, message.html):
        assert part.strip()
        for leftover in ("{{", "}}", "{%", "%}", "None", "Undefined"):
            assert leftover not in part
    text, html = spaces(message.text), spaces(visible_text(message.html))
    for fact in FACTS[kind][locale]:
        assert fact in text, f"{kind}/{locale} text lacks {fact!r}"
        assert fact in html or fact in spaces(message.html), f"{kind}/{locale} html lacks {fact!r}"
    assert f'<html lang="{locale}">' in message.html


@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_html_says_what_the_text_says(renderer: Renderer, kind: str, locale: str) -> None:
    message = renderer.render(kind, locale, sample_context(kind, locale))
    assert words(visible_text(message.html)) == words(message.text)


@pytest.mark.parametrize("kind", CUSTOMER_KINDS)
def test_customer_messages_greet_by_name_or_neutrally(renderer: Renderer, kind: str) -> None:
    context = sample_context(kind, "pl")
    assert renderer.render(kind, "pl", context).text.startswith("Dzień dobry, Anna Kowalska!")
    context["customer_name"] = None
    assert renderer.render(kind, "pl", context).text.startswith("Dzień dobry!\n")
    context = {**sample_context(kind, "en"), "customer_name": None}
    assert renderer.render(kind, "en", context).text.startswith("Hello,\n")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("pl", "Napiszemy do Ciebie, gdy tylko wyślemy zamówienie"),
        ("en", "we will send you the tracking link when the parcel leaves"),
    ],
)
def test_order_confirmation_without_a_delivery_date(
    renderer: Renderer, locale: str, expected: str
) -> None:
    context = {**sample_context("order_confirmation", locale), "expected_delivery": None}
    message = renderer.render("order_confirmation", locale, context)
    assert expected in message.text


def test_an_order_of_one_item_and_of_twenty_two(renderer: Renderer) -> None:
    context = sample_context("order_confirmation", "pl")
    context["items"] = context["items"][:1]
    assert "obejmuje 1 produkt:" in renderer.render("order_confirmation", "pl", context).text
    context["items"][0]["quantity"] = 22
    assert "obejmuje 22 produkty:" in renderer.render("order_confirmation", "pl", context).text


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("pl", "Napiszemy do Ciebie ponownie najpóźniej do 24 listopada 2026, 00:30"),
        ("en", "We will write to you again by 24 November 2026, 00:30"),
    ],
)
def test_a_delay_we_noticed_ourselves_promises_the_next_update(
    renderer: Renderer, locale: str, expected: str
) -> None:
    context = sample_context("shipment_delayed", locale)
    context.update(
        reason=None,
        new_estimated_delivery=None,
        next_update_by="2026-11-23T23:30:00+00:00",
        timezone="Europe/Warsaw",
    )
    message = renderer.render("shipment_delayed", locale, context)
    assert expected in message.text
    assert "sprawdzamy u przewoźnika" in message.text.lower() or "checking with the carrier" in (
        message.text
    )
    assert ("Przyczyna" not in message.text) and ("Reason" not in message.text)


@pytest.mark.parametrize(
    ("reply_by", "pl", "en"),
    [
        ("2026-11-23T15:00:00+00:00", "dziś do 16:00", "today by 15:00"),
        (
            "2026-11-24T08:00:00+00:00",
            "jutro, 24 listopada 2026, do 09:00",
            "tomorrow, 24 November 2026, by 08:00",
        ),
        (
            "2026-11-26T08:00:00+00:00",
            "najpóźniej 26 listopada 2026 do 09:00",
            "on 26 November 2026 by 08:00",
        ),
    ],
)
def test_ticket_reply_time_names_the_day_unless_today(
    renderer: Renderer, reply_by: str, pl: str, en: str
) -> None:
    for locale, expected in (("pl", pl), ("en", en)):
        context = {**sample_context("ticket_received", locale), "reply_by": reply_by}
        assert expected in renderer.render("ticket_received", locale, context).text


@pytest.mark.parametrize(
    ("outcome", "pl", "en"),
    [
        ("refunded", "Zwróciliśmy Ci 1 234,50 zł", "refunded PLN 1,234.50"),
        ("replaced", "wymienimy produkt na nowy", "replace the item"),
        ("repaired", "został naprawiony", "has been repaired"),
        ("rejected", "nie możemy go uznać", "cannot accept it"),
    ],
)
def test_return_outcomes(renderer: Renderer, outcome: str, pl: str, en: str) -> None:
    for locale, expected in (("pl", pl), ("en", en)):
        context = {**sample_context("return_resolved", locale), "outcome": outcome}
        message = renderer.render("return_resolved", locale, context)
        assert expected in spaces(message.text)


@pytest.mark.parametrize(
    ("return_kind", "pl", "en"),
    [
        ("withdrawal", "Zwrócimy Ci pieniądze", "refund you"),
        ("exchange", "wyślemy Ci nowe", "send you the new ones"),
        ("complaint", "decyzję w sprawie reklamacji", "our decision"),
    ],
)
def test_return_received_by_kind(renderer: Renderer, return_kind: str, pl: str, en: str) -> None:
    for locale, expected in (("pl", pl), ("en", en)):
        context = {**sample_context("return_received", locale), "return_kind": return_kind}
        assert expected in renderer.render("return_received", locale, context).text


def test_checkin_asks_for_more_only_when_offered(renderer: Renderer) -> None:
    context = {**sample_context("checkin", "pl"), "offer_more": False, "help_url": None}
    text = renderer.render("checkin", "pl", context).text
    assert "czegoś jeszcze" not in text
    assert "Odpowiedz na tę wiadomość" in text


def test_sla_breach_level_two_says_hard_limit(renderer: Renderer) -> None:
    for locale, expected in (("pl", "twardy limit"), ("en", "hard limit")):
        context = {**sample_context("sla_breach", locale), "level": 2}
        message = renderer.render("sla_breach", locale, context)
        assert expected in message.text
        assert "2" in message.subject


@pytest.mark.parametrize("locale", ["de", "pl-PL", "en-US", None])
def test_unsupported_locales_fall_back(renderer: Renderer, locale: str | None) -> None:
    message = renderer.render("order_shipped", locale, sample_context("order_shipped", "pl"))
    polish = locale in ("pl-PL", None)
    assert ("jest w drodze" in message.subject) is polish
    assert ("on its way" in message.subject) is not polish
