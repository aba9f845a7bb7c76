"""The guide's section on sending events as CloudEvents 1.0, on AMQP and over HTTP."""

from __future__ import annotations

from events import EXCHANGE
from events.cloudevents import SHOP_ATTRIBUTE, STRUCTURED_CONTENT_TYPE, TYPE_PREFIX
from services.contract import wire
from services.contract.cloudevent_schemas import (
    AMQP_BINDING_URL,
    AMQP_HEADER_PREFIXES,
    ATTRIBUTES,
    BATCH_CONTENT_TYPE,
    HTTP_HEADER_PREFIX,
    MAPPING,
    SPEC_URL,
)
from services.runtime.settings import DEFAULT_AMQP_URL

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


def cloudevents_section() -> list[str]:
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
