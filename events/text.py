"""The strings of the contract: one rule per kind, read by the validator and the JSON Schema.

Every pattern here is written in the part that Python's `re`, the Rust `regex` crate and
ECMA-262 read alike: explicit classes (`[0-9]`, never `\\d`, `\\s` or `\\w`, which mean
Unicode digits and spaces in some dialects and ASCII in others) and no look-around.
Python's `$` also matches before a final newline, so each string also refuses control
characters through a separate `not` pattern: that keeps `^…$` exact in every dialect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

#: C0 controls, DEL and C1 controls: refused in every string of the contract (NUL
#: cannot even be stored by PostgreSQL).
CONTROL = r"\x00-\x1f\x7f-\x9f"
#: The same less TAB, LF and CR: what multi-line free text (comments, reasons) refuses.
CONTROL_BUT_LINE_BREAKS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
#: Unicode White_Space (and U+FEFF), spelled out so that every dialect agrees.
WHITESPACE = r"\x09-\x0d\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


@dataclass(frozen=True)
class StringRule:
    """A string of the contract: what it may not contain, what it must look like, its length.

    Used as `Annotated[str, StringRule(...)]`; the same fields give the validator and
    the JSON Schema, so the two cannot drift apart.
    """

    #: The body of a character class no character of the string may be in.
    forbidden: str = CONTROL
    #: A pattern the string must match (searched, as JSON Schema does).
    pattern: str | None = None
    #: What is wrong when `pattern` does not match, for the error message.
    problem: str = "has the wrong form"
    min_length: int | None = None
    max_length: int | None = None
    format: str | None = None
    description: str | None = None
    examples: tuple[str, ...] = ()

    def json_schema(self) -> JsonSchemaValue:
        schema: JsonSchemaValue = {"type": "string", "not": {"pattern": f"[{self.forbidden}]"}}
        for key, value in (
            ("minLength", self.min_length),
            ("maxLength", self.max_length),
            ("pattern", self.pattern),
            ("format", self.format),
            ("description", self.description),
        ):
            if value is not None:
                schema[key] = value
        if self.examples:
            schema["examples"] = list(self.examples)
        return dict(sorted(schema.items()))

    def matches(self, value: str) -> bool:
        """Whether `value` is of this form (no error raised)."""
        if _compiled(f"[{self.forbidden}]").search(value) is not None:
            return False
        return self.pattern is None or _compiled(self.pattern).search(value) is not None

    def check(self, value: str) -> str:
        found = _compiled(f"[{self.forbidden}]").search(value)
        if found is not None:
            raise PydanticCustomError(
                "forbidden_character",
                "must not contain the control character U+{code} (at character {position})",
                {"code": f"{ord(found.group()):04X}", "position": found.start() + 1},
            )
        if self.pattern is not None and not _compiled(self.pattern).search(value):
            raise PydanticCustomError("string_form", self.problem)
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        text = core_schema.str_schema(min_length=self.min_length, max_length=self.max_length)
        return core_schema.no_info_after_validator_function(self.check, text)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return self.json_schema()


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    # Compiled on first use, not at import; a handful of patterns in all.
    found = _PATTERNS.get(pattern)
    if found is None:
        found = _PATTERNS[pattern] = re.compile(pattern)
    return found


def line(*, min_length: int | None = None, max_length: int | None = None) -> StringRule:
    """One line of text (a name, a subject): no control characters at all."""
    return StringRule(min_length=min_length, max_length=max_length)


def text(*, max_length: int) -> StringRule:
    """Free text (a comment, a reason): tabs and line breaks allowed, other controls not."""
    return StringRule(forbidden=CONTROL_BUT_LINE_BREAKS, max_length=max_length)


#: 1–128 characters, no control characters, no space at either end.
IDENTIFIER_PATTERN = f"^[^{WHITESPACE}]([^{CONTROL}]*[^{WHITESPACE}])?$"

Identifier = Annotated[
    str,
    StringRule(
        pattern=IDENTIFIER_PATTERN,
        problem="must not start or end with a space",
        min_length=1,
        max_length=128,
    ),
]

EventId = Annotated[
    str,
    StringRule(
        min_length=1,
        max_length=128,
        description="Unique per shop; 1–128 characters, no control characters",
    ),
]

_NOT_AT_OR_SPACE = f"[^@{WHITESPACE}{CONTROL}]+"

Email = Annotated[
    str,
    StringRule(
        pattern=f"^{_NOT_AT_OR_SPACE}@{_NOT_AT_OR_SPACE}\\.{_NOT_AT_OR_SPACE}$",
        problem='is not an email address such as "anna@example.pl"',
        max_length=254,
        format="idn-email",
        description="An email address; internationalised addresses are welcome",
    ),
]

Phone = Annotated[
    str,
    StringRule(
        pattern=r"^\+?[0-9][0-9 ()-]{4,24}$",
        problem='is not a phone number such as "+48 601 234 567"',
        description="E.164 preferred",
    ),
]

Locale = Annotated[
    str,
    StringRule(
        pattern="^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$",
        problem='is not a language tag such as "pl" or "en-GB"',
        description="BCP 47 language tag; `pl` (default) and `en` are supported",
    ),
]

CURRENCY_PATTERN = "^[A-Z]{3}$"

Currency = Annotated[
    str,
    StringRule(
        pattern=CURRENCY_PATTERN,
        problem='is not an ISO 4217 code such as "PLN" (three capital letters)',
        description="ISO 4217 code, e.g. PLN",
    ),
]

Url = Annotated[
    str,
    StringRule(
        pattern=f"^https?://[^{WHITESPACE}{CONTROL}]+$",
        problem='is not an http(s) URL such as "https://shop.example/o/1" (no spaces)',
        max_length=2048,
    ),
]
