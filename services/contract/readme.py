"""The integrator's guide `schemas/README.md`, generated so that it cannot go stale."""

from __future__ import annotations

import json

from events import EVENT_MODELS, EXCHANGE, SCHEMA_VERSION
from events.cloudevents import SHOP_ATTRIBUTE, STRUCTURED_CONTENT_TYPE, TYPE_PREFIX
from events.fields import MONEY_PATTERN, NON_NEGATIVE_MONEY_PATTERN
from services.contract import wire
from services.contract.asyncapi import ASYNCAPI_VERSION
from services.contract.checking import checking_section
from services.contract.cloudevent_schemas import (
    AMQP_BINDING_URL,
    AMQP_HEADER_PREFIXES,
    ATTRIBUTES,
    BATCH_CONTENT_TYPE,
    HTTP_HEADER_PREFIX,
    MAPPING,
    SPEC_URL,
)
from services.contract.examples import example_envelope
from services.contract.jsonschemas import JSONSchema, envelope_schema, event_schema, summary
from services.gateway import standard_webhooks as sw
from services.gateway.auth import TOLERANCE_SECONDS
from services.gateway.signing import SHOP_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from services.gateway.state import MAX_REQUEST_BYTES
from services.ingest.parents import SOFT_WAIT
from services.runtime.settings import DEFAULT_AMQP_URL

_PUBLISH_NODE = f"""\
```js
// Node.js (CommonJS), amqplib: npm install amqplib
const amqp = require("amqplib");

// One envelope, e.g. schemas/examples/order.placed.json.
const event = require("./schemas/examples/order.placed.json");

async function main() {{
  const url = process.env.{wire.AMQP_URL_VARIABLE} || "{DEFAULT_AMQP_URL}";
  const connection = await amqp.connect(url);
  try {{
    const channel = await connection.createConfirmChannel();
    try {{
      await channel.assertExchange("{EXCHANGE}", "{wire.EXCHANGE_TYPE}", {{ durable: true }});
      const body = Buffer.from(JSON.stringify(event), "utf8");
      channel.publish("{EXCHANGE}", event.type, body, {{
        contentType: "{wire.CONTENT_TYPE}",
        persistent: true,
        messageId: event.event_id,
      }});
      await channel.waitForConfirms(); // rejects when the broker did not take it
    }} finally {{
      await channel.close();
    }}
  }} finally {{
    await connection.close();
  }}
}}

main().catch((error) => {{
  console.error(error);
  process.exitCode = 1;
}});
```"""

_PUBLISH_PHP = f"""\
```php
// PHP, php-amqplib
$channel->exchange_declare('{EXCHANGE}', '{wire.EXCHANGE_TYPE}', false, true, false);
$channel->confirm_select();
$message = new AMQPMessage(json_encode($event, JSON_THROW_ON_ERROR), [
    'content_type' => '{wire.CONTENT_TYPE}',
    'delivery_mode' => AMQPMessage::DELIVERY_MODE_PERSISTENT,
    'message_id' => $event['event_id'],
]);
$channel->basic_publish($message, '{EXCHANGE}', $event['type']);
$channel->wait_for_pending_acks();
```"""


_HTTP_NODE = f"""\
```js
// Node.js 18 or later (CommonJS): fetch and crypto are built in.
const crypto = require("node:crypto");

async function send(events) {{
  const body = JSON.stringify(events); // one envelope, or an array of them
  const timestamp = Math.floor(Date.now() / 1000).toString();
  const digest = crypto
    .createHmac("sha256", process.env.SHOP_SECRET) // this shop's secret
    .update(`${{timestamp}}.${{body}}`, "utf8")
    .digest("hex");
  const response = await fetch("http://127.0.0.1:8080/v1/events", {{
    method: "POST",
    headers: {{
      "Content-Type": "application/json",
      "{SHOP_HEADER}": "shop-42",
      "{TIMESTAMP_HEADER}": timestamp,
      "{SIGNATURE_HEADER}": `sha256=${{digest}}`,
    }},
    body,
  }});
  if (response.status !== 202) {{
    throw new Error(`${{response.status}}: ${{await response.text()}}`);
  }}
  return response.json();
}}

async function main() {{
  const event = require("./schemas/examples/order.placed.json");
  console.log(await send([event]));
}}

main().catch((error) => {{
  console.error(error);
  process.exitCode = 1;
}});
```"""

