"""The CloudEvents form of the contract (see `events.cloudevents`), as schemas and words.

Shared by the AsyncAPI document, the gateway's OpenAPI document and the guide, so
the three say the same thing about the same mapping.
"""

from __future__ import annotations

from typing import Any

from events import EVENT_MODELS
from events.cloudevents import KEPT_FIELD, SHOP_ATTRIBUTE, STRUCTURED_CONTENT_TYPE, TYPE_PREFIX
from services.contract.jsonschemas import JSONSchema, envelope_schema

#: The JSON format's batch mode (the gateway only: AMQP carries one event per message).
BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"
SPEC_VERSION = "1.0"

SPEC_URL = "https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md"
JSON_FORMAT_URL = (
    "https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md"
)
AMQP_BINDING_URL = (
    "https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/amqp-protocol-binding.md"
)
HTTP_BINDING_URL = (
    "https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md"
)
RABBITMQ_BINDING_URL = (
    "https://github.com/knative-extensions/eventing-rabbitmq/blob/main/"
    "cloudevents-protocol-spec/spec.md"
)

#: Header prefixes of a binary CloudEvent on AMQP, as written (matched ignoring case):
#: the AMQP binding's two, and the RabbitMQ binding's (the SDK's `rabbitmq.to_binary`).
AMQP_HEADER_PREFIXES = ("cloudEvents:", "cloudEvents_", "ce-")
HTTP_HEADER_PREFIX = "ce-"

#: The attributes a binary event carries as headers: (name, required, meaning).
ATTRIBUTES: tuple[tuple[str, bool, str], ...] = (
    ("specversion", True, f'`"{SPEC_VERSION}"`'),
    ("id", True, "the envelope's `event_id` (unique per shop, 1–128 characters)"),
    ("source", True, "any non-empty URI-reference naming the sender; kept, not read"),
    ("type", True, f"`{TYPE_PREFIX}<type>`, e.g. `{TYPE_PREFIX}order.placed` (the bare type "
                   "is accepted too)"),
    ("time", True, "the envelope's `occurred_at`: RFC 3339 with seconds and a zone"),
    (SHOP_ATTRIBUTE, True, "the envelope's `shop_id` (an extension attribute)"),
    ("dataschema", False, "optional; kept, not read"),
)  # fmt: skip

#: The mapping, as the guide's table rows: (CloudEvent attribute, envelope).
MAPPING: tuple[tuple[str, str], ...] = (
    ("`id`", "`event_id`"),
    ("`type`", f"`type`, written `{TYPE_PREFIX}order.placed` (the bare `order.placed` is "
               "accepted too)"),
    ("`time` (required here, though optional in CloudEvents)", "`occurred_at`"),
    (f"`{SHOP_ATTRIBUTE}` (extension attribute, required)", "`shop_id`"),
    ("`data` (JSON, required; `data_base64` is refused)", "`data`"),
    ("`specversion` (`1.0`), `source`, `datacontenttype` (`application/json` when given), "
     "`dataschema` (optional), `subject`, other extensions",
     f"kept under the envelope's extra field `{KEPT_FIELD}` in the event log; nothing reads "
     "them"),
)  # fmt: skip

#: One paragraph for the documents' descriptions.
SUMMARY = (
    "The same events are accepted as CloudEvents 1.0: structured (content type "
    f"`{STRUCTURED_CONTENT_TYPE}`, the body one CloudEvent in the JSON format) or binary (the "
    "body is the event's `data` as `application/json`, the attributes travel as headers). "
    f"`id` is `event_id`, `type` is `{TYPE_PREFIX}<type>` (the bare type is accepted too), "
    f"`time` is `occurred_at` and the extension attribute `{SHOP_ATTRIBUTE}` is `shop_id`; "
    f"other attributes are kept under the envelope's extra field `{KEPT_FIELD}`. A CloudEvent "
    "and a native envelope with the same shop and id are one event, recorded once."
)


def pascal(event_type: str) -> str:
    """`order.placed` -> `OrderPlaced`."""
    return "".join(part[:1].upper() + part[1:] for part in event_type.replace("_", ".").split("."))


def cloudevent_name(event_type: str) -> str:
    """The component name of the structured CloudEvent of one type."""
    return f"{pascal(event_type)}CloudEvent"


def cloudevent_types(event_type: str | None = None) -> list[str]:
    """The `type` values a CloudEvent may carry (of one event type, or of all)."""
    names = [event_type] if event_type is not None else list(EVENT_MODELS)
    return [TYPE_PREFIX + name for name in names] + names


def _envelope_field(name: str, description: str) -> JSONSchema:
    schema = dict(envelope_schema()["properties"][name])
    schema.pop("title", None)
    return schema | {"description": description}


def _attribute_schemas() -> dict[str, JSONSchema]:
    return {
        "specversion": {"type": "string", "const": SPEC_VERSION,
                        "description": f"The CloudEvents version: `{SPEC_VERSION}`."},
        "id": _envelope_field("event_id", "The envelope's `event_id`: unique per shop, "
                                          "1–128 characters, no control characters."),
        "source": {"type": "string", "minLength": 1, "format": "uri-reference",
                   "description": "Who sent it, e.g. `https://shop.example/orders`; kept, "
                                  "not read."},
        "type": {"type": "string", "enum": cloudevent_types(),
                 "description": f"`{TYPE_PREFIX}<type>`; the bare type is accepted too."},
        "time": _envelope_field("occurred_at", "The envelope's `occurred_at`: RFC 3339 with "
                                               "seconds and a time zone offset."),
        SHOP_ATTRIBUTE: _envelope_field("shop_id", "The envelope's `shop_id` (an extension "
                                                   "attribute)."),
        "datacontenttype": {"type": "string", "examples": ["application/json"],
                            "pattern": JSON_MEDIA_TYPE,
                            "description": "`application/json` when present (parameters such "
                                           "as `charset=utf-8` are allowed)."},
        "dataschema": {"type": "string", "format": "uri",
                       "description": "Optional; kept, not read."},
    }  # fmt: skip


