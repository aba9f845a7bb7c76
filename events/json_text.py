"""Read a wire body as JSON text, the way the contract demands: an I-JSON message (RFC 7493).

- UTF-8 only, without a byte order mark. `json.loads(bytes)` would guess UTF-16 and
  UTF-32 too; the body is decoded strictly first.
- No `NaN`, `Infinity` or `-Infinity`: they are not JSON (RFC 8259), Python reads them.
- No name twice in one object: parsers disagree on which one wins.
- No lone surrogate (`"\\ud800"`) and no Unicode noncharacter in any string: they are
  not text, and no store keeps them.
- At most `MAX_DEPTH` levels of nesting, so the answer never depends on the stack.

What the JSON Schema cannot say is said here; everything else is the schema's.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Deeper nesting is refused; an envelope needs five levels.
MAX_DEPTH = 64

#: Lone surrogates and the 66 noncharacters (U+FDD0–U+FDEF, U+xFFFE and U+xFFFF).
_NOT_TEXT = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
    )
    + "]"
)


#: An escape that may stand for a surrogate or a noncharacter (or a harmless pair).
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F]|[fF][dD][dDeE]|[fF]{3}[eEfF])")
#: A noncharacter written raw, in UTF-8: U+FDD0–U+FDEF, U+FFFE/F, U+nFFFE/F.
_RAW_NONCHARACTER = re.compile(
    rb"\xef\xb7[\x90-\xaf]|\xef\xbf[\xbe\xbf]|[\xf0-\xf4][\x8f\x9f\xaf\xbf]\xbf[\xbe\xbf]"
)


def _needs_walk(body: bytes) -> bool:
    """Whether the document may break a rule the parser cannot see; almost never.

    Lone surrogates can only come from escapes (strict UTF-8 refuses them raw), and a
    document with at most `MAX_DEPTH` brackets cannot be deeper than that. The body is
    valid UTF-8 here, so a byte pattern can only match a whole character.
    """
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH:
        return True
    if _SUSPECT_ESCAPE.search(body) is not None:
        return True
    # Substring tests first: the pattern is slow, and these bytes are rare in text.
    rare = b"\xef\xb7" in body or b"\xef\xbf" in body or b"\xbf\xbe" in body
    return (rare or b"\xbf\xbf" in body) and _RAW_NONCHARACTER.search(body) is not None


class NotJson(ValueError):
    """The body is not JSON this contract accepts; `reason` says why, for a human."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _no_constants(name: str) -> Any:
    raise NotJson(f"not JSON: {name} is not a JSON value (RFC 8259); send null or a string")


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) == len(pairs):
        return document
    seen: set[str] = set()
    for name, _ in pairs:
        if name in seen:
            shown = json.dumps(name, ensure_ascii=False)[:60]
            raise NotJson(
                f"not JSON this system accepts: the name {shown} appears twice in one object"
            )
        seen.add(name)
    raise AssertionError("unreachable: a shorter dict has a repeated name")  # pragma: no cover


def _path(parts: tuple[str | int, ...]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(body)"


def _check_text(value: str, where: tuple[str | int, ...], what: str) -> None:
    found = _NOT_TEXT.search(value)
    if found is not None:
        kind = "lone surrogate" if "\ud800" <= found.group() <= "\udfff" else "noncharacter"
        raise NotJson(
            f"not JSON this system accepts: {what} at {_path(where)} holds the {kind} "
            f"U+{ord(found.group()):04X}, which is not Unicode text"
        )


def _check(value: Any, where: tuple[str | int, ...]) -> None:
    if isinstance(value, str):
        _check_text(value, where, "a string")
        return
    if len(where) >= MAX_DEPTH and isinstance(value, dict | list):
        raise NotJson(f"not JSON this system can read: nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for name, item in value.items():
            _check_text(name, where, f"the name {json.dumps(name[:40])}")
            _check(item, (*where, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, (*where, index))


def read_json(body: bytes) -> Any:
    """The document in `body`.

    Raises:
        NotJson: not UTF-8, a byte order mark, not JSON, or JSON outside I-JSON.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotJson(
            f"not JSON: body is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    if text.startswith("\ufeff"):
        raise NotJson("not JSON: the body starts with a byte order mark; send UTF-8 without one")
    try:
        document = json.loads(text, parse_constant=_no_constants, object_pairs_hook=_unique_names)
    except json.JSONDecodeError as exc:
        raise NotJson(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise NotJson(
            f"not JSON this system can read: nested deeper than {MAX_DEPTH} levels"
        ) from exc
    except NotJson:
        raise
    except ValueError as exc:  # an integer of more than 4300 digits
        raise NotJson(f"not JSON this system can read: {str(exc).split(':')[0]}") from exc
    if _needs_walk(body):
        _check(document, ())
    return document