_CLOUDEVENTS_PYTHON = f"""\
```python
# pip install cloudevents pika
import json
import os
from datetime import datetime
from pathlib import Path

import pika
from cloudevents.core.bindings import rabbitmq
from cloudevents.core.v1.event import CloudEvent

envelope = json.loads(Path("schemas/examples/order.placed.json").read_text(encoding="utf-8"))
event = CloudEvent(
    attributes={{
        "id": envelope["event_id"],
        "source": "https://shop-42.example/orders",
        "type": "{TYPE_PREFIX}" + envelope["type"],
        "time": datetime.fromisoformat(envelope["occurred_at"]),
        "{SHOP_ATTRIBUTE}": envelope["shop_id"],
        "datacontenttype": "application/json",
    }},
    data=envelope["data"],
)
# Binary mode: the attributes as ce- headers, the data as the body;
# rabbitmq.to_structured_event(event) gives structured mode instead.
message = rabbitmq.to_binary_event(event)

url = os.environ.get("{wire.AMQP_URL_VARIABLE}", "{DEFAULT_AMQP_URL}")
connection = pika.BlockingConnection(pika.URLParameters(url))
try:
    channel = connection.channel()
    channel.confirm_delivery()  # basic_publish raises when the broker refuses
    channel.basic_publish(
        exchange="{EXCHANGE}",
        routing_key=envelope["type"],  # the native type, as for any event
        body=message.body,
        properties=pika.BasicProperties(
            content_type=message.content_type,
            headers=message.headers,
            delivery_mode={wire.PERSISTENT},
            message_id=event.get_id(),
        ),
    )
finally:
    connection.close()
```"""


def _http_section() -> list[str]:
    limit_mib = MAX_REQUEST_BYTES // 1024 // 1024
    return [
        "## Over HTTP",
        "",
        "The gateway (`aftersale up`, or `aftersale gateway` alone) takes the same events "
        "at `POST /v1/events` on the address `AFTERSALE_HTTP_ADDR` (default "
        "`127.0.0.1:8080`; behind a proxy, `AFTERSALE_PUBLIC_URL`). It checks each event "
        "as the ingest does and publishes it to the exchange with publisher confirms before "
        "it answers; its OpenAPI 3.1 document is `GET /openapi.json`.",
        "",
        f"- **Body**: one envelope or a JSON array of them, `Content-Type: "
        f"{wire.CONTENT_TYPE}`, at most {limit_mib} MiB in all and {wire.BODY_LIMIT_TEXT} "
        "per event (or CloudEvents, see below). A batch is all or nothing at validation: "
        "one invalid event refuses the whole request and nothing is published.",
        f"- **Shop**: `{SHOP_HEADER}` names your shop, as in the file "
        '`AFTERSALE_SHOP_SECRETS` (`shop-42 = "…"`) that holds its secret; every event\'s '
        "`shop_id` must be that shop.",
        f"- **Signature**: `{TIMESTAMP_HEADER}` is the current Unix time in seconds (digits "
        f"only), within ±{TOLERANCE_SECONDS} s of the gateway's clock; `{SIGNATURE_HEADER}` is "
        "`sha256=` followed by the lowercase hex HMAC-SHA256, keyed with the shop's secret "
        "(its UTF-8 bytes as written, a `whsec_` one too), of the timestamp, a `.`, and the "
        "body's exact bytes: "
        '`HMAC(secret, "1795432500." + body)`. Sign the bytes you send; re-serialising the '
        "JSON after signing breaks the signature.",
        f"- **Or Standard Webhooks** (https://www.standardwebhooks.com/): without "
        f"`{SIGNATURE_HEADER}`, send `{sw.ID_HEADER}` (a unique message id), "
        f"`{sw.TIMESTAMP_HEADER}` (Unix seconds, ±{TOLERANCE_SECONDS} s) and "
        f"`{sw.SIGNATURE_HEADER}: v1,<base64>`, the standard base64 of the HMAC-SHA256 of "
        f"`{{{sw.ID_HEADER}}}.{{{sw.TIMESTAMP_HEADER}}}.` followed by the body, keyed with the "
        "shop's secret: a secret written `whsec_<base64>` is the decoded bytes, any other "
        "its UTF-8 bytes. Several signatures, separated by spaces, may be sent during a key "
        f"rotation. `{SHOP_HEADER}` is still required.",
        "- **Replays**: a signed request is accepted once (the signature, or the "
        f"`{sw.ID_HEADER}`, is remembered for the timestamp window). To retry, sign again "
        f"with a new timestamp (and a new `{sw.ID_HEADER}`); re-sending the same events is "
        "safe, each `event_id` is recorded once.",
        "",
        "| answer | meaning |",
        "| --- | --- |",
        '| `202` | every event was confirmed by the broker: `{"accepted": n, "results": '
        '[{"index", "event_id", "status": "accepted"}]}` |',
        "| `400` | not JSON (`not_json`), neither an event nor an array of them (`not_events`), "
        "an empty array (`empty`), or events failing the contract (`invalid`): `errors` lists "
        'each problem as `{"index", "path", "message"}`, e.g. path '
        "`data.items[0].quantity`; nothing was published |",
        "| `401` | unknown shop, a missing, malformed or wrong signature, a timestamp outside "
        "the window, or a replayed request; `error` says which (`bad_signature`, "
        "`stale_timestamp`, `replayed`, …) |",
        "| `403` | `wrong_shop`: an event's `shop_id` is not the signing shop; nothing was "
        "published |",
        f"| `413` | the body is over {limit_mib} MiB |",
        "| `503` | the broker did not take every event (`results` says which), or the store "
        "is unreachable: retry later (`Retry-After`); the repeats are harmless |",
        "",
        _HTTP_NODE,
        "",
    ]


