"""The AsyncAPI 3.1.0 document of the events shops publish over RabbitMQ.

Each channel (a routing key) carries one event type in three forms, each a
message of its own: the native envelope, the structured CloudEvent and the
binary CloudEvent (see `events.cloudevents`).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from events import EVENT_MODELS, EXCHANGE
from events.cloudevents import STRUCTURED_CONTENT_TYPE
from services.contract import wire
from services.contract.cloudevent_schemas import (
    AMQP_BINDING_URL,
    AMQP_HEADER_PREFIXES,
    SUMMARY,
    amqp_headers_schema,
    cloudevent_name,
    cloudevent_schemas,
    example_cloudevent,
    example_headers,
)
from services.contract.examples import example_envelope
from services.contract.jsonschemas import component_schemas, summary

ASYNCAPI_VERSION = "3.1.0"
AMQP_BINDING_VERSION = "0.3.0"
SERVER = "rabbitmq"
SCHEMAS_REF = "#/components/schemas/"

_HEADER_NAMES = ", ".join(f"`{prefix}*`" for prefix in AMQP_HEADER_PREFIXES)

CLOUDEVENTS_TEXT = (
    SUMMARY + " On a channel each event type is therefore one of three messages: the native "
    f"envelope (`application/json`), the structured CloudEvent (`{STRUCTURED_CONTENT_TYPE}`) "
    f"and the binary CloudEvent (`application/json`, the attributes in {_HEADER_NAMES} "
    "headers, the body the event's `data`). Publish a CloudEvent like any event: to the same "
    "exchange, with the native type (`order.placed`) as routing key, persistent."
)

DESCRIPTION = "\n".join(
    [
        "Events that online shops publish to aftersale, the after-sales customer care "
        "service, over RabbitMQ (AMQP 0-9-1).",
        "",
        "To publish:",
        "",
        *(f"- {rule}" for rule in wire.RULES),
        "",
        wire.VHOST_TEXT,
        "",
        CLOUDEVENTS_TEXT,
        "",
        wire.DEAD_LETTER_TEXT,
        "",
    ]
)


def channel_id(event_type: str) -> str:
    """`order.placed` -> `orderPlaced`: the id of the channel, message and schema keys."""
    head, *rest = event_type.replace("_", ".").split(".")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def operation_id(event_type: str) -> str:
    cid = channel_id(event_type)
    return "send" + cid[:1].upper() + cid[1:]


def message_ids(cid: str) -> tuple[str, str, str]:
    """The channel's messages: the native envelope, the structured and the binary CloudEvent."""
    return cid, f"{cid}CloudEvent", f"{cid}CloudEventBinary"


def _channel(event_type: str) -> dict[str, Any]:
    cid = channel_id(event_type)
    return {
        "address": event_type,
        "title": event_type,
        "description": summary(event_type)
        + " The envelope, or the same event as a structured or binary CloudEvent.",
        "servers": [{"$ref": f"#/servers/{SERVER}"}],
        "messages": {mid: {"$ref": f"#/components/messages/{mid}"} for mid in message_ids(cid)},
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "exchange": {
                    "name": EXCHANGE,
                    "type": wire.EXCHANGE_TYPE,
                    "durable": True,
                    "autoDelete": False,
                    "vhost": wire.DEFAULT_VHOST,
                },
                "bindingVersion": AMQP_BINDING_VERSION,
            }
        },
    }


def _operation(event_type: str) -> dict[str, Any]:
    cid = channel_id(event_type)
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{cid}"},
        "title": f"Publish {event_type}",
        "summary": f"A shop publishes `{event_type}` with routing key `{event_type}`.",
        "messages": [{"$ref": f"#/channels/{cid}/messages/{mid}"} for mid in message_ids(cid)],
        # Delivery mode is an operation binding in AMQP bindings 0.3.0 (the message
        # binding only knows contentEncoding and messageType).
        "bindings": {
            "amqp": {"deliveryMode": wire.PERSISTENT, "bindingVersion": AMQP_BINDING_VERSION}
        },
    }


