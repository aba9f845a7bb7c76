"""Customer notifications and staff alerts from templates, in Polish and English.

``Renderer(override_dir).render(kind, locale, context, shop_id=...)`` gives a
:class:`RenderedMessage` (subject, text, html). See :mod:`.render` for how
templates are found and overridden, :mod:`.formatting` for the values a
context holds, and :mod:`.samples` for a context of every kind.
"""

from services.domain.kinds import (
    CUSTOMER_KINDS,
    KINDS,
    LOCALES,
    MARKETING_KINDS,
    STAFF_KINDS,
    TRANSACTIONAL_KINDS,
)
from services.runtime.rendering.render import (
    RenderedMessage,
    Renderer,
    RenderError,
    resolve_locale,
)

__all__ = [
    "CUSTOMER_KINDS",
    "KINDS",
    "LOCALES",
    "MARKETING_KINDS",
    "STAFF_KINDS",
    "TRANSACTIONAL_KINDS",
    "RenderError",
    "RenderedMessage",
    "Renderer",
    "resolve_locale",
]
