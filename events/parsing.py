"""Turn raw bytes from the wire into an event, or say in words what is wrong and where."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from events.envelope import EVENT_MODELS, SCHEMA_VERSION, EnvelopeBase
from events.json_text import NotJson, read_json

#: Bodies larger than this are refused whole (256 KiB).
MAX_BODY_BYTES = 256 * 1024


@dataclass(eq=False)  # not frozen: raising sets __traceback__, and so does contextlib
class ContractViolation(Exception):
    """Why a body is not a valid event; `reason` is meant for a human."""

    reason: str
    event_id: str | None = None
    type: str | None = None
    shop_id: str | None = None
    #: A short name of the kind of problem, for dead-letter headers and metrics:
    #: too_large, not_json, not_envelope, not_cloudevent, unknown_type,
    #: unsupported_version or invalid.
    code: str = "invalid"

    def __str__(self) -> str:
        return self.reason


class Context(TypedDict, total=False):
    """What is known of a refused event, for its log line."""

    event_id: str | None
    type: str | None
    shop_id: str | None


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(body)"


def _describe(error: ErrorDetails, names: Mapping[str, str]) -> str:
    loc = tuple(error["loc"])
    if loc and isinstance(loc[0], str):
        loc = (names.get(loc[0], loc[0]), *loc[1:])
    where = _path(loc)
    message = error["msg"]
    if error["type"] == "missing":
        return f"{where}: required field is missing"
    if (
        error["type"] not in ("missing",)
        and "input" in error
        and not isinstance(error["input"], dict | list)
    ):
        shown = json.dumps(error["input"], default=str, ensure_ascii=False)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{where}: {message} (got {shown})"
    return f"{where}: {message}"


def describe_validation_error(
    error: ValidationError, limit: int = 10, names: Mapping[str, str] | None = None
) -> str:
    """All field problems of one body, joined; at most `limit` listed.

    `names` renames top-level fields in the paths (a CloudEvent's `id` is the
    envelope's `event_id`).
    """
    details = error.errors(include_url=False)
    parts = [_describe(detail, names or {}) for detail in details[:limit]]
    if len(details) > limit:
        parts.append(f"and {len(details) - limit} more")
    return "; ".join(parts)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_body(body: bytes, what: str = "an envelope") -> dict[str, Any]:
    """The JSON object in a wire body; `what` names it in the errors.

    Raises:
        ContractViolation: too large, not JSON (see `events.json_text`), or not an object.
    """
    if len(body) > MAX_BODY_BYTES:
        raise ContractViolation(
            f"body is {len(body)} bytes, over the limit of {MAX_BODY_BYTES} bytes (256 KiB)",
            code="too_large",
        )
    try:
        document = read_json(body)
    except NotJson as exc:
        raise ContractViolation(exc.reason, code="not_json") from exc
    if not isinstance(document, dict):
        raise ContractViolation(
            f"not {what}: expected a JSON object, got {type(document).__name__}",
            code="not_envelope" if what == "an envelope" else "not_cloudevent",
        )
    return document


def parse_event(body: bytes) -> EnvelopeBase:
    """Validate one wire body (a native envelope) against the contract.

    The body must be UTF-8 JSON within I-JSON (see `events.json_text`), and the
    envelope and its data what the exported JSON Schema allows: the models and the
    schema are generated from the same types.

    Returns:
        The typed event (a subclass of :class:`EnvelopeBase` chosen by `type`).

    Raises:
        ContractViolation: the body is too large, not JSON, not an envelope,
            of an unknown type or version, or has a field of the wrong shape.
    """
    return validate_envelope(read_body(body))


def validate_envelope(
    document: dict[str, Any], names: Mapping[str, str] | None = None
) -> EnvelopeBase:
    """The typed event of an envelope already read as JSON; `names` as in
    :func:`describe_validation_error`."""
    event_type = _text(document.get("type"))
    context = Context(
        event_id=_text(document.get("event_id")),
        type=event_type,
        shop_id=_text(document.get("shop_id")),
    )
    if "type" not in document:
        raise ContractViolation(
            "not an envelope: required field `type` is missing", code="not_envelope", **context
        )
    if event_type not in EVENT_MODELS:
        shown = json.dumps(document.get("type"), ensure_ascii=False)[:80]
        raise ContractViolation(
            f"unknown event type {shown}; version {SCHEMA_VERSION} knows "
            + ", ".join(EVENT_MODELS),
            code="unknown_type",
            **context,
        )
    version = document.get("schema_version")
    # Another number is another version; any other value is a field of the wrong type.
    if _is_number(version) and version != SCHEMA_VERSION:
        raise ContractViolation(
            f"unsupported schema_version {json.dumps(version)}; this system reads "
            f"version {SCHEMA_VERSION}",
            code="unsupported_version",
            **context,
        )
    try:
        return EVENT_MODELS[event_type].model_validate(document)
    except ValidationError as exc:
        raise ContractViolation(
            f"invalid {event_type}: {describe_validation_error(exc, names=names)}", **context
        ) from exc
