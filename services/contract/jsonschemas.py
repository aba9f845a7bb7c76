"""JSON Schemas (draft 2020-12) of the wire contract, generated from the pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from events import EVENT_MODELS, SCHEMA_VERSION, EnvelopeBase
from events.zones import TIME_ZONE_DEFINITION, iana_zone_names, time_zone_schema

JSONSchema = dict[str, Any]

#: The JSON Schema dialect every generated schema declares.
DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Where the schemas of this contract version are published (their `$id` prefix).
BASE_URL = f"https://aftersale.dev/schemas/v{SCHEMA_VERSION}"

#: One sentence per event type: what happened in the shop.
EVENT_SUMMARIES: dict[str, str] = {
    "order.placed": "A customer placed an order; it starts the order's after-sales journey.",
    "order.shipped": "The order left the warehouse with a carrier, with a tracking number.",
    "shipment.delayed": "The parcel will arrive later than announced.",
    "order.delivered": "The parcel reached the customer.",
    "order.cancelled": "The order was cancelled.",
    "return.requested": (
        "The customer asked to send items back: a withdrawal, a complaint (reklamacja) "
        "or an exchange."
    ),
    "return.received": "The returned parcel arrived at the shop.",
    "return.resolved": "The return was settled: refunded, replaced, repaired or rejected.",
    "feedback.received": (
        "The customer gave a score: a survey answer, a review, a social post or an email."
    ),
    "ticket.opened": "The customer contacted customer care and a ticket was opened.",
    "ticket.replied": "An agent or the customer replied on a ticket.",
    "ticket.resolved": "The ticket was resolved.",
    "callback.promised": "An agent promised to call the customer back by a given time.",
    "callback.completed": "The promised callback took place.",
    "customer.updated": (
        "The shop changed a customer's contact data or consent; only the fields present "
        "change, and `opted_out` true stops all but transactional messages."
    ),
}

_HEAD_KEYS = ("$schema", "$id", "title", "description", "type", "properties", "required")


def summary(event_type: str) -> str:
    """The one-sentence description of `event_type`."""
    return EVENT_SUMMARIES.get(event_type, f"The `{event_type}` event.")


def share_time_zones(node: Any, ref: str) -> Any:
    """Every time zone field refers to one shared enum (`ref`) instead of repeating it.

    The enum has some 600 names; pydantic would write it out at each field. A copy is
    returned; the field's own title, default and description stay beside the `$ref`.
    """
    if isinstance(node, dict):
        if node.get("enum") == list(iana_zone_names()):
            kept = {key: value for key, value in node.items() if key not in ("enum", "type")}
            kept.pop("description", None)
            return dict(sorted((kept | {"$ref": ref}).items()))
        return {key: share_time_zones(value, ref) for key, value in node.items()}
    if isinstance(node, list):
        return [share_time_zones(value, ref) for value in node]
    return node


def _time_zone_definition() -> JSONSchema:
    return time_zone_schema() | {"title": TIME_ZONE_DEFINITION}


def _ordered(schema: JSONSchema) -> JSONSchema:
    """Header keys first, then the rest in their (already sorted) order, `$defs` last."""
    head = {key: schema[key] for key in _HEAD_KEYS if key in schema}
    rest = {key: value for key, value in schema.items() if key not in head and key != "$defs"}
    tail = {"$defs": schema["$defs"]} if "$defs" in schema else {}
    return head | rest | tail


def _annotate(properties: JSONSchema) -> None:
    """Descriptions the models do not carry, shared by all envelope schemas."""
    occurred_at = properties["occurred_at"] | {
        "description": "When it happened in the shop: RFC 3339 with a time zone offset."
    }
    properties["occurred_at"] = dict(sorted(occurred_at.items()))


def event_schema_id(event_type: str) -> str:
    return f"{BASE_URL}/events/{event_type}.schema.json"


def event_schema(event_type: str) -> JSONSchema:
    """The self-contained schema of the whole envelope of one event type."""
    model = EVENT_MODELS[event_type]
    generated = model.model_json_schema(mode="validation")
    schema: JSONSchema = share_time_zones(generated, f"#/$defs/{TIME_ZONE_DEFINITION}")
    if schema != generated:
        schema["$defs"][TIME_ZONE_DEFINITION] = _time_zone_definition()
    _annotate(schema["properties"])
    schema["$schema"] = DIALECT
    schema["$id"] = event_schema_id(event_type)
    schema["title"] = model.__name__
    schema["description"] = (
        f"Envelope of a `{event_type}` event (wire contract version {SCHEMA_VERSION}). "
        + summary(event_type)
        + f" Publish it with routing key `{event_type}`."
    )
    return _ordered(schema)


def envelope_schema() -> JSONSchema:
    """The envelope common to all event types; `data` is checked per type elsewhere."""
    schema: JSONSchema = EnvelopeBase.model_json_schema(mode="validation")
    properties: JSONSchema = schema["properties"]
    properties["type"] = {
        "description": "The event type; also the AMQP routing key.",
        "enum": list(EVENT_MODELS),
        "title": "Type",
        "type": "string",
    }
    _annotate(properties)
    properties["data"] = {
        "description": "The type-specific payload; see events/<type>.schema.json.",
        "title": "Data",
        "type": "object",
    }
    schema["required"] = [*schema["required"], "data"]
    schema["$schema"] = DIALECT
    schema["$id"] = f"{BASE_URL}/envelope.schema.json"
    schema["title"] = "Envelope"
    schema["description"] = (
        f"The envelope every aftersale event travels in (wire contract version "
        f"{SCHEMA_VERSION}). Unknown extra fields are kept in the event log and otherwise "
        "ignored."
    )
    return _ordered(schema)


def component_schemas(ref_prefix: str) -> JSONSchema:
    """All envelope and data models in one namespace, referring to each other by `ref_prefix`.

    Used to inline the schemas in documents such as AsyncAPI, where `#/$defs/...` would
    not resolve; returns a mapping of schema name to schema, sorted by name.
    """
    _, top = models_json_schema(
        [(model, "validation") for model in EVENT_MODELS.values()],
        ref_template=ref_prefix + "{model}",
    )
    definitions: JSONSchema = share_time_zones(top["$defs"], ref_prefix + TIME_ZONE_DEFINITION)
    definitions[TIME_ZONE_DEFINITION] = _time_zone_definition()
    return {name: definitions[name] for name in sorted(definitions)}
