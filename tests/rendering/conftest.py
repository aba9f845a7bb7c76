"""Helpers for rendering tests: a renderer, spaces normalised, the visible text of HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from services.runtime.rendering import Renderer
from services.runtime.rendering.formatting import FILTERS, TESTS


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    """One renderer for all tests: it holds no state but its template caches."""
    return Renderer()


def spaces(text: str) -> str:
    """Babel writes no-break (U+00A0) and narrow no-break (U+202F) spaces; compare as spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def fmt(expression: str, locale: str = "pl", **variables: Any) -> str:
    """Evaluate ``{{ expression }}`` with the renderer's filters and tests."""
    environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    environment.filters.update(FILTERS)
    environment.tests.update(TESTS)
    context = {"locale": locale, "timezone": "Europe/Warsaw", **variables}
    return spaces(environment.from_string("{{ " + expression + " }}").render(context))


_HIDDEN = ("head", "style", "script")
_BLOCKS = ("p", "br", "div", "ul", "ol", "li", "table", "tr", "td", "h1", "h2", "h3")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden -= 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """What a reader sees of an HTML part: text outside tags, entities decoded, spaces collapsed."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


_URL = re.compile(r"(?:https?://|mailto:|tel:)\S+")


def words(text: str) -> list[str]:
    """The words of a message, links left out (HTML hides them behind link text)."""
    return re.findall(r"\w+", _URL.sub(" ", text))
