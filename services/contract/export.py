"""Write the published form of the event contract into the repository's `schemas/` folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from events import EVENT_MODELS, parse_event
from services.contract.asyncapi import render_asyncapi
from services.contract.examples import example_envelopes
from services.contract.jsonschemas import envelope_schema, event_schema
from services.contract.readme import build_readme

#: Sub-folders whose files all belong to the export: strays there are deleted.
OWNED_FOLDERS = ("events", "examples")


def _json_text(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_schemas() -> dict[str, bytes]:
    """Every generated file: relative POSIX path -> exact content, sorted by path.

    Raises:
        ValueError: an example does not pass `events.parse_event` (a bug here).
    """
    files: dict[str, str] = {
        "README.md": build_readme(),
        "asyncapi.yaml": render_asyncapi(),
        "envelope.schema.json": _json_text(envelope_schema()),
    }
    for event_type in EVENT_MODELS:
        files[f"events/{event_type}.schema.json"] = _json_text(event_schema(event_type))
    for event_type, example in example_envelopes().items():
        text = _json_text(example)
        parsed = parse_event(text.encode())
        if parsed.type != event_type:  # pragma: no cover - parse_event picks by type
            raise ValueError(f"example of {event_type} parsed as {parsed.type}")
        files[f"examples/{event_type}.json"] = text
    return {path: files[path].encode("utf-8") for path in sorted(files)}


def export_schemas(target: Path) -> list[Path]:
    """Write every generated file under `target`; return their paths, sorted.

    Files whose content is already right are left untouched (same bytes, same mtime).
    Files in `target/events/` and `target/examples/` that the export does not produce
    (say, of a renamed type) are deleted; nothing else in `target` is.
    """
    rendered = render_schemas()
    written: list[Path] = []
    for relative, content in rendered.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != content:
            path.write_bytes(content)
        written.append(path)
    for folder in OWNED_FOLDERS:
        directory = target / folder
        if not directory.is_dir():
            continue
        for stray in sorted(directory.iterdir()):
            relative = stray.relative_to(target).as_posix()
            if stray.is_file() and relative not in rendered:
                stray.unlink()
    return written
