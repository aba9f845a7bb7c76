"""The kinds of message, as the renderer knows them: defined by the domain
(:mod:`services.domain.kinds`), named here for the rendering code and its tests."""

from services.domain.kinds import (
    CUSTOMER_KINDS,
    KINDS,
    LOCALES,
    MARKETING_KINDS,
    STAFF_KINDS,
    TRANSACTIONAL_KINDS,
)

__all__ = [
    "CUSTOMER_KINDS",
    "KINDS",
    "LOCALES",
    "MARKETING_KINDS",
    "STAFF_KINDS",
    "TRANSACTIONAL_KINDS",
]
