"""The guide's sections on publishing over AMQP, choosing an `event_id` and the order of
events (the last two hold over HTTP as well)."""

from __future__ import annotations

from events import EXCHANGE
from services.contract import wire
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


def publishing_section() -> list[str]:
    return [
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
    ]


def event_id_section() -> list[str]:
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


def order_section() -> list[str]:
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