def _message(event_type: str) -> dict[str, Any]:
    model = EVENT_MODELS[event_type]
    return {
        "name": event_type,
        "title": model.__name__,
        "summary": summary(event_type),
        "contentType": wire.CONTENT_TYPE,
        "payload": {"$ref": SCHEMAS_REF + model.__name__},
        "bindings": {"amqp": {"messageType": event_type, "bindingVersion": AMQP_BINDING_VERSION}},
        "examples": [
            {
                "name": channel_id(event_type),
                "summary": f"A `{event_type}` from shop-42",
                "payload": example_envelope(event_type),
            }
        ],
    }


def _cloudevent_messages(event_type: str, data_ref: str) -> dict[str, dict[str, Any]]:
    """The structured and the binary CloudEvent of one type."""
    _, structured, binary = message_ids(channel_id(event_type))
    model = EVENT_MODELS[event_type]
    envelope = example_envelope(event_type)
    common = {
        "bindings": {"amqp": {"messageType": event_type, "bindingVersion": AMQP_BINDING_VERSION}},
        "externalDocs": {"description": "CloudEvents AMQP binding", "url": AMQP_BINDING_URL},
    }
    return {
        structured: {
            "name": event_type,
            "title": f"{model.__name__} as a structured CloudEvent",
            "summary": summary(event_type),
            "contentType": STRUCTURED_CONTENT_TYPE,
            "payload": {"$ref": SCHEMAS_REF + cloudevent_name(event_type)},
            **common,
            "examples": [
                {
                    "name": structured,
                    "summary": f"A `{event_type}` from shop-42 as a structured CloudEvent",
                    "payload": example_cloudevent(envelope),
                }
            ],
        },
        binary: {
            "name": event_type,
            "title": f"{model.__name__} as a binary CloudEvent",
            "summary": summary(event_type),
            "contentType": wire.CONTENT_TYPE,
            "headers": {"$ref": SCHEMAS_REF + "CloudEventHeaders"},
            "payload": {"$ref": data_ref},
            **common,
            "examples": [
                {
                    "name": binary,
                    "summary": f"A `{event_type}` from shop-42 as a binary CloudEvent",
                    "headers": example_headers(envelope),
                    "payload": envelope["data"],
                }
            ],
        },
    }


def build_asyncapi() -> dict[str, Any]:
    """The whole document as plain JSON-compatible data (no shared sub-objects)."""
    types = list(EVENT_MODELS)
    schemas = component_schemas(SCHEMAS_REF)
    data_refs = {t: schemas[EVENT_MODELS[t].__name__]["properties"]["data"]["$ref"] for t in types}
    messages: dict[str, Any] = {}
    for t in types:
        messages[channel_id(t)] = _message(t)
        messages.update(_cloudevent_messages(t, data_refs[t]))
    document = {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "aftersale events",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "defaultContentType": wire.CONTENT_TYPE,
        "servers": {
            SERVER: {
                "host": wire.DEFAULT_HOST,
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "The RabbitMQ broker aftersale consumes from, on the virtual "
                f"host `{wire.AMQP_URL_VARIABLE}` names (`{wire.DEFAULT_VHOST}` by default).",
            }
        },
        "channels": {channel_id(t): _channel(t) for t in types},
        "operations": {operation_id(t): _operation(t) for t in types},
        "components": {
            "messages": messages,
            "schemas": schemas
            | cloudevent_schemas(SCHEMAS_REF, data_refs)
            | {"CloudEventHeaders": amqp_headers_schema()},
        },
    }
    # A JSON round trip drops shared sub-objects, which YAML would write as anchors.
    copied: dict[str, Any] = json.loads(json.dumps(document))
    return copied


class _Dumper(yaml.SafeDumper):
    """The safe dumper, writing multi-line strings as literal blocks."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


def render_asyncapi() -> str:
    """The document as YAML text (deterministic; ends with a newline)."""
    text: str = yaml.dump(
        build_asyncapi(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
    return text
