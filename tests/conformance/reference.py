"""The published contract as an integrator reads it, written apart from `events/` on purpose.

The JSON rules of `schemas/README.md` ("How a body is checked", rules 1 and 2), then the
committed `schemas/*.json` through the `jsonschema` package: the envelope schema, and
the schema of the body's type.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
MAX_BODY_BYTES = 262_144
MAX_LEVELS = 64


class Refused(Exception):
    """The reference refuses the body; the message says which rule."""


@cache
def _validator(path: Path, formats: bool) -> Draft202012Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    checker = Draft202012Validator.FORMAT_CHECKER if formats else None
    return Draft202012Validator(schema, format_checker=checker)


def _constant(name: str) -> Any:
    raise Refused(f"{name} is not JSON")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise Refused("a name twice in one object")
    return dict(pairs)


def _is_text(value: str) -> bool:
    for char in value:
        point = ord(char)
        if 0xD800 <= point <= 0xDFFF or 0xFDD0 <= point <= 0xFDEF or point & 0xFFFE == 0xFFFE:
            return False
    return True


def _levels_and_text(document: Any) -> int:
    """Nesting levels of containers (a flat object is 1); refuses strings that are not text."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, str):
            if not _is_text(value):
                raise Refused("a string that is not Unicode text")
        elif isinstance(value, dict):
            deepest = max(deepest, level + 1)
            for name, item in value.items():
                if not _is_text(name):
                    raise Refused("a name that is not Unicode text")
                stack.append((item, level + 1))
        elif isinstance(value, list):
            deepest = max(deepest, level + 1)
            stack.extend((item, level + 1) for item in value)
    return deepest


def read_document(body: bytes) -> Any:
    """Rules 1 and 2: the size and I-JSON (RFC 7493)."""
    if len(body) > MAX_BODY_BYTES:
        raise Refused("over 256 KiB")
    try:
        text = body.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise Refused("not UTF-8") from exc
    if text[:1] == "\ufeff":
        raise Refused("a byte order mark")
    try:
        document = json.loads(text, parse_constant=_constant, object_pairs_hook=_pairs)
    except RecursionError as exc:
        raise Refused("too deep") from exc
    except ValueError as exc:  # JSONDecodeError, and integers of over 4300 digits
        raise Refused(f"not JSON: {exc}") from exc
    if _levels_and_text(document) > MAX_LEVELS:
        raise Refused("too deep")
    return document


def schema_problem(body: bytes, *, formats: bool = True) -> str | None:
    """Why the published contract refuses `body`, or None when it accepts it."""
    try:
        document = read_document(body)
    except Refused as exc:
        return str(exc)
    envelope = _validator(SCHEMAS / "envelope.schema.json", formats)
    error = next(iter(envelope.iter_errors(document)), None)
    if error is not None:
        return f"envelope: {error.json_path}: {error.message[:200]}"
    by_type = _validator(SCHEMAS / "events" / f"{document['type']}.schema.json", formats)
    error = next(iter(by_type.iter_errors(document)), None)
    if error is not None:
        return f"{document['type']}: {error.json_path}: {error.message[:200]}"
    return None
