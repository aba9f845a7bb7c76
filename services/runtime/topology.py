"""The broker topology: exchange, queues and bindings, declared idempotently.

`definitions()` renders the same topology in RabbitMQ's definitions format,
written to `deploy/rabbitmq/definitions.json`; a test keeps the two alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel

#: Topic exchange that shops publish to; routing key = event type.
EVENTS_EXCHANGE = "aftersale.events"
#: The ingest's queue, bound with "#" (every event type).
INGEST_QUEUE = "aftersale.ingest"
#: Where bad input waits for an operator, body intact, header `x-aftersale-error`.
DEAD_LETTER_QUEUE = "aftersale.dead-letter"

#: Back-off steps for events whose order or ticket is not known yet. Each step
#: is its own queue with one TTL, so no message waits behind a longer one.
RETRY_STEPS_SECONDS: tuple[int, ...] = (1, 5, 30, 120)

#: dramatiq's dead-message retention on `.XQ` queues (its default, 7 days).
DRAMATIQ_DEAD_MESSAGE_TTL_MS = 86_400_000 * 7


def retry_queue(seconds: int) -> str:
    return f"{INGEST_QUEUE}.retry.{seconds}s"


@dataclass(frozen=True)
class QueueSpec:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


def core_queues() -> list[QueueSpec]:
    """The queues the ingest owns, in declaration order."""
    queues = [QueueSpec(INGEST_QUEUE), QueueSpec(DEAD_LETTER_QUEUE)]
    for seconds in RETRY_STEPS_SECONDS:
        queues.append(
            QueueSpec(
                retry_queue(seconds),
                {
                    "x-message-ttl": seconds * 1000,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": INGEST_QUEUE,
                },
            )
        )
    return queues


def worker_queues(queue_name: str) -> list[QueueSpec]:
    """A dramatiq queue with its delay (.DQ) and dead (.XQ) queues, declared as dramatiq does."""
    xq = f"{queue_name}.XQ"
    to_xq = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": xq}
    return [
        QueueSpec(queue_name, to_xq),
        QueueSpec(f"{queue_name}.DQ", to_xq),
        QueueSpec(xq, {"x-message-ttl": DRAMATIQ_DEAD_MESSAGE_TTL_MS}),
    ]


def declare(channel: BlockingChannel, worker_queue_names: tuple[str, ...] = ()) -> None:
    """Declare everything (idempotent: same names, same arguments)."""
    channel.exchange_declare(EVENTS_EXCHANGE, exchange_type="topic", durable=True)
    for spec in core_queues():
        channel.queue_declare(spec.name, durable=True, arguments=spec.arguments or None)
    channel.queue_bind(INGEST_QUEUE, EVENTS_EXCHANGE, routing_key="#")
    for name in worker_queue_names:
        for spec in worker_queues(name):
            channel.queue_declare(spec.name, durable=True, arguments=spec.arguments)


def definitions(vhost: str = "/", worker_queue_names: tuple[str, ...] = ()) -> dict[str, Any]:
    """The topology in RabbitMQ's definitions format (management import / load_definitions)."""
    specs = core_queues() + [s for name in worker_queue_names for s in worker_queues(name)]
    return {
        "rabbit_version": "3.10.0",
        "vhosts": [{"name": vhost}],
        "exchanges": [
            {
                "name": EVENTS_EXCHANGE,
                "vhost": vhost,
                "type": "topic",
                "durable": True,
                "auto_delete": False,
                "internal": False,
                "arguments": {},
            }
        ],
        "queues": [
            {
                "name": spec.name,
                "vhost": vhost,
                "durable": True,
                "auto_delete": False,
                "arguments": spec.arguments,
            }
            for spec in specs
        ],
        "bindings": [
            {
                "source": EVENTS_EXCHANGE,
                "vhost": vhost,
                "destination": INGEST_QUEUE,
                "destination_type": "queue",
                "routing_key": "#",
                "arguments": {},
            }
        ],
    }
