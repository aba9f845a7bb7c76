"""The AsyncAPI 3.0.0 document of the events shops publish over RabbitMQ."""

from __future__ import annotations

import json
from typing import Any

import yaml

from events import EVENT_MODELS, EXCHANGE
from services.contract import wire
from services.contract.examples import example_envelope
from services.contract.jsonschemas import component_schemas, summary

AMQP_BINDING_VERSION = "0.3.0"
SERVER = "rabbitmq"
SCHEMAS_REF = "#/components/schemas/"

DESCRIPTION = "\n".join(
    [
        "Events that online shops publish to aftersale, the after-sales customer care "
        "service, over RabbitMQ (AMQP 0-9-1).",
        "",
        "To publish:",
        "",
        *(f"- {rule}" for rule in wire.RULES),
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


def _channel(event_type: str) -> dict[str, Any]:
    cid = channel_id(event_type)
    return {
        "address": event_type,
        "title": event_type,
        "description": summary(event_type),
        "servers": [{"$ref": f"#/servers/{SERVER}"}],
        "messages": {cid: {"$ref": f"#/components/messages/{cid}"}},
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
        "messages": [{"$ref": f"#/channels/{cid}/messages/{cid}"}],
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


def build_asyncapi() -> dict[str, Any]:
    """The whole document as plain JSON-compatible data (no shared sub-objects)."""
    types = list(EVENT_MODELS)
    document = {
        "asyncapi": "3.0.0",
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
                "description": "The RabbitMQ broker aftersale consumes from.",
            }
        },
        "channels": {channel_id(t): _channel(t) for t in types},
        "operations": {operation_id(t): _operation(t) for t in types},
        "components": {
            "messages": {channel_id(t): _message(t) for t in types},
            "schemas": component_schemas(SCHEMAS_REF),
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
