"""Seeded random mutations of the published examples: one to three changes per body.

The same seed gives the same bodies on every machine, so a failure can be replayed by
its case name (`mutation <seed>-<n>`).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator, Sequence
from typing import Any

from tests.conformance.bodies import DELETE, EXAMPLES, Case, encode, example, put

_TRANSLATE_DIGITS = {
    "arabic-indic": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
    "fullwidth": str.maketrans("0123456789", "０１２３４５６７８９"),
}

#: Values a field may be replaced with: every JSON kind, and strings at the edges.
VALUES: tuple[Any, ...] = (
    None, True, False, 0, 1, -1, 2, 2.0, 1.5, -0.0, 1e400, float("nan"), float("inf"),
    10**20, 1795000000, "", " ", "x", "yes", "true", "1", "2", "2.0",
    "1234.50", "1234.505", "1234", "0.5", "-3.00", "٣.٥٠", "1e3",
    "PLN", "JPY", "KWD", "XYZ", "pln",
    "Europe/Warsaw", "Europe/Warsaw ", "Mars/Olympus", "UTC", "Etc/GMT-14", "localtime",
    "2026-11-23T10:15:00+01:00", "2026-11-23T10:15:00Z", "2026-11-23 10:15:00+01:00",
    "2026-11-23T10:15+01:00", "2026-11-23T10:15:00", "2026-12-31T23:59:60Z",
    "2026-11-26", "2026-02-29", "2028-02-29", "2026-11-23T10:15:00.123456789Z",
    "a\u0000b", "a\nb", "a\tb", "a\u007fb", "a\u0085b", "\u00a0x", "x\u3000", "😀",
    "a\ud800b", "\uffff", "anna@example.pl", "łukasz@żółw.example", "anna@example",
    "+48 601 234 567", "pl", "en", "EN", "https://shop.example/a", "https://shop.example/a b",
    "csat5", "nps10", "survey", "email", "agent", "refunded", "withdrawal", "high",
    "x" * 129, "x" * 501, "x" * 1001, "x" * 2001,
    [], {}, [1], {"a": 1}, [{"sku": "A", "quantity": 1}],
)  # fmt: skip


def _value(rng: random.Random) -> Any:
    return copy.deepcopy(rng.choice(VALUES))  # the pool's lists and dicts stay as they are


def _paths(node: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def _get(document: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def _tweak(value: Any, rng: random.Random) -> Any:
    """A near miss of `value`: the kind of mistake a shop's code makes."""
    if isinstance(value, str):
        return rng.choice(
            (
                value + "\n",
                " " + value,
                value + " ",
                value.upper(),
                value.lower(),
                value.replace("T", " ", 1),
                value.translate(_TRANSLATE_DIGITS[rng.choice(sorted(_TRANSLATE_DIGITS))]),
                value[: max(0, len(value) - rng.randint(1, 4))],
                value + value,
                value[:1] + "\u0000" + value[1:],
                value + "5",
            )
        )
    if isinstance(value, bool):
        return rng.choice((int(value), str(value).lower(), not value))
    if isinstance(value, int):
        return rng.choice((float(value), value + 0.5, -value, str(value), value * 1000))
    if isinstance(value, float):
        whole = int(value) if value.is_integer() else value
        return rng.choice((whole, value + 0.25, str(value)))
    return _value(rng)


def mutate(document: dict[str, Any], rng: random.Random) -> None:
    """One change in place: replace, tweak, delete or add a field."""
    paths = list(_paths(document))
    path = rng.choice(paths)
    action = rng.random()
    if action < 0.35:
        put(document, path, _value(rng))
    elif action < 0.75:
        put(document, path, _tweak(_get(document, path), rng))
    elif action < 0.85:
        if isinstance(path[-1], str):
            put(document, path, DELETE)
    else:
        holders = [p for p in paths if isinstance(_get(document, p), dict)]
        target = _get(document, rng.choice(holders)) if holders else document
        target[rng.choice(("extra", "x-shop", "note_internal"))] = _value(rng)


def _text_level(body: bytes, rng: random.Random) -> bytes:
    """Now and then, a mistake no dict can hold: encodings, a BOM, a name twice."""
    text = body.decode("utf-8")
    choice = rng.randrange(5)
    if choice == 0:
        return text.encode(rng.choice(("utf-16", "utf-16-le", "utf-32-be")))
    if choice == 1:
        return b"\xef\xbb\xbf" + body
    if choice == 2:
        return ('{"type": "order.placed", ' + text[1:]).encode("utf-8")
    if choice == 3:
        return (text[:-1] + ', "x": NaN}').encode("utf-8")
    return body


def mutations(seed: int, count: int, types: Sequence[str] | None = None) -> list[Case]:
    """`count` mutated bodies of the examples of `types` (all types when None)."""
    rng = random.Random(seed)
    kinds = list(types) if types is not None else None
    found: list[Case] = []
    for number in range(count):
        event_type = rng.choice(kinds) if kinds else rng.choice(_all_types())
        document = example(event_type)
        document["event_id"] = f"mut-{seed}-{number}"
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            mutate(document, rng)
        body = encode(document) if rng.random() < 0.8 else json.dumps(document).encode()
        if rng.random() < 0.05:
            body = _text_level(body, rng)
        found.append(Case(f"mutation {seed}-{number}", body, None))
    return found


def _all_types() -> list[str]:
    return sorted(path.stem for path in EXAMPLES.glob("*.json"))
