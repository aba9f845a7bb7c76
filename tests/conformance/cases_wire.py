"""Edge cases of the JSON text, the envelope and the times, each with its answer."""

from __future__ import annotations

import json
from typing import Any

from tests.conformance.bodies import (
    DELETE,
    OCCURRED_AT,
    PROMISED,
    CaseList,
    example_text,
    variant,
)


def encodings(cases: CaseList) -> None:
    text = json.dumps(variant("encodings", "order.placed", {}), ensure_ascii=False)
    for codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "cp1250"):
        cases.add(f"encoding {codec}", text.replace("encodings", codec).encode(codec), False)
    cases.add(
        "utf-8 with a BOM", b"\xef\xbb\xbf" + text.replace("encodings", "bom").encode(), False
    )
    cases.add("utf-8", text.replace("encodings", "utf-8").encode(), True)
    cases.add("ascii escapes", json.dumps(variant("ascii", "order.placed", {})).encode(), True)


def json_rules(cases: CaseList) -> None:
    for constant in ("NaN", "Infinity", "-Infinity"):
        cases.text(f"{constant} in an extra field", False, "order.placed", f'"x": {constant}')
        cases.text(f"{constant} in an extra list", False, "ticket.opened", f'"x": [1, {constant}]')
    cases.text("duplicate type", False, "order.placed", '"type": "order.placed"')
    cases.text("duplicate extra name", False, "order.placed", '"x": {"a": 1, "a": 1}')
    cases.text("lone surrogate in an extra field", False, "order.placed", '"x": "\\ud800"')
    cases.text("lone low surrogate", False, "order.placed", '"x": "a\\udfffb"')
    cases.text("surrogate pair", True, "order.placed", '"x": "\\ud83d\\ude00"')
    cases.text("noncharacter U+FFFF", False, "order.placed", '"x": "\\uffff"')
    cases.text("noncharacter U+FDD0 in a name", False, "order.placed", '"\\ufdd0": 1')
    cases.text("noncharacter U+10FFFF", False, "order.placed", '"x": "\\udbff\\udfff"')
    cases.text("raw noncharacter U+FFFF", False, "order.placed", '"x": "a\uffffb"')
    cases.text("raw noncharacter U+10FFFF", False, "order.placed", '"x": "\U0010ffff"')
    cases.text("raw noncharacter U+FDD0 in a name", False, "ticket.opened", '"\ufdd0": 1')
    cases.text("raw replacement character", True, "order.placed", '"x": "\ufffd \U0001fffd"')
    cases.text("raw emoji", True, "order.placed", '"x": "😀 \U0010fffd"')
    cases.text("many brackets, shallow", True, "order.placed", '"x": [' + "[]," * 80 + "[]]")
    cases.text("brackets inside a string", True, "order.placed", '"x": "' + "[{" * 80 + '"')
    cases.text("an escaped backslash before ud800", True, "order.placed", '"x": "\\\\ud800"')
    cases.text("NUL in an extra field", True, "order.placed", '"x": "a\\u0000b"')
    cases.text("a huge number in an extra field", True, "order.placed", '"x": 1e400')
    cases.text("4000 digits in an extra field", True, "order.placed", '"x": ' + "7" * 4000)
    cases.text("5000 digits in an extra field", False, "order.placed", '"x": ' + "7" * 5000)
    cases.text("nested 64 levels", True, "order.placed", '"x": ' + "[" * 63 + "]" * 63)
    cases.text("nested 65 levels", False, "order.placed", '"x": ' + "[" * 64 + "]" * 64)
    cases.text("nested 3000 levels", False, "order.placed", '"x": ' + "[" * 3000 + "]" * 3000)
    cases.text(
        "extra fields of every kind", True, "order.placed",
        '"x": {"a": [1, 2.5, -0, true, null, "z", {}], "b": {"c": []}}',
    )  # fmt: skip
    for name, body in (
        ("an array", b"[]"),
        ("a string", b'"order.placed"'),
        ("a number", b"1"),
        ("null", b"null"),
        ("empty", b""),
        ("whitespace", b" \n"),
        ("trailing comma", example_text("order.placed").encode()[:-2] + b",}"),
        ("two documents", example_text("order.placed").encode() * 2),
    ):
        cases.add(f"body: {name}", body, False)
    cases.add("exactly 256 KiB", _sized("exactly 256 KiB", 262_144), True)
    cases.add("one byte over 256 KiB", _sized("one byte over 256 KiB", 262_145), False)


def _sized(name: str, size: int) -> bytes:
    """A valid order of exactly `size` bytes, padded with an extra field."""
    text = json.dumps(variant(name, "order.placed", {}), ensure_ascii=False)
    head, tail = text[:-1] + ', "pad": "', '"}'
    fill = size - len((head + tail).encode("utf-8"))
    return (head + "x" * fill + tail).encode("utf-8")


