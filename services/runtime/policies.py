"""Loading policies (SPEC section 5): built-in defaults, a TOML file, per-shop overrides.

``load_policies(None)`` gives the defaults; ``load_policies(path)`` deep-merges
the file over them, so a file holding only ``[shipping] delay_grace = "1h"``
keeps every other default. ``[shop."shop-42".…]`` tables are deep-merged over
the global result for that shop. The shop ``aftersale-demo`` has built-in
overrides (:data:`DEMO_SHOP_POLICIES`) that a file's own table for it goes
over. Everything is validated at load time; any problem raises
:class:`PolicyError` naming the file, the line and the key.
"""

from __future__ import annotations

import contextlib
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from services.domain.policy_defaults import DEMO_SHOP_ID, DEMO_SHOP_POLICIES, defaults_toml
from services.domain.policy_models import Policies, SlaTarget

__all__ = [
    "DEMO_SHOP_ID",
    "DEMO_SHOP_POLICIES",
    "Policies",
    "PolicyBook",
    "PolicyError",
    "SlaTarget",
    "defaults_toml",
    "load_policies",
    "parse_policies",
]


class PolicyError(ValueError):
    """A policies file that cannot be used; the message says where and why."""

    def __init__(
        self, message: str, *, source: str, line: int | None = None, key: str | None = None
    ) -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.key = key


class PolicyBook:
    """The global policies and each shop's (validated at load time)."""

    def __init__(
        self,
        global_policies: Policies | None = None,
        shops: Mapping[str, Policies] | None = None,
        builtin: Mapping[str, Policies] | None = None,
    ) -> None:
        self.global_policies = global_policies if global_policies is not None else Policies()
        self._shops: dict[str, Policies] = dict(shops or {})
        self._builtin: dict[str, Policies] = dict(builtin or {})

    @property
    def shop_ids(self) -> tuple[str, ...]:
        """Shops that have overrides of their own (in the file; built-in ones aside)."""
        return tuple(self._shops)

    def for_shop(self, shop_id: str) -> Policies:
        """The shop's policies; the global ones when it has no overrides."""
        if shop_id in self._shops:
            return self._shops[shop_id]
        return self._builtin.get(shop_id, self.global_policies)


def load_policies(path: Path | None) -> PolicyBook:
    """The built-in defaults (``None``), or those with the TOML file at ``path`` merged over."""
    if path is None:
        return parse_policies("", source="built-in policies")
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        raise PolicyError(
            f"{path}: cannot read the policies file: {exc.strerror or exc}", source=str(path)
        ) from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: not UTF-8 text: {exc.reason}", source=str(path)) from exc
    return parse_policies(text, source=str(path))


