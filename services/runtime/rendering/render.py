"""Render a message of a kind, in a locale, from template files a shop can override.

Templates are looked up by the name ``<locale>/<kind>.<part>.j2`` (parts
``subject``, ``txt`` and ``html``; layouts and macros the same way), first in
``<override_dir>/<shop folder>/`` (the shop id, percent-encoded where it is
not a plain ASCII name: :mod:`services.runtime.rendering.shop_folder`), then
in ``<override_dir>/``, then in the package's ``templates/``. A shop thus
replaces any single file, layouts included, by dropping a file in its folder;
no code changes.

Shops write templates, so they run in Jinja's immutable sandbox. Files named
``*.txt.j2`` and ``*.subject.j2`` are plain text; every other file (``*.html.j2``,
shared includes) autoescapes. No template ever evaluates data, so a customer
named ``{{ 7*7 }}`` is shown as written. Shared pieces are includes of the same
part (``_ticket_facts.txt.j2`` / ``_ticket_facts.html.j2``), not macros: Jinja
marks a macro's output safe by its *caller's* mode, so a macro from a text file
called from HTML would let markup through. A context key a template uses but the
context lacks is an error (``StrictUndefined``), and so is printing a null:
templates guard optional values with ``{% if %}``. Both raise
:class:`RenderError`, which names the kind, locale and shop.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from services.domain.kinds import KINDS, LOCALES, MARKETING_KINDS
from services.runtime.clock import Clock, utcnow
from services.runtime.rendering.formatting import FILTERS, TESTS
from services.runtime.rendering.shop_folder import template_folder

__all__ = [
    "PACKAGE_TEMPLATES",
    "RenderError",
    "RenderedMessage",
    "Renderer",
    "resolve_locale",
]

#: The templates shipped with the package.
PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"

#: The locale of customers whose language we do not know.
DEFAULT_LOCALE = LOCALES[0]

#: The locale of customers whose language has no templates.
FALLBACK_LOCALE = "en"

#: Template names whose output is plain text, never HTML-escaped.
_PLAIN_SUFFIXES = (".txt.j2", ".subject.j2")

#: Errors a template, a filter or a malformed context value can raise.
_RENDER_FAILURES = (TemplateError, ValueError, TypeError, LookupError, ArithmeticError)


class RenderError(Exception):
    """A message could not be rendered: unknown kind, bad context or bad template."""


@dataclass(frozen=True)
class RenderedMessage:
    """One message, ready for a channel: a one-line subject, a text part, an HTML part."""

    subject: str
    text: str
    html: str


def resolve_locale(locale: str | None) -> str:
    """The template locale for a customer's locale: "pl-PL" -> "pl", "de" -> "en", None -> "pl"."""
    if not locale or not locale.strip():
        return DEFAULT_LOCALE
    language = re.split(r"[-_]", locale.strip(), maxsplit=1)[0].lower()
    return language if language in LOCALES else FALLBACK_LOCALE


def _refuse_null(value: Any) -> Any:
    # Printing a null would show "None" to a customer; a template must guard it.
    if value is None:
        raise ValueError("a template printed a null value; guard it with {% if ... %}")
    return value


def _escapes(name: str | None) -> bool:
    # Everything but text parts escapes: a stray include then over-escapes a text
    # part instead of letting markup into an HTML one.
    return name is None or not name.endswith(_PLAIN_SUFFIXES)


class Renderer:
    """Renders messages from the package templates and a shop's overrides.

    Parameters
    ----------
    override_dir:
        Folder of override templates: ``<shop_id>/<locale>/<file>`` for one shop,
        ``<locale>/<file>`` for every shop. ``None`` uses the package templates only.
    clock:
        Gives "now" when the context has no ``now`` (for "today at 14:30").
    """

    def __init__(self, override_dir: Path | None = None, *, clock: Clock = utcnow) -> None:
        self._override_dir = override_dir
        self._clock = clock
        self._environments: dict[str | None, ImmutableSandboxedEnvironment] = {}
        self._lock = threading.Lock()

    def render(
        self,
        kind: str,
        locale: str | None,
        context: Mapping[str, Any],
        *,
        shop_id: str | None = None,
    ) -> RenderedMessage:
        """Render ``kind`` for a reader of ``locale`` from ``context``.

        Returns
        -------
        RenderedMessage
            The subject (one line), the text part and the HTML part.

        Raises
        ------
        RenderError
            Unknown kind, a marketing kind without ``unsubscribe_url``, a key the
            templates need missing from ``context``, a malformed value, or a
            broken override template.
        """
        lang = resolve_locale(locale)
        where = f"{kind} ({lang}{f', shop {shop_id}' if shop_id else ''})"
        if kind not in KINDS:
            raise RenderError(f"unknown message kind {kind!r}; known: {', '.join(KINDS)}")
        if kind in MARKETING_KINDS and not context.get("unsubscribe_url"):
            raise RenderError(f"{where} needs an unsubscribe_url")
        variables: dict[str, Any] = {
            "unsubscribe_url": None,
            "order_page_url": None,
            **context,
            "locale": lang,
        }
        if variables.get("now") is None:
            variables["now"] = self._clock()
        environment = self._environment(shop_id)
        try:
            subject = environment.get_template(f"{lang}/{kind}.subject.j2").render(variables)
            text = environment.get_template(f"{lang}/{kind}.txt.j2").render(variables)
            html = environment.get_template(f"{lang}/{kind}.html.j2").render(variables)
        except _RENDER_FAILURES as exc:
            raise RenderError(f"cannot render {where}: {type(exc).__name__}: {exc}") from exc
        return RenderedMessage(
            subject=" ".join(subject.split()),
            text=_tidy_text(text),
            html=html.strip() + "\n",
        )

    def _environment(self, shop_id: str | None) -> ImmutableSandboxedEnvironment:
        """The environment for a shop: its own only when it has an override folder."""
        folder = template_folder(shop_id) if shop_id is not None else None
        has_own = (
            folder is not None
            and self._override_dir is not None
            and (self._override_dir / folder).is_dir()
        )
        key = folder if has_own else None
        with self._lock:
            environment = self._environments.get(key)
            if environment is None:
                environment = self._build(key)
                self._environments[key] = environment
        return environment

    def _build(self, folder: str | None) -> ImmutableSandboxedEnvironment:
        searchpath: list[Path] = []
        if self._override_dir is not None:
            if folder is not None:
                searchpath.append(self._override_dir / folder)
            searchpath.append(self._override_dir)
        searchpath.append(PACKAGE_TEMPLATES)
        environment = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(searchpath),
            autoescape=_escapes,
            undefined=StrictUndefined,
            finalize=_refuse_null,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # Package templates never change under a running process: checking
            # each file's mtime on every render cost 4 % of a worker. Override
            # folders are re-read when edited.
            auto_reload=self._override_dir is not None,
        )
        environment.filters.update(FILTERS)
        environment.tests.update(TESTS)
        return environment


def _tidy_text(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, one final newline."""
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines) + "\n"
