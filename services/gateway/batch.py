"""A POSTed body as events: one envelope or a JSON array of them, each validated.

Each native event keeps its own original bytes (a slice of the body), so what
reaches the event log is exactly what the shop sent. CloudEvents (see
`events.cloudevents`) come one per request, structured or binary, or as a
``application/cloudevents-batch+json`` array; each is published as the native
envelope it maps to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from events import EVENT_MODELS, SCHEMA_VERSION, ContractViolation, parse_event
from events.cloudevents import (
    ATTRIBUTE_NAMES,
    SHOP_ATTRIBUTE,
    STRUCTURED_CONTENT_TYPE,
    binary_attributes,
    is_cloudevent,
    media_type,
    read_message,
)
from services.publishing.publisher import Envelope


class NotABatch(ValueError):
    """400 for the whole body: not UTF-8 JSON, or neither an object nor an array."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class EventError:
    """One problem of one event; `path` like ``data.items[0].quantity`` ("" = the event)."""

    index: int
    path: str
    message: str
    wrong_shop: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "path": self.path, "message": self.message}


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\n\r":
        position += 1
    return position


def _elements(text: str) -> list[str]:
    """The source text of each element of a JSON array already known to be valid."""
    decoder = json.JSONDecoder()
    position = _skip(text, _skip(text, 0) + 1)  # past "["
    found: list[str] = []
    while text[position] != "]":
        _, end = decoder.raw_decode(text, position)
        found.append(text[position:end])
        position = _skip(text, end)
        if text[position] == ",":
            position = _skip(text, position + 1)
    return found