def parse_policies(text: str, source: str = "policies.toml") -> PolicyBook:
    """Like :func:`load_policies`, for TOML already in hand; ``source`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if where is None:
            raise PolicyError(f"{source}: invalid TOML: {message}", source=source) from exc
        line, column = int(where.group(1)), int(where.group(2))
        raise PolicyError(
            f"{source} line {line}, column {column}: invalid TOML: {message[: where.start()]}",
            source=source,
            line=line,
        ) from exc
    keys = _locate_keys(text)
    shops = data.pop("shop", {})
    if not isinstance(shops, dict):
        raise _error(source, keys, ("shop",), 'must be a table, e.g. [shop."shop-42".sla.email]')
    merged = _merge(Policies().model_dump(), data)
    global_policies = _validate(merged, source, keys, ())
    book: dict[str, Policies] = {}
    builtin = {DEMO_SHOP_ID: tomllib.loads(DEMO_SHOP_POLICIES)}
    for shop_id, override in shops.items():
        if not isinstance(override, dict):
            raise _error(source, keys, ("shop", shop_id), "must be a table of policies")
        base = _merge(merged, builtin.get(shop_id, {}))
        book[shop_id] = _validate(_merge(base, override), source, keys, ("shop", shop_id))
    built: dict[str, Policies] = {}
    for shop_id, override in builtin.items():
        # A file's global keys may clash with them: the shop then keeps the file's.
        with contextlib.suppress(PolicyError):
            built[shop_id] = _validate(_merge(merged, override), source, keys, ("shop", shop_id))
    return PolicyBook(global_policies, book, built)


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        current = out.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            out[key] = _merge(current, value)
        else:
            out[key] = value
    return out


def _validate(
    data: dict[str, Any], source: str, keys: dict[tuple[str, ...], int], prefix: tuple[str, ...]
) -> Policies:
    try:
        return Policies.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(source, keys, prefix, err) for err in exc.errors()]
        problems.sort(key=lambda problem: problem[0] if problem[0] is not None else 1 << 30)
        first_line, first_key, _ = problems[0]
        message = "\n".join(text for _, _, text in problems)
        raise PolicyError(message, source=source, line=first_line, key=first_key) from None


def _problem(
    source: str, keys: dict[tuple[str, ...], int], prefix: tuple[str, ...], err: ErrorDetails
) -> tuple[int | None, str, str]:
    loc = prefix + tuple(str(part) if isinstance(part, str) else part for part in err["loc"])
    error = _error(source, keys, loc, _describe(err))
    return error.line, error.key or "", str(error)


def _describe(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind in ("model_type", "model_attributes_type", "dict_type", "dataclass_type"):
        return f"must be a table, not {_show(err['input'])}"
    if kind == "value_error" and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])
    return f"{err['msg']} (got {_show(err['input'])})"


def _show(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _error(
    source: str, keys: dict[tuple[str, ...], int], loc: tuple[str | int, ...], what: str
) -> PolicyError:
    path = tuple(part for part in loc if isinstance(part, str))
    line = _line_for(keys, path)
    key = _dotted(loc)
    where = f"{source} line {line}" if line is not None else source
    return PolicyError(f"{where}: {key}: {what}", source=source, line=line, key=key)


_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for index, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        shop_id = index == 1 and loc[0] == "shop"
        text = part if _BARE.fullmatch(part) and not shop_id else json.dumps(part)
        out += f".{text}" if out else text
    return out


# Finding keys in the text: tomllib gives values, not positions.
_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
_DOTTED = rf"{_KEY}(?:[ \t]*\.[ \t]*{_KEY})*"
_HEADER = re.compile(rf"[ \t]*\[\[?[ \t]*({_DOTTED})[ \t]*\]")
_ASSIGN = re.compile(rf"[ \t]*({_DOTTED})[ \t]*=")
_PART = re.compile(_KEY)
_STRING = re.compile(r""""(?:[^"\\\n]|\\.)*"|'[^'\n]*'""")


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = []
    for match in _PART.finditer(dotted):
        part = match.group()
        if part.startswith('"'):
            part = str(tomllib.loads(f"k = {part}")["k"])
        elif part.startswith("'"):
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


def _locate_keys(text: str) -> dict[tuple[str, ...], int]:
    """Each table header and key written in ``text`` (full dotted path) → its first line."""
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    depth = 0  # open brackets of a value spanning lines
    multiline: str | None = None  # the delimiter of an open multi-line string
    for number, line in enumerate(text.splitlines(), start=1):
        if multiline is not None:
            if line.count(multiline) % 2:
                multiline = None
            continue
        rest = line
        if depth == 0:
            header = _HEADER.match(line)
            if header is not None:
                table = _split_key(header.group(1))
                found.setdefault(table, number)
                continue
            assign = _ASSIGN.match(line)
            if assign is not None:
                found.setdefault(table + _split_key(assign.group(1)), number)
                rest = line[assign.end() :]
        multiline = next((d for d in ('"""', "'''") if rest.count(d) % 2), None)
        if multiline is None:
            bare = _STRING.sub("", rest).split("#", 1)[0]
            depth = max(
                0, depth + bare.count("[") + bare.count("{") - bare.count("]") - bare.count("}")
            )
    return found


def _line_for(found: dict[tuple[str, ...], int], path: tuple[str, ...]) -> int | None:
    """The line of ``path``, else of the first key written under it, else of its nearest table."""
    if not path:
        return None
    if path in found:
        return found[path]
    below = [line for key, line in found.items() if key[: len(path)] == path]
    if below:
        return min(below)
    for size in range(len(path) - 1, 0, -1):
        if path[:size] in found:
            return found[path[:size]]
    return None


#: The shop `aftersale demo` publishes for: every clock in seconds, so that each
#: kind of message shows within about a minute. A policies file can override it.