def _event_id_section() -> list[str]:
    return [
        "## Choosing an `event_id`",
        "",
        "One id per fact, stable, unique within your shop (1–128 characters). Either make "
        "it when the fact happens and store it with the fact (a ULID or UUID in the row, or "
        "in your outbox table), or derive it from the fact itself: `order-1001-placed`, "
        "`order-1001-shipped`, `return-77-received`. Then:",
        "",
        "- re-sending the same id (after a timeout, a lost confirm, a restart) is safe: "
        "each `(shop_id, event_id)` is recorded once and later copies are ignored, on AMQP "
        "and over HTTP alike;",
        "- a new id for the same fact is a second event: it is recorded again, and what it "
        "triggers may happen again;",
        "- an id used before for another fact makes the new fact a repeat: it is ignored.",
        "",
    ]


def _order_section() -> list[str]:
    soft = int(SOFT_WAIT.total_seconds())
    return [
        "## The order of events",
        "",
        "Publish an order's events in the order they happened: `order.placed` first, then "
        "`order.shipped`, `shipment.delayed`, `order.delivered` or `order.cancelled`; "
        "`return.requested` (after its `order.placed`) before that return's "
        "`return.received` and `return.resolved`; `ticket.opened` before its "
        "`ticket.replied`, `ticket.resolved`, `callback.promised` and `callback.completed`.",
        "",
        "An event whose order, return or ticket is not known yet (published over another "
        "connection, or retried) is not lost: it is retried with back-off and recorded as "
        "soon as its parent is, for the policy `ingest.wait_for_parent` (default "
        f"{wire.WAIT_FOR_PARENT_MINUTES} minutes); after that it is dead-lettered as unknown "
        "(`aftersale dlq replay` sends it again). `feedback.received` waits at most "
        f"{soft} s for its customer, then is recorded anyway; the `order_id` of feedback "
        "and tickets is not waited for. An order's status never moves back: a late "
        "`order.shipped` does not undo `order.delivered`, and `order.cancelled` is final.",
        "",
    ]


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