def split_body(body: bytes) -> tuple[list[bytes], list[Any]]:
    """The raw bytes and the parsed document of each event in the body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotABatch("not_json", f"not JSON: the body is not UTF-8 text ({exc.reason})") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotABatch(
            "not_json", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    if isinstance(document, dict):
        return [body], [document]
    if isinstance(document, list):
        if not document:
            raise NotABatch("empty", "an empty array: send at least one event")
        return [element.encode() for element in _elements(text)], document
    raise NotABatch(
        "not_events",
        f"expected an event (a JSON object) or an array of events, "
        f"got a JSON {type(document).__name__}",
    )


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return "required field is missing"
    value = error.get("input")
    if value is None or isinstance(value, dict | list):
        return error["msg"]
    shown = json.dumps(value, default=str, ensure_ascii=False)
    return f"{error['msg']} (got {shown[:57] + '...' if len(shown) > 60 else shown})"


def _violation_path(document: Any) -> str:
    if not isinstance(document, dict):
        return ""
    if document.get("type") not in EVENT_MODELS:
        return "type"
    if "schema_version" in document and document["schema_version"] != SCHEMA_VERSION:
        return "schema_version"
    return ""


def check_event(index: int, raw: bytes, document: Any, shop_id: str) -> Envelope | list[EventError]:
    """The envelope to publish, or every problem found in it."""
    if isinstance(document, dict) and document.get("shop_id") != shop_id:
        shown = json.dumps(document.get("shop_id"), ensure_ascii=False)[:80]
        return [
            EventError(
                index,
                "shop_id",
                f"shop_id {shown} is not the signing shop {shop_id!r}; "
                "a shop may only send its own events",
                wrong_shop=True,
            )
        ]
    try:
        event = parse_event(raw)
    except ContractViolation as exc:
        cause = exc.__cause__
        if isinstance(cause, ValidationError):
            return [
                EventError(index, _path(tuple(detail["loc"])), _message(detail))
                for detail in cause.errors(include_url=False)
            ]
        return [EventError(index, _violation_path(document), exc.reason)]
    return Envelope(body=raw, event_id=event.event_id, type=event.type)


#: A JSON array of structured CloudEvents (the JSON format's batch mode).
BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"


def _wrong_shop(index: int, shop: Any, shop_id: str, name: str) -> EventError:
    shown = json.dumps(shop, ensure_ascii=False, default=str)[:80]
    return EventError(
        index,
        name,
        f"{name} {shown} is not the signing shop {shop_id!r}; a shop may only send its own events",
        wrong_shop=True,
    )


def check_cloudevent(
    index: int,
    body: bytes,
    shop: Any,
    shop_id: str,
    content_type: str | None,
    headers: Mapping[str, str],
) -> Envelope | list[EventError]:
    """One CloudEvent (structured `body`, or binary `body` + `headers`) as the envelope
    to publish, or its problems named by attribute (`id`, `time`, `shopid`, `data.…`)."""
    if isinstance(shop, str) and shop != shop_id:  # a missing one is a 400 below
        return [_wrong_shop(index, shop, shop_id, SHOP_ATTRIBUTE)]
    try:
        wire = read_message(body, content_type, headers, http=True)
    except ContractViolation as exc:
        cause = exc.__cause__
        if isinstance(cause, ValidationError):
            return [
                EventError(index, _path(_renamed(tuple(detail["loc"]))), _message(detail))
                for detail in cause.errors(include_url=False)
            ]
        return [EventError(index, "type" if exc.code == "unknown_type" else "", exc.reason)]
    return Envelope(body=wire.envelope, event_id=wire.event.event_id, type=wire.event.type)


def _renamed(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    if loc and isinstance(loc[0], str):
        return (ATTRIBUTE_NAMES.get(loc[0], loc[0]), *loc[1:])
    return loc


def check_request(
    body: bytes, shop_id: str, content_type: str | None, headers: Mapping[str, str]
) -> tuple[list[Envelope], list[EventError]]:
    """Every event of a request checked, whatever its form; publish only when the error
    list is empty."""
    media = media_type(content_type)
    if media == BATCH_CONTENT_TYPE:
        raws, documents = split_body(body)
        if not body.lstrip().startswith(b"["):
            raise NotABatch("not_events", f"{BATCH_CONTENT_TYPE} is a JSON array of CloudEvents")
        return _collect(
            check_cloudevent(
                index,
                raw,
                document.get(SHOP_ATTRIBUTE) if isinstance(document, dict) else None,
                shop_id,
                STRUCTURED_CONTENT_TYPE,
                {},
            )
            for index, (raw, document) in enumerate(zip(raws, documents, strict=True))
        )
    if is_cloudevent(content_type, headers, http=True):
        if media == STRUCTURED_CONTENT_TYPE:
            raws, documents = split_body(body)
            if len(raws) != 1 or not isinstance(documents[0], dict):
                raise NotABatch(
                    "not_events",
                    f"{STRUCTURED_CONTENT_TYPE} is one CloudEvent (a JSON object); send several "
                    f"as {BATCH_CONTENT_TYPE}",
                )
            shop = documents[0].get(SHOP_ATTRIBUTE)
        else:
            shop = binary_attributes(headers, http=True).get(SHOP_ATTRIBUTE)
        return _collect([check_cloudevent(0, body, shop, shop_id, content_type, headers)])
    return check_batch(body, shop_id)


def _collect(
    checked: Iterable[Envelope | list[EventError]],
) -> tuple[list[Envelope], list[EventError]]:
    envelopes: list[Envelope] = []
    errors: list[EventError] = []
    for one in checked:
        if isinstance(one, Envelope):
            envelopes.append(one)
        else:
            errors.extend(one)
    return envelopes, errors


def check_batch(body: bytes, shop_id: str) -> tuple[list[Envelope], list[EventError]]:
    """Every native event of the body checked; publish only when the error list is empty."""
    raws, documents = split_body(body)
    envelopes: list[Envelope] = []
    errors: list[EventError] = []
    for index, (raw, document) in enumerate(zip(raws, documents, strict=True)):
        checked = check_event(index, raw, document, shop_id)
        if isinstance(checked, Envelope):
            envelopes.append(checked)
        else:
            errors.extend(checked)
    return envelopes, errors
