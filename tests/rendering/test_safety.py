"""Data is shown, never evaluated; a missing key is an error; unsubscribe links where due."""

from __future__ import annotations

import html

import pytest
from markupsafe import escape

from services.runtime.rendering import (
    CUSTOMER_KINDS,
    KINDS,
    MARKETING_KINDS,
    TRANSACTIONAL_KINDS,
    Renderer,
    RenderError,
)
from services.runtime.rendering.samples import sample_context

SCRIPT = "<script>alert(1)</script>"
CASES = [(kind, locale) for kind in CUSTOMER_KINDS for locale in ("pl", "en")]


@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_a_script_name_is_escaped_in_html_and_literal_in_text(
    renderer: Renderer, kind: str, locale: str
) -> None:
    context = {**sample_context(kind, locale), "customer_name": SCRIPT}
    message = renderer.render(kind, locale, context)
    assert SCRIPT in message.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "<script" not in message.html


@pytest.mark.parametrize(("kind", "locale"), CASES)
def test_template_syntax_in_data_is_never_evaluated(
    renderer: Renderer, kind: str, locale: str
) -> None:
    context = {**sample_context(kind, locale), "customer_name": "{{ 7*7 }} {% if 1 %}x{% endif %}"}
    message = renderer.render(kind, locale, context)
    for part in (message.subject, message.text, message.html):
        assert "49" not in part
    assert "{{ 7*7 }} {% if 1 %}x{% endif %}" in message.text
    assert "{{ 7*7 }}" in message.html


@pytest.mark.parametrize("kind", ["ticket_received", "shipment_delayed", "negative_feedback"])
def test_free_text_fields_are_escaped_too(renderer: Renderer, kind: str) -> None:
    field = {
        "ticket_received": "subject",
        "shipment_delayed": "reason",
        "negative_feedback": "comment",
    }[kind]
    evil = '<img src=x onerror="alert(1)"> {{ 7*7 }}'
    context = {**sample_context(kind, "pl"), field: evil}
    message = renderer.render(kind, "pl", context)
    assert evil in message.text
    assert str(escape(evil)) in message.html
    assert "<img" not in message.html
    assert "49" not in message.text + message.html


@pytest.mark.parametrize("kind", TRANSACTIONAL_KINDS)
def test_unsubscribe_link_shown_iff_given(renderer: Renderer, kind: str) -> None:
    url = "https://shop.example/unsubscribe?token=abc&sig=def"
    for locale in ("pl", "en"):
        plain = renderer.render(kind, locale, sample_context(kind, locale))
        assert "unsubscribe" not in plain.text.lower() + plain.html.lower()
        assert "Wypisz" not in plain.text + plain.html
        context = {**sample_context(kind, locale), "unsubscribe_url": url}
        message = renderer.render(kind, locale, context)
        assert url in message.text
        assert f'href="{html.escape(url)}"' in message.html


@pytest.mark.parametrize("kind", MARKETING_KINDS)
def test_marketing_messages_need_an_unsubscribe_link(renderer: Renderer, kind: str) -> None:
    context = sample_context(kind, "pl")
    message = renderer.render(kind, "pl", context)
    assert context["unsubscribe_url"] in message.text
    assert html.escape(context["unsubscribe_url"]) in message.html
    for missing in (None, ""):
        with pytest.raises(RenderError, match="unsubscribe_url"):
            renderer.render(kind, "pl", {**context, "unsubscribe_url": missing})
    del context["unsubscribe_url"]
    with pytest.raises(RenderError, match="unsubscribe_url"):
        renderer.render(kind, "pl", context)


@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_context_key_raises(renderer: Renderer, kind: str) -> None:
    context = sample_context(kind, "pl")
    key = "order_id" if "order_id" in context else "ticket_id"
    del context[key]
    with pytest.raises(RenderError, match=key):
        renderer.render(kind, "pl", context)


def test_customer_name_must_be_present_even_if_null(renderer: Renderer) -> None:
    context = sample_context("order_shipped", "pl")
    del context["customer_name"]
    with pytest.raises(RenderError, match="customer_name"):
        renderer.render("order_shipped", "pl", context)


@pytest.mark.parametrize(
    ("kind", "key", "value"),
    [
        ("order_confirmation", "total", {"amount": "lots", "currency": "PLN"}),
        ("order_confirmation", "total", {"amount": "1"}),
        ("order_confirmation", "expected_delivery", "next week"),
        ("ticket_received", "timezone", "Mars/Olympus_Mons"),
        ("ticket_received", "reply_by", None),
        ("order_shipped", "shop", {"name": "Sklep"}),
    ],
)
def test_malformed_values_raise_render_errors(
    renderer: Renderer, kind: str, key: str, value: object
) -> None:
    context = {**sample_context(kind, "pl"), key: value}
    with pytest.raises(RenderError, match=kind):
        renderer.render(kind, "pl", context)


def test_an_unknown_kind_raises(renderer: Renderer) -> None:
    with pytest.raises(RenderError, match="unknown message kind"):
        renderer.render("order_exploded", "pl", sample_context("order_shipped", "pl"))
