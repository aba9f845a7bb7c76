"""Field types shared by the event models: identifiers, numbers, money, times, zones.

Each type carries its own validator and its own JSON Schema (see `events.text`,
`events.times`, `events.money`, `events.zones`), so the exported schema and the
running check are one rule written once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from events.money import MONEY_PATTERN, NON_NEGATIVE_MONEY_PATTERN, Money, PositiveMoney
from events.text import (
    Currency,
    Email,
    EventId,
    Identifier,
    Locale,
    Phone,
    Url,
    line,
    text,
)
from events.times import DeliveryEstimate, Timestamp
from events.zones import TimeZoneName


class WireModel(BaseModel):
    """A JSON object of the contract: strict types (`true`, never `"yes"` or `1`), unknown
    fields ignored. Strings, times and money are read by the types' own validators."""

    model_config = ConfigDict(extra="ignore", strict=True)


#: The shop's identifier. Its rule is the lead's to change (issue 9 section 2); the
#: schema adds the control-character guard that keeps `$` exact in every regex dialect.
ShopId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=r"^[^\x00-\x1f\s]([^\x00-\x1f]*[^\x00-\x1f\s])?$",
        json_schema_extra={"not": {"pattern": "[\\x00-\\x1f]"}},
    ),
]


def whole_number(value: Any) -> Any:
    """2.0 is the integer 2, as in JSON Schema (JSON has one kind of number)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Quantity = Annotated[int, Field(ge=1, le=1_000_000), BeforeValidator(whole_number)]

Score = Annotated[
    int, Field(ge=0, le=10, description="csat5: 1–5; nps10: 0–10"), BeforeValidator(whole_number)
]


def _version_number(value: Any) -> Any:
    if isinstance(value, bool):  # True == 1 in Python, not in JSON
        raise PydanticCustomError("schema_version_type", "must be the number 1, not a boolean")
    return whole_number(value)


SchemaVersion = Annotated[
    Literal[1],
    Field(description="Version of the wire contract; always 1"),
    BeforeValidator(_version_number),
]

Priority = Literal["low", "normal", "high", "urgent"]
TicketChannel = Literal["email", "form", "chat", "phone", "social"]

__all__ = [
    "MONEY_PATTERN",
    "NON_NEGATIVE_MONEY_PATTERN",
    "Currency",
    "DeliveryEstimate",
    "Email",
    "EventId",
    "Identifier",
    "Locale",
    "Money",
    "Phone",
    "PositiveMoney",
    "Priority",
    "Quantity",
    "SchemaVersion",
    "Score",
    "ShopId",
    "TicketChannel",
    "TimeZoneName",
    "Timestamp",
    "Url",
    "WireModel",
    "line",
    "text",
]
