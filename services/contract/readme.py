"""The integrator's guide `schemas/README.md`, generated so that it cannot go stale.

This module renders the guide's frame and the sections read off the JSON Schemas
(the envelope, the event types, the examples); the sections on sending events
live in `readme_publishing`, `readme_http` and `readme_cloudevents`.
"""

from __future__ import annotations

import json

from events import EVENT_MODELS, SCHEMA_VERSION
from events.fields import MONEY_PATTERN, NON_NEGATIVE_MONEY_PATTERN
from services.contract.asyncapi import ASYNCAPI_VERSION
from services.contract.checking import checking_section
from services.contract.examples import example_envelope
from services.contract.jsonschemas import JSONSchema, envelope_schema, event_schema, summary
from services.contract.readme_cloudevents import cloudevents_section
from services.contract.readme_http import http_section
from services.contract.readme_publishing import (
    event_id_section,
    order_section,
    publishing_section,
)


def _customer_lines() -> list[str]:
    return [
        "A `customer` block (in `order.placed` and `ticket.opened`) and `customer.updated` "
        "all write the one customer the shop has under that `customer_id`: each field "
        "present with a value replaces the stored one (`false` is a value); a field left "
        "out, or `null`, keeps what is stored, so a field can be replaced but not cleared. "
        "The event recorded last wins, whatever its `occurred_at`. Only the first "
        "`order.placed` of an order and the first `ticket.opened` of a ticket count: one "
        "sent again under a new `event_id` changes nothing, its customer block included. "
        "`opted_out` is set only by `customer.updated`. A new customer starts as `locale` "
        "`pl`, `timezone` `Europe/Warsaw`, `marketing_consent` false, not opted out.",
        "",
    ]