#: `application/json` in any case, optionally with parameters: what the ingest reads.
JSON_MEDIA_TYPE = "^[Aa][Pp][Pp][Ll][Ii][Cc][Aa][Tt][Ii][Oo][Nn]/[Jj][Ss][Oo][Nn][ \\t]*(;.*)?$"


def cloudevent_schemas(ref_prefix: str, data_refs: dict[str, str]) -> dict[str, JSONSchema]:
    """`CloudEvent` (what every structured CloudEvent of the contract holds) and one
    `<Type>CloudEvent` per event type, its `data` the type's data schema.

    `data_refs` maps each event type to the `$ref` of its data schema.
    """
    properties: dict[str, Any] = _attribute_schemas()
    properties["data"] = {
        "type": "object",
        "description": "The event's `data`, as JSON (`data_base64` is refused).",
    }
    schemas: dict[str, JSONSchema] = {
        "CloudEvent": {
            "title": "CloudEvent",
            "description": "A CloudEvent 1.0 in the JSON format (content type "
            f"`{STRUCTURED_CONTENT_TYPE}`) carrying one aftersale event. " + SUMMARY,
            "type": "object",
            "required": ["specversion", "id", "source", "type", "time", SHOP_ATTRIBUTE, "data"],
            "properties": properties,
            "externalDocs": {"description": "CloudEvents JSON format", "url": JSON_FORMAT_URL},
        }
    }
    for event_type in EVENT_MODELS:
        schemas[cloudevent_name(event_type)] = {
            "title": cloudevent_name(event_type),
            "description": f"A `{event_type}` as a structured CloudEvent.",
            "allOf": [{"$ref": ref_prefix + "CloudEvent"}],
            "properties": {
                "type": {"type": "string", "enum": cloudevent_types(event_type)},
                "data": {"$ref": data_refs[event_type]},
            },
        }
    return schemas


def header_schema(prefix: str, name: str, *, amqp: bool) -> JSONSchema:
    """The schema of one binary-mode attribute header."""
    schema = dict(_attribute_schemas()[name])
    if name == "time" and amqp:
        schema = {
            "description": "The envelope's `occurred_at`: RFC 3339 text with a zone, or an "
            "AMQP timestamp (UTC; an integer is read as milliseconds since the epoch, as "
            "the AMQP 1.0 binding writes it).",
            "anyOf": [{k: v for k, v in schema.items() if k != "description"},
                      {"type": "integer"}],
        }  # fmt: skip
    return schema | {"description": f"`{prefix}{name}`: " + str(schema["description"])}


def amqp_headers_schema() -> JSONSchema:
    """The message headers of a binary CloudEvent on AMQP: one prefix, matched ignoring case."""
    properties = {
        prefix + name: header_schema(prefix, name, amqp=True)
        for prefix in AMQP_HEADER_PREFIXES
        for name, _, _ in ATTRIBUTES
    }
    required = [name for name, needed, _ in ATTRIBUTES if needed]
    written = ", ".join(f"`{prefix}`" for prefix in AMQP_HEADER_PREFIXES)
    return {
        "title": "CloudEventHeaders",
        "type": "object",
        "description": "A binary CloudEvent's attributes as AMQP message headers, each "
        f"under one of the prefixes {written} (names are matched ignoring case; the "
        "SDK's RabbitMQ binding writes `ce-`, its AMQP binding `cloudEvents_`). "
        "`specversion`, `id`, `source`, `type`, `time` and "
        f"`{SHOP_ATTRIBUTE}` are required; other attributes are kept. The AMQP "
        "`content_type` is `application/json`, the body the event's `data`. A "
        "`specversion` header, or an `id` and a `type` header, make a message a binary "
        "CloudEvent: a native envelope must not carry them.",
        "properties": properties,
        "anyOf": [
            {"required": [prefix + name for name in required]} for prefix in AMQP_HEADER_PREFIXES
        ],
    }


#: The `source` of the examples.
EXAMPLE_SOURCE = "https://shop-42.example/orders"


def example_cloudevent(envelope: dict[str, Any]) -> dict[str, Any]:
    """A native envelope as the structured CloudEvent that is the same event."""
    return {
        "specversion": SPEC_VERSION,
        "id": envelope["event_id"],
        "source": EXAMPLE_SOURCE,
        "type": TYPE_PREFIX + envelope["type"],
        "time": envelope["occurred_at"],
        SHOP_ATTRIBUTE: envelope["shop_id"],
        "datacontenttype": "application/json",
        "data": envelope["data"],
    }


def example_headers(envelope: dict[str, Any], prefix: str = HTTP_HEADER_PREFIX) -> dict[str, str]:
    """The headers of the binary CloudEvent that is the same event as `envelope` (its body
    is the envelope's `data`)."""
    attributes = example_cloudevent(envelope)
    return {prefix + name: str(attributes[name]) for name, _, _ in ATTRIBUTES if name in attributes}
