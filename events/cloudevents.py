"""CloudEvents 1.0 on the wire, beside the native envelope: both read into one event.

A CloudEvent arrives in one of two modes:

- **structured**: content type ``application/cloudevents+json``, the body a
  CloudEvent in the JSON format, its ``data`` the native event's ``data``;
- **binary**: the body is the native ``data`` (``application/json``), the
  attributes travel as message headers: ``cloudEvents:id`` or ``cloudEvents_id``
  (the AMQP binding), ``ce-id`` (the HTTP and RabbitMQ bindings) or ``ce_id``.

The mapping onto the envelope (documented in ``schemas/README.md``):

=================  =====================================================
CloudEvent         envelope
=================  =====================================================
``id``             ``event_id``
``type``           ``type``, written ``com.aftersale.order.placed`` (the
                   bare ``order.placed`` is accepted too)
``time``           ``occurred_at`` (required here, though optional in CloudEvents)
``shopid``         ``shop_id`` (an extension attribute)
``data``           ``data``
``specversion``,   kept under the extra field ``cloudevent`` of the recorded
``source``, …      envelope (the event log keeps them; nothing reads them)
=================  =====================================================

The event carries version 1 of the data; ``dataschema`` is optional and kept.
The same ``(shop, id)`` as a native envelope is the same event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import unquote

from events.envelope import EVENT_MODELS, SCHEMA_VERSION, EnvelopeBase
from events.json_text import NotJson, read_json
from events.parsing import (
    MAX_BODY_BYTES,
    Context,
    ContractViolation,
    read_body,
    validate_envelope,
)

#: The content type of a structured CloudEvent in the JSON format.
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
#: The prefix of every CloudEvent ``type`` of this contract.
TYPE_PREFIX = "com.aftersale."
#: The extension attribute that names the shop.
SHOP_ATTRIBUTE = "shopid"
#: The envelope's extra field that keeps the CloudEvent's other attributes.
KEPT_FIELD = "cloudevent"
#: Header prefixes of a binary CloudEvent; matched ignoring case (HTTP headers have none).
HEADER_PREFIXES = ("cloudevents:", "cloudevents_", "ce-", "ce_")

#: Envelope fields under their CloudEvent names, for error messages.
ATTRIBUTE_NAMES = {"event_id": "id", "occurred_at": "time", "shop_id": SHOP_ATTRIBUTE}

Mode = Literal["native", "structured", "binary"]


@dataclass(frozen=True)
class WireEvent:
    """An event read off the wire: typed, and as the native envelope the log records."""

    event: EnvelopeBase
    #: The native envelope's bytes: the body itself when it was one.
    envelope: bytes
    mode: Mode


def media_type(content_type: str | None) -> str:
    """The bare, lower-case media type of a Content-Type (parameters dropped)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _prefixes(headers: Mapping[str, Any]) -> set[str]:
    return {
        prefix
        for name in headers
        for prefix in HEADER_PREFIXES
        if name.lower().startswith(prefix) and len(name) > len(prefix)
    }


def binary_attributes(headers: Mapping[str, Any], *, http: bool = False) -> dict[str, Any]:
    """The CloudEvent attributes found in message headers ({} when there are none).

    HTTP header values are percent-decoded, as the HTTP binding writes them.
    """
    found: dict[str, Any] = {}
    for name, value in headers.items():
        lowered = name.lower()
        for prefix in HEADER_PREFIXES:
            if lowered.startswith(prefix) and len(lowered) > len(prefix):
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "replace")
                if http and isinstance(value, str):
                    value = unquote(value)
                found[lowered[len(prefix) :]] = value
                break
    return found


def is_cloudevent(
    content_type: str | None, headers: Mapping[str, Any], *, http: bool = False
) -> bool:
    """Whether a message is a CloudEvent (structured by its content type, binary by a
    ``specversion`` header) rather than a native envelope."""
    if media_type(content_type) == STRUCTURED_CONTENT_TYPE:
        return True
    attributes = binary_attributes(headers, http=http)
    return "specversion" in attributes or {"id", "type"} <= attributes.keys()


def read_message(
    body: bytes,
    content_type: str | None = None,
    headers: Mapping[str, Any] | None = None,
    *,
    http: bool = False,
) -> WireEvent:
    """Validate one message in any accepted form: a native envelope, or a CloudEvent.

    Raises:
        ContractViolation: what is wrong and where, in the sender's own terms
            (a CloudEvent's problems name its attributes: ``id``, ``time``, ``shopid``).
    """
    headers = headers or {}
    if media_type(content_type) == STRUCTURED_CONTENT_TYPE:
        return _structured(body)
    attributes = binary_attributes(headers, http=http)
    if "specversion" in attributes or {"id", "type"} <= attributes.keys():
        used = _prefixes(headers)
        if len(used) > 1:
            raise ContractViolation(
                "invalid CloudEvent: attribute headers under several prefixes ("
                + ", ".join(sorted(used))
                + "); write them all under one",
                code="not_cloudevent",
            )
        return _binary(attributes, body, content_type)
    document = read_body(body)
    if "specversion" in document and "event_id" not in document:
        raise ContractViolation(
            "not an envelope: this looks like a structured CloudEvent; send it with "
            f"content type {STRUCTURED_CONTENT_TYPE}",
            code="not_envelope",
        )
    return WireEvent(validate_envelope(document), body, "native")