def envelope(cases: CaseList) -> None:
    for name, value, valid in (
        ("true", True, False),
        ("1.0", 1.0, True),
        ("string 1", "1", False),
        ("2", 2, False),
        ("1.5", 1.5, False),
        ("null", None, False),
        ("missing", DELETE, False),
    ):
        cases.field(f"schema_version {name}", valid, "order.placed", ("schema_version",), value)
    for name, value, valid in (
        ("unknown", "order.teleported", False),
        ("a number", 5, False),
        ("missing", DELETE, False),
    ):
        cases.field(f"type {name}", valid, "customer.updated", ("type",), value)
    for name, value, valid in (
        ("with NUL", "evt-\u0000-1", False),
        ("with DEL", "evt-\u007f-1", False),
        ("with a newline at the end", "evt-nl\n", False),
        ("empty", "", False),
        ("128 characters", "e" * 127 + "1", True),
        ("129 characters", "e" * 129, False),
        ("a number", 42, False),
        ("with spaces inside", "evt with spaces", True),
        ("in Polish", "zdarzenie-żółć-1", True),
    ):
        cases.field(f"event_id {name}", valid, "order.placed", ("event_id",), value)
    cases.field("data not an object", False, "order.placed", ("data",), [])
    cases.field("data missing", False, "order.placed", ("data",), DELETE)


_VALID_TIMES = (
    "2026-11-23T10:15:00Z",
    "2026-11-23T10:15:00.5+01:00",
    "2026-11-23T10:15:00.123456789-05:30",
    "2026-11-23T10:15:00-00:00",
    "2026-11-23T10:15:00+23:59",
    "2024-02-29T12:00:00Z",
    "2000-02-29T12:00:00Z",
    "1900-01-01T00:00:00+23:59",
    "2999-12-31T23:59:59-23:59",
    "2026-12-31T23:59:59Z",
)
_INVALID_TIMES: tuple[Any, ...] = (
    1795000000,
    -1,
    1.5,
    True,
    None,
    "2026-11-23 10:15:00+01:00",
    "2026-11-23T10:15+01:00",
    "2026-11-23T10:15:00",
    "2026-11-23t10:15:00Z",
    "2026-11-23T10:15:00z",
    "2026-11-23T10:15:00+0100",
    "2026-11-23T10:15:00+01",
    "2026-12-31T23:59:60Z",
    "2026-02-30T10:00:00Z",
    "2026-04-31T10:00:00Z",
    "2025-02-29T10:00:00Z",
    "1900-02-29T10:00:00Z",
    "2100-02-29T10:00:00Z",
    "2026-13-01T10:00:00Z",
    "2026-00-10T10:00:00Z",
    "2026-11-00T10:00:00Z",
    "2026-11-23T24:00:00Z",
    "2026-11-23T10:60:00Z",
    "2026-11-23T10:15:00+24:00",
    "2026-11-23T10:15:00.Z",
    "2026-11-23T10:15:00.1234567890Z",
    "1899-12-31T23:59:59Z",
    "3000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "٢٠٢٦-١١-٢٣T10:15:00Z",
    "２０２６-11-23T10:15:00Z",
    "2026-11-23T10:15:00Z\n",
    " 2026-11-23T10:15:00Z",
    "2026-11-23",
    "",
)


def times(cases: CaseList) -> None:
    for index, time in enumerate(_VALID_TIMES):
        cases.field(f"occurred_at valid {index} {time}", True, "order.placed", OCCURRED_AT, time)
    for index, wrong in enumerate(_INVALID_TIMES):
        cases.field(f"occurred_at {index} {wrong!r}", False, "ticket.opened", OCCURRED_AT, wrong)
    for name, value, valid in (
        ("a day", "2026-11-26", True),
        ("a leap day", "2028-02-29", True),
        ("a time with a zone", "2026-11-26T18:00:00+01:00", True),
        ("null", None, True),
        ("missing", DELETE, True),
        ("a time without a zone", "2026-11-26T18:00:00", False),
        ("a number", 1795000000, False),
        ("a day with a space", "2026-11-26 ", False),
        ("a Polish date", "26.11.2026", False),
        ("the 31st of November", "2026-11-31", False),
        ("a day of a non-leap year", "2027-02-29", False),
        ("a day in Arabic-Indic digits", "٢٠٢٦-١١-٢٦", False),
        ("a week date", "2026-W48-4", False),
        ("a compact date", "20261126", False),
    ):
        cases.field(f"promised_delivery_by {name}", valid, "order.placed", PROMISED, value)
    for event_type, path in (
        ("order.delivered", ("data", "delivered_at")),
        ("ticket.replied", ("data", "replied_at")),
        ("callback.promised", ("data", "due_at")),
        ("return.received", ("data", "received_at")),
    ):
        cases.field(f"{event_type} leap second", False, event_type, path, "2026-12-31T23:59:60Z")
        cases.field(f"{event_type} as a number", False, event_type, path, 1795000000)
        cases.field(f"{event_type} in UTC", True, event_type, path, "2026-12-31T23:59:59Z")
    for name, value, valid in (
        ("a day", "2026-11-27", True),
        ("without a zone", "2026-11-27T10:00:00", False),
    ):
        cases.field(
            f"estimated_delivery {name}", valid, "order.shipped", ("data", "estimated_delivery"),
            value,
        )  # fmt: skip