def _resolve(schema: JSONSchema, root: JSONSchema) -> JSONSchema:
    """Follow a local `#/$defs/...` reference, and unwrap `X | None`."""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return _resolve(root["$defs"][name], root)
    options = [option for option in schema.get("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        return _resolve(options[0], root)
    return schema


def _field(name: str, schema: JSONSchema, root: JSONSchema) -> str:
    """`name`, or `name {required…}` for an object, `name [{required…}]` for a list of them."""
    target = _resolve(schema, root)
    if target.get("type") == "array" and "items" in target:
        item = _resolve(target["items"], root)
        if item.get("type") == "object":
            return f"`{name}` [{{{', '.join(item.get('required', []))}}}]"
    if target.get("type") == "object" and "properties" in target:
        return f"`{name}` {{{', '.join(target.get('required', []))}}}"
    return f"`{name}`"


def data_fields(event_type: str) -> tuple[list[str], list[str]]:
    """The required and the optional fields of `data` of one type, rendered for the guide."""
    root = event_schema(event_type)
    data = _resolve(root["properties"]["data"], root)
    required = set(data.get("required", []))
    rendered = {name: _field(name, prop, root) for name, prop in data["properties"].items()}
    return (
        [text for name, text in rendered.items() if name in required],
        [text for name, text in rendered.items() if name not in required],
    )


def money_fields(schema: JSONSchema, root: JSONSchema | None = None, path: str = "") -> list[str]:
    """Paths of the money fields under `schema` (`items[].unit_price`, `total`, …)."""
    root = schema if root is None else root
    target = _resolve(schema, root)
    if target.get("pattern") in (MONEY_PATTERN, NON_NEGATIVE_MONEY_PATTERN):
        return [path]
    found: list[str] = []
    for name, prop in target.get("properties", {}).items():
        found += money_fields(prop, root, f"{path}.{name}" if path else name)
    if "items" in target:
        found += money_fields(target["items"], root, f"{path}[]")
    return found


def _kind(schema: JSONSchema) -> str:
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return "one of the types below"
    text = str(schema.get("type", "any"))
    return f"{text} ({schema['format']})" if "format" in schema else text


def _envelope_table() -> list[str]:
    schema = envelope_schema()
    required = set(schema["required"])
    lines = ["| field | JSON | required | meaning |", "| --- | --- | --- | --- |"]
    for name, prop in schema["properties"].items():
        meaning = prop.get("description", "")
        if name == "shop_id":
            meaning = "Your shop's identifier (1–128 characters, no surrounding spaces)."
        lines.append(
            f"| `{name}` | {_kind(prop)} | {'yes' if name in required else 'no'} | {meaning} |"
        )
    return lines


def _types_table() -> list[str]:
    lines = [
        "| type | what happened | required data fields | optional data fields |",
        "| --- | --- | --- | --- |",
    ]
    for event_type in EVENT_MODELS:
        required, optional = data_fields(event_type)
        lines.append(
            f"| `{event_type}` | {summary(event_type)} | {', '.join(required)} "
            f"| {', '.join(optional) or '–'} |"
        )
    return lines


def _nested_lines() -> list[str]:
    """Every object nested in `data` (customer, items…) with all its fields."""
    nested: dict[str, JSONSchema] = {}
    for event_type in EVENT_MODELS:
        root = event_schema(event_type)
        data_name = str(root["properties"]["data"]["$ref"]).rsplit("/", 1)[-1]
        for name, definition in root["$defs"].items():
            if name != data_name and definition.get("type") == "object":
                nested.setdefault(name, definition)
    lines = []
    for name in sorted(nested):
        definition = nested[name]
        required = set(definition.get("required", []))
        fields = [
            f"{field}{'' if field in required else '?'}" for field in definition["properties"]
        ]
        lines.append(f"- `{name}`: {{{', '.join(fields)}}}")
    return lines


def _money_lines() -> list[str]:
    lines: list[str] = []
    for event_type in EVENT_MODELS:
        root = event_schema(event_type)
        paths = money_fields(root["properties"]["data"], root)
        if paths:
            lines.append(f"- `{event_type}`: " + ", ".join(f"`data.{p}`" for p in paths))
    return lines


def _example(event_type: str) -> list[str]:
    body = json.dumps(example_envelope(event_type), indent=2, ensure_ascii=False)
    return [
        f"### `{event_type}`",
        "",
        summary(event_type) + f" Schema: [`events/{event_type}.schema.json`]"
        f"(events/{event_type}.schema.json).",
        "",
        "```json",
        body,
        "```",
        "",
    ]


def build_readme() -> str:
    """The whole guide as Markdown text (ends with a newline)."""
    lines: list[str] = [
        f"# aftersale events: wire contract version {SCHEMA_VERSION}",
        "",
        "Generated by `aftersale schemas export` from the pydantic models in `events/`; "
        "do not edit these files by hand. A unit test fails when they are stale.",
        "",
        "| file | content |",
        "| --- | --- |",
        "| `envelope.schema.json` | JSON Schema (draft 2020-12) of the envelope common to "
        "all events |",
        "| `events/<type>.schema.json` | JSON Schema of the whole envelope of one type, "
        "self-contained |",
        "| `examples/<type>.json` | one valid body per type |",
        f"| `asyncapi.yaml` | AsyncAPI {ASYNCAPI_VERSION}: the broker, one channel (routing key) "
        "and send operation per type, each with three messages: the envelope, the structured "
        "and the binary CloudEvent |",
        "",
        "Send events to RabbitMQ (below) or over HTTP to the gateway "
        "([Over HTTP](#over-http)), as native envelopes or as CloudEvents "
        "([CloudEvents](#cloudevents)).",
        "",
        *publishing_section(),
        *http_section(),
        *event_id_section(),
        *order_section(),
        "## The envelope",
        "",
        *_envelope_table(),
        "",
        "## Event types",
        "",
        "Nested objects list their required fields in braces. In full (`?` = optional):",
        "",
        *_nested_lines(),
        "",
        *_customer_lines(),
        "Delivery estimates are a date-time with a zone or a whole date (`2026-11-26`).",
        "",
        *_types_table(),
        "",
        'Money fields (decimal strings such as `"1234.50"`, never JSON numbers):',
        "",
        *_money_lines(),
        "",
        *cloudevents_section(),
        *checking_section(),
        "## Examples",
        "",
        *(line for event_type in EVENT_MODELS for line in _example(event_type)),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"
