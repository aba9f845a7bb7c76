"""Field types shared by the event models: money, time zones, identifiers."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

#: A decimal string such as "1234.50"; at most four decimal places.
MONEY_PATTERN = r"^-?\d{1,15}(\.\d{1,4})?$"
_MONEY = re.compile(MONEY_PATTERN)


def _money_from_string(value: Any) -> Any:
    # Floats lose cents; the contract demands a decimal string.
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise ValueError('money must be a decimal string such as "1234.50", not a JSON number')
    if not _MONEY.match(value):
        raise ValueError(f'"{value}" is not a decimal amount such as "1234.50"')
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already guards this
        raise ValueError(f'"{value}" is not a decimal amount') from exc


Money = Annotated[
    Decimal,
    BeforeValidator(_money_from_string),
    PlainSerializer(lambda amount: str(amount), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN}),
]


def _not_negative(amount: Decimal) -> Decimal:
    if amount < 0:
        raise ValueError("amount must not be negative")
    return amount


#: Amounts in the contract (prices, totals, refunds) are never negative.
NON_NEGATIVE_MONEY_PATTERN = r"^\d{1,15}(\.\d{1,4})?$"

PositiveMoney = Annotated[
    Money,
    AfterValidator(_not_negative),
    WithJsonSchema({"type": "string", "pattern": NON_NEGATIVE_MONEY_PATTERN}),
]

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. PLN")]

#: Locale of the customer; notifications exist in `pl` and `en`, others fall back.
Locale = Annotated[
    str,
    Field(
        pattern=r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$",
        description="BCP 47 language tag; `pl` (default) and `en` are supported",
    ),
]


def _known_time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f'"{name}" is not an IANA time zone such as "Europe/Warsaw"') from exc
    return name


TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64, description="IANA time zone, e.g. Europe/Warsaw"),
    AfterValidator(_known_time_zone),
]

#: No control characters (a NUL byte cannot even be stored by PostgreSQL).
Identifier = Annotated[
    str,
    Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\s]([^\x00-\x1f]*[^\x00-\x1f\s])?$"),
]

EventId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=r"^[^\x00-\x1f]+$",
        description="Unique per shop; 1–128 characters, no control characters",
    ),
]

Email = Annotated[
    str,
    Field(
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        json_schema_extra={"format": "email"},
    ),
]

Phone = Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ()-]{4,24}$", description="E.164 preferred")]

Quantity = Annotated[int, Field(ge=1, le=1_000_000, strict=True)]

#: A delivery estimate: an exact time with a zone, or a whole day.
DeliveryEstimate = AwareDatetime | date

Priority = Literal["low", "normal", "high", "urgent"]
TicketChannel = Literal["email", "form", "chat", "phone", "social"]
