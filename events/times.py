"""Points in time on the wire: RFC 3339 date-times with a zone, and whole days.

The patterns are the rule, not `format`: a JSON Schema validator with format assertion
off checks exactly what the ingest checks. They spell out the calendar (month lengths,
29 February of leap years) so that no string passes the pattern and fails the parser.
Years run from 1900 to 2999: wide enough for any shop event, narrow enough that adding
deadlines or converting to UTC never leaves the range a datetime can hold. The leap
second (`23:59:60`) is refused: POSIX clocks never produce it and Python cannot hold it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from events.text import CONTROL, StringRule

_YEAR = "(19[0-9]{2}|2[0-9]{3})"
_DIVISIBLE_BY_4 = "(0[48]|[2468][048]|[13579][26])"
_LEAP_YEAR = f"(19{_DIVISIBLE_BY_4}|2[0-9]{_DIVISIBLE_BY_4}|2[048]00)"
_MONTH_DAY = (
    "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    "|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    "|02-(0[1-9]|1[0-9]|2[0-8]))"
)
_DATE = f"({_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?"
_OFFSET = "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"

#: `2026-11-23T10:15:00+01:00`: seconds required, fractions up to nanoseconds, `T` and
#: `Z` in capitals, a zone always.
DATE_TIME_PATTERN = f"^{_DATE}T{_TIME}{_OFFSET}$"
#: `2026-11-26`: a whole day.
DATE_PATTERN = f"^{_DATE}$"

_DATE_TIME = StringRule(
    pattern=DATE_TIME_PATTERN,
    problem=(
        "must be an RFC 3339 date-time with seconds and a zone, such as "
        '"2026-11-23T10:15:00+01:00" or "2026-11-23T09:15:00Z" (years 1900–2999)'
    ),
    format="date-time",
)
_DATE_ONLY = StringRule(pattern=DATE_PATTERN, format="date")

_NOT_A_STRING = 'must be a string such as "2026-11-23T10:15:00+01:00", not {kind}'


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a JSON number"
    if isinstance(value, dict):
        return "an object"
    return "an array" if isinstance(value, list) else "null"


def parse_date_time(value: Any) -> datetime:
    """An aware datetime from its wire form (an aware datetime passes as it is)."""
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_time_type", _NOT_A_STRING, {"kind": _json_kind(value)})
    _DATE_TIME.check(value)
    return datetime.fromisoformat(value)  # the pattern admits only what this reads


def parse_estimate(value: Any) -> datetime | date:
    """A delivery estimate: an exact time with a zone, or a whole day."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_ONLY.matches(value):
        return date.fromisoformat(value)
    try:
        return parse_date_time(value)
    except PydanticCustomError as exc:
        if exc.type != "string_form":
            raise
        raise PydanticCustomError(
            "estimate_form",
            'must be a whole day such as "2026-11-26" or an RFC 3339 date-time with '
            'seconds and a zone such as "2026-11-26T18:00:00+01:00" (years 1900–2999)',
        ) from None


def date_time_schema() -> JsonSchemaValue:
    return _DATE_TIME.json_schema()


def estimate_schema() -> JsonSchemaValue:
    return {
        "anyOf": [
            {"format": "date-time", "pattern": DATE_TIME_PATTERN},
            {"format": "date", "pattern": DATE_PATTERN},
        ],
        "description": "A whole day (`2026-11-26`) or a date-time with a zone",
        "not": {"pattern": f"[{CONTROL}]"},
        "type": "string",
    }


@dataclass(frozen=True)
class _WireTime:
    """Metadata that makes a field read `parse` and publish `schema`."""

    estimate: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        parse = parse_estimate if self.estimate else parse_date_time
        return core_schema.no_info_plain_validator_function(
            parse,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda value: value.isoformat(), when_used="json"
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return estimate_schema() if self.estimate else date_time_schema()


#: An exact time with a zone offset.
Timestamp = Annotated[datetime, _WireTime()]

#: A delivery estimate: an exact time with a zone, or a whole day.
DeliveryEstimate = Annotated[datetime | date, _WireTime(estimate=True)]
