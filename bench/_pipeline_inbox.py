"""What the SMTP sink accepted, matched against what the events must cause.

The sink appends one JSON line per accepted message; :class:`Inbox` reads the new
complete lines. :class:`Tally` names each email by (X-Aftersale-Kind, the identifier
it is about, see bench/_pipeline_events.py) and checks exactly once: every expected
email arrived once, to the right recipient; no X-Aftersale-Key, Message-ID or
(kind, identifier) twice; nothing unexpected.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _pipeline_events import Expected, Planned, identifier_of

Record = dict[str, Any]
#: Examples shown per kind of problem.
SHOW = 8


class Inbox:
    """Tails the sink's JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""

    def read_new(self) -> list[Record]:
        with self.path.open("rb") as file:
            file.seek(self._offset)
            chunk = file.read()
        self._offset += len(chunk)
        data = self._partial + chunk
        lines = data.split(b"\n")
        self._partial = lines.pop()  # an incomplete last line waits for the rest
        return [json.loads(line) for line in lines if line.strip()]


@dataclass
class Tally:
    expected: dict[tuple[str, str], tuple[Expected, str]]  # → (email, event id)
    arrived: dict[tuple[str, str], float] = field(default_factory=dict)
    keys: Counter[str] = field(default_factory=Counter)
    message_ids: Counter[str] = field(default_factory=Counter)
    duplicates: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    wrong_recipient: list[str] = field(default_factory=list)
    accepted: int = 0
    last_progress: float = 0.0  # unix time of the latest expected email

    @classmethod
    def of(cls, stream: Sequence[Planned]) -> Tally:
        expected: dict[tuple[str, str], tuple[Expected, str]] = {}
        for planned in stream:
            for email in planned.emails:
                expected[(email.kind, email.subject)] = (email, planned.event_id)
        return cls(expected)

    def add(self, records: Iterable[Record]) -> None:
        for record in records:
            self.accepted += 1
            self._one(record)

    def _one(self, record: Record) -> None:
        kind = str(record.get("kind") or "")
        key, message_id = record.get("key"), record.get("message_id")
        if key:
            self.keys[key] += 1
        if message_id:
            self.message_ids[message_id] += 1
        subject = identifier_of(kind, record.get("ids") or [])
        name = (kind, subject or "")
        if subject is None or name not in self.expected:
            ids = ",".join(record.get("ids") or []) or "no identifier of this run"
            self.unexpected.append(f"{kind or 'no X-Aftersale-Kind'} ({ids}) to {record.get('to')}")
            return
        if name in self.arrived:
            self.duplicates.append(f"{kind} for {subject} (key {key})")
            return
        self.arrived[name] = float(record["at"])
        self.last_progress = max(self.last_progress, float(record["at"]))
        email, _ = self.expected[name]
        if record.get("to") != [email.recipient]:
            self.wrong_recipient.append(f"{kind} for {subject}: to {record.get('to')}")

    @property
    def complete(self) -> bool:
        return len(self.arrived) == len(self.expected)

    def missing(self) -> list[tuple[str, str]]:
        return [name for name in self.expected if name not in self.arrived]

    def problems(self) -> list[str]:
        """Every violation of exactly once, in words; empty when all is well."""
        found: list[str] = []
        missing = self.missing()
        if missing:
            by_kind = Counter(kind for kind, _ in missing)
            found.append(
                f"{len(missing)} of {len(self.expected)} expected emails never arrived "
                f"({_counts(by_kind)}), e.g. {_examples(f'{k} for {s}' for k, s in missing)}"
            )
        twice = [k for k, n in self.keys.items() if n > 1]
        if twice:
            found.append(
                f"{len(twice)} X-Aftersale-Key values accepted more than once, "
                f"e.g. {_examples(twice)}"
            )
        resent = [m for m, n in self.message_ids.items() if n > 1]
        if resent:
            found.append(f"{len(resent)} Message-IDs accepted more than once")
        if self.duplicates:
            found.append(
                f"{len(self.duplicates)} emails arrived twice for the same fact, "
                f"e.g. {_examples(self.duplicates)}"
            )
        if self.wrong_recipient:
            found.append(
                f"{len(self.wrong_recipient)} emails went to the wrong recipient, "
                f"e.g. {_examples(self.wrong_recipient)}"
            )
        if self.unexpected:
            found.append(
                f"{len(self.unexpected)} unexpected emails, e.g. {_examples(self.unexpected)}"
            )
        return found

    def latencies(self, published: dict[str, float]) -> list[tuple[float, float, str]]:
        """(publish time, publish→accepted seconds, kind) of every arrived email."""
        result = []
        for name, at in self.arrived.items():
            email, event_id = self.expected[name]
            sent = published[event_id]
            result.append((sent, at - sent, email.kind))
        return sorted(result)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in counter.most_common())


def _examples(items: Iterable[str]) -> str:
    shown: list[str] = []
    for item in items:
        if len(shown) == SHOW:
            shown.append("…")
            break
        shown.append(item)
    return "; ".join(shown)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def median(values: Sequence[float]) -> float:
    finite = sorted(v for v in values if not math.isnan(v))
    if not finite:
        return math.nan
    middle = len(finite) // 2
    return finite[middle] if len(finite) % 2 else (finite[middle - 1] + finite[middle]) / 2