def _cloudevents_section() -> list[str]:
    amqp_prefixes = ", ".join(f"`{prefix}`" for prefix in AMQP_HEADER_PREFIXES)
    required = ", ".join(f"`{name}`" for name, needed, _ in ATTRIBUTES if needed)
    return [
        "## CloudEvents",
        "",
        f"Every event may also be sent as a CloudEvent 1.0 ({SPEC_URL}), on AMQP and over "
        "HTTP. It is read into the native envelope, which the event log records:",
        "",
        "| CloudEvent | envelope |",
        "| --- | --- |",
        *(f"| {attribute} | {field} |" for attribute, field in MAPPING),
        "",
        f"{required} are required. A CloudEvent and a native envelope with the same "
        "`(shop, id)` are one event, recorded once, whichever came first. Errors name the "
        "CloudEvent's attributes: `id`, `time`, "
        f"`{SHOP_ATTRIBUTE}`, `data.items[0].quantity`.",
        "",
        f"- **Structured**: the body is the CloudEvent in the JSON format, content type "
        f"`{STRUCTURED_CONTENT_TYPE}`, `data` the native `data` as JSON.",
        f"- **Binary**: the body is the native `data`, content type `{wire.CONTENT_TYPE}`; "
        f"the attributes are headers. On AMQP the header prefix is one of {amqp_prefixes} "
        "(the AMQP binding's two, and the RabbitMQ binding's; matched ignoring case), e.g. "
        f"`cloudEvents:id` or `ce-id`, and `time` may be an AMQP timestamp; over HTTP it is "
        f"`{HTTP_HEADER_PREFIX}` (`ce-id`, `ce-type`, `ce-source`, `ce-specversion`, "
        f"`ce-time`, `ce-{SHOP_ATTRIBUTE}`), values percent-encoded as the HTTP binding "
        "says. A message with a `specversion` header, or with both an `id` and a `type` "
        "header, is read as a binary CloudEvent: a native envelope must carry neither.",
        f"- **On AMQP**: publish to `{EXCHANGE}` with the native type as routing key "
        f"(`order.placed`), persistent, one event per message ({AMQP_BINDING_URL}).",
        f"- **Over HTTP**: `POST /v1/events`, signed as above; one structured event, an "
        f"array of them as `{BATCH_CONTENT_TYPE}`, or one binary event. Every "
        f"`{SHOP_ATTRIBUTE}` must be the signing shop (`403 wrong_shop` otherwise).",
        "",
        "With the official Python SDK (`cloudevents`, "
        "`cloudevents.core.bindings.rabbitmq`; `cloudevents.core.bindings.amqp` writes "
        "`cloudEvents_` headers for AMQP 1.0 clients) and pika:",
        "",
        _CLOUDEVENTS_PYTHON,
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
        "## Publishing",
        "",
        "From any language with an AMQP 0-9-1 client:",
        "",
        *(f"- {rule}" for rule in wire.RULES),
        "",
        wire.VHOST_TEXT,
        "",
        "Declaring the exchange is optional; if you do, declare it exactly so (a different "
        "type or durability closes the channel with `PRECONDITION_FAILED`). Use publisher "
        "confirms so that a lost connection cannot lose an event silently; re-publishing "
        "the same `event_id` is safe.",
        "",
        "| AMQP property | value |",
        "| --- | --- |",
        f"| exchange | `{EXCHANGE}` |",
        "| routing key | the envelope's `type`, e.g. `order.placed` |",
        f"| `content_type` | `{wire.CONTENT_TYPE}` |",
        f"| `delivery_mode` | `{wire.PERSISTENT}` (persistent) |",
        "| `message_id` | the envelope's `event_id` |",
        "",
        _PUBLISH_NODE,
        "",
        _PUBLISH_PHP,
        "",
        wire.DEAD_LETTER_TEXT,
        "",
        *_http_section(),
        *_event_id_section(),
        *_order_section(),
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
        *_cloudevents_section(),
        *checking_section(),
        "## Examples",
        "",
        *(line for event_type in EVENT_MODELS for line in _example(event_type)),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"
