"""IANA time zone names: exactly those of the `tzdata` package, for the validator and the schema.

One source for both: `zoneinfo.available_timezones()` would mix in whatever the machine's
`/usr/share/zoneinfo` holds (`localtime`, `posixrules`, a different release), so the
published enum and the running check could differ from machine to machine. The `tzdata`
package is a pinned dependency and lists its zones in a file of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

#: The name under which the enum of zones is shared in the generated schemas.
TIME_ZONE_DEFINITION = "TimeZoneName"


@cache
def iana_zone_names() -> tuple[str, ...]:
    """Every zone name the contract accepts, sorted (read once, on first use)."""
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return tuple(sorted(set(listed.split())))


@cache
def _zone_set() -> frozenset[str]:
    return frozenset(iana_zone_names())


def tzdata_version() -> str:
    return metadata.version("tzdata")


def known_time_zone(name: str) -> str:
    if name not in _zone_set():
        raise PydanticCustomError(
            "time_zone",
            'is not an IANA time zone name such as "Europe/Warsaw" (exact spelling, '
            "as in the tz database)",
        )
    return name


def time_zone_schema() -> JsonSchemaValue:
    return {
        "description": (
            "IANA time zone name, e.g. Europe/Warsaw: exactly the names of the tz "
            f"database release {tzdata_version()} (Python package tzdata)"
        ),
        "enum": list(iana_zone_names()),
        "type": "string",
    }


@dataclass(frozen=True)
class _ZoneRule:
    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            known_time_zone, core_schema.str_schema()
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return time_zone_schema()


TimeZoneName = Annotated[str, _ZoneRule()]
