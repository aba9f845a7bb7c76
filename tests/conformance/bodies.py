"""Bodies for the conformance corpus: the published examples, changed one thing at a time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"

DELETE = object()


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes
    #: The answer the contract gives; None when only agreement is asserted (mutations).
    valid: bool | None

    @property
    def event_type(self) -> str | None:
        try:
            document = json.loads(self.body)
        except (ValueError, RecursionError):
            return None
        return document.get("type") if isinstance(document, dict) else None


@cache
def example_text(event_type: str) -> str:
    return (EXAMPLES / f"{event_type}.json").read_text(encoding="utf-8")


def example(event_type: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(example_text(event_type))
    return document


def encode(document: Any) -> bytes:
    try:
        return json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only an escape can carry it
        return json.dumps(document).encode("utf-8")


def put(document: Any, path: tuple[str | int, ...], value: Any) -> None:
    *head, last = path
    target = document
    for part in head:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value


def variant(
    name: str, event_type: str, changes: dict[tuple[str | int, ...], Any]
) -> dict[str, Any]:
    document = example(event_type)
    document["event_id"] = f"conf-{name}"
    for path, value in changes.items():
        put(document, path, value)
    return document


class CaseList:
    def __init__(self) -> None:
        self.cases: list[Case] = []

    def add(self, name: str, body: bytes, valid: bool) -> None:
        assert name not in {case.name for case in self.cases}, name
        self.cases.append(Case(name, body, valid))

    def field(
        self, name: str, valid: bool, event_type: str, path: tuple[str | int, ...], value: Any
    ) -> None:
        self.add(name, encode(variant(name, event_type, {path: value})), valid)

    def text(self, name: str, valid: bool, event_type: str, extra: str) -> None:
        """`extra` (JSON text, e.g. `"x": NaN`) added as the last member of the envelope."""
        text = json.dumps(variant(name, event_type, {}), ensure_ascii=False)
        self.add(name, (text[:-1] + ", " + extra + "}").encode("utf-8"), valid)


OCCURRED_AT = ("occurred_at",)
PROMISED = ("data", "promised_delivery_by")
TOTAL = ("data", "total")
PRICE = ("data", "items", 0, "unit_price")
QUANTITY = ("data", "items", 0, "quantity")
CUSTOMER = ("data", "customer")
ZONE = ("data", "customer", "timezone")
NAME = ("data", "customer", "name")
