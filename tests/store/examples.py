"""Example envelopes from `schemas/examples`, parsed, with fields changed at will."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

import events
from services.ingest.projection import apply_event

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"

#: The ingest's clock in these tests; fixed, so nothing depends on the real time.
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def envelope(
    name: str, *, data: dict[str, Any] | None = None, only: bool = False, **fields: Any
) -> dict[str, Any]:
    """The example `name` as a dict.

    `fields` replace envelope fields; `data` replaces data fields, or with
    `only` the whole of `data`.
    """
    document: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))
    document = copy.deepcopy(document)
    document.update(fields)
    if only:
        document["data"] = dict(data or {})
    elif data is not None:
        document["data"].update(data)
    return document


def event(
    name: str, *, data: dict[str, Any] | None = None, only: bool = False, **fields: Any
) -> events.EnvelopeBase:
    """The example `name`, changed as asked, through the real parser."""
    document = envelope(name, data=data, only=only, **fields)
    return events.parse_event(json.dumps(document, ensure_ascii=False).encode("utf-8"))


def apply_all(
    sessions: sessionmaker[Session], *parsed: events.EnvelopeBase
) -> list[tuple[str | None, str | None]]:
    """Apply each event in a transaction of its own, as the ingest does."""
    belongs_to = []
    for item in parsed:
        with sessions.begin() as session:
            belongs_to.append(apply_event(session, item, NOW))
    return belongs_to
