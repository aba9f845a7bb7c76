"""HTML of the order page and its withdrawal steps (package templates, autoescaped)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.order_page.words import WORDS
from services.runtime.policies import Policies
from services.runtime.rendering import resolve_locale
from services.runtime.rendering.formatting import FILTERS, TESTS

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(FILTERS)
    environment.tests.update(TESTS)
    return environment


def shop_contact(policies: Policies) -> dict[str, str]:
    contact = policies.contact
    return {"name": contact.shop_name, "email": contact.email, "phone": contact.phone,
            "url": contact.url}  # fmt: skip


def render(
    template: str, locale: str | None, timezone: str, policies: Policies, **context: Any
) -> str:
    lang = resolve_locale(locale)
    variables = {"locale": lang, "timezone": timezone, "w": WORDS[lang],
                 "shop": shop_contact(policies), **context}  # fmt: skip
    return _environment().get_template(template).render(variables)