def _structured(body: bytes) -> WireEvent:
    document = read_body(body, what="a CloudEvent")
    if "data_base64" in document and "data" not in document:
        raise ContractViolation(
            "invalid CloudEvent: data_base64 is not accepted; send the data as JSON in `data`",
            code="not_cloudevent",
        )
    attributes = {k: v for k, v in document.items() if k != "data"}
    return _to_envelope(attributes, document.get("data"), "structured", "data" in document)


def _binary(attributes: dict[str, Any], body: bytes, content_type: str | None) -> WireEvent:
    declared = attributes.pop("datacontenttype", None)
    media = media_type(content_type if content_type else declared)
    if media and media != "application/json":
        raise ContractViolation(
            f"invalid CloudEvent: the data must be application/json, not {media!r}",
            code="not_cloudevent",
        )
    if len(body) > MAX_BODY_BYTES:
        raise ContractViolation(
            f"body is {len(body)} bytes, over the limit of {MAX_BODY_BYTES} bytes (256 KiB)",
            code="too_large",
        )
    try:
        data = read_json(body)
    except NotJson as exc:
        raise ContractViolation(f"data: {exc.reason}", code="not_json") from exc
    attributes["datacontenttype"] = "application/json"
    return _to_envelope(attributes, data, "binary", True)


def _time_text(value: Any) -> Any:
    """A binary event's ``time``: RFC 3339 text, or an AMQP timestamp (ms since the epoch,
    or a datetime from the client library; both UTC)."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.isoformat().replace("+00:00", "Z")
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return str(value)  # refused below as the time it is not
        return moment.isoformat().replace("+00:00", "Z")
    return value


def native_type(value: Any) -> str | None:
    """The native event type a CloudEvent ``type`` names, or None when it names none."""
    if not isinstance(value, str):
        return None
    bare = value.removeprefix(TYPE_PREFIX)
    return bare if bare in EVENT_MODELS else None


def _to_envelope(attributes: dict[str, Any], data: Any, mode: Mode, has_data: bool) -> WireEvent:
    identity, shop = attributes.get("id"), attributes.get(SHOP_ATTRIBUTE)
    context = Context(
        event_id=identity if isinstance(identity, str) else None,
        shop_id=shop if isinstance(shop, str) else None,
    )
    version = attributes.get("specversion")
    if version != "1.0":
        shown = json.dumps(version, default=str)[:40] if "specversion" in attributes else "missing"
        raise ContractViolation(
            f'invalid CloudEvent: specversion must be "1.0" (got {shown})',
            code="not_cloudevent",
            **context,
        )
    for required in ("id", "source", "type"):
        value = attributes.get(required)
        if not isinstance(value, str) or not value:
            raise ContractViolation(
                f"invalid CloudEvent: required attribute `{required}` is missing or empty",
                code="not_cloudevent",
                **context,
            )
    event_type = native_type(attributes["type"])
    if event_type is None:
        shown = json.dumps(attributes["type"], ensure_ascii=False)[:80]
        raise ContractViolation(
            f"unknown event type {shown}; version {SCHEMA_VERSION} knows "
            + ", ".join(TYPE_PREFIX + name for name in EVENT_MODELS),
            code="unknown_type",
            **context,
        )
    context["type"] = event_type
    declared = attributes.get("datacontenttype")
    if declared is not None and media_type(str(declared)) not in ("application/json",):
        raise ContractViolation(
            f"invalid CloudEvent: datacontenttype must be application/json (got {declared!r})",
            code="not_cloudevent",
            **context,
        )
    for needed, meaning in (("time", "occurred_at"), (SHOP_ATTRIBUTE, "shop_id")):
        if needed not in attributes:
            raise ContractViolation(
                f"invalid {event_type}: {needed}: required attribute is missing "
                f"(it is the envelope's {meaning})",
                **context,
            )
    kept = {
        name: value
        for name, value in attributes.items()
        if name not in ("id", "time", SHOP_ATTRIBUTE)
    }
    if mode == "binary" and "time" in attributes:
        attributes["time"] = _time_text(attributes["time"])
    envelope: dict[str, Any] = {
        "event_id": attributes["id"],
        "type": event_type,
        "schema_version": SCHEMA_VERSION,
        "occurred_at": attributes["time"],
        "shop_id": attributes[SHOP_ATTRIBUTE],
        "data": data,
        KEPT_FIELD: {name: _json_safe(value) for name, value in kept.items()},
    }
    if not has_data:
        envelope.pop("data")  # reported as the missing field it is
    event = validate_envelope(envelope, names=ATTRIBUTE_NAMES)
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
    return WireEvent(event, body, mode)


def _json_safe(value: Any) -> Any:
    """An attribute value as JSON can hold it (AMQP headers may carry other types)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, datetime):
        return _time_text(value)
    return str(value)
