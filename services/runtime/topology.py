"""The broker topology: exchange, queues and bindings, declared idempotently.

Every queue is a quorum queue unless `AFTERSALE_QUEUE_TYPE=classic`: quorum
queues are replicated across a cluster's nodes and work on a single node too.
`definitions()` renders the same topology in RabbitMQ's definitions format,
written to `deploy/rabbitmq/definitions.json`; a test keeps the two alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pika.exceptions
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

QueueType = Literal["quorum", "classic"]
QUEUE_TYPES: tuple[QueueType, ...] = ("quorum", "classic")

#: How often a quorum queue hands out one message that is never acknowledged
#: (its consumer dies or returns it) before the broker dead-letters it: a
#: message that kills every consumer it meets ends in a dead letter instead of
#: looping. A SIGKILL or a broker restart counts one return; 20 leaves room for
#: many of those. The dead-letter queues themselves have no limit: reading
#: them (`aftersale dlq list`) returns every message it looked at.
DELIVERY_LIMIT = 20


def retry_queue(seconds: int) -> str:
    return f"{INGEST_QUEUE}.retry.{seconds}s"


@dataclass(frozen=True)
class QueueSpec:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


def _typed(
    queue_type: QueueType, arguments: dict[str, Any], *, limited: bool = False
) -> dict[str, Any]:
    """`arguments` for a queue of `queue_type`.

    Quorum queues dead-letter at least once (the broker keeps a message until
    its dead-letter target confirmed it), which needs `reject-publish`
    overflow; no length limit is set, so nothing is ever rejected for it.
    """
    if queue_type == "classic":
        return dict(arguments)
    typed: dict[str, Any] = {"x-queue-type": "quorum", **arguments}
    if limited:
        typed["x-delivery-limit"] = DELIVERY_LIMIT
    if "x-dead-letter-exchange" in arguments:
        typed["x-dead-letter-strategy"] = "at-least-once"
        typed["x-overflow"] = "reject-publish"
    return typed


def core_queues(queue_type: QueueType = "quorum") -> list[QueueSpec]:
    """The queues the ingest owns, in declaration order."""
    to_dead_letters = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": DEAD_LETTER_QUEUE}
    queues = [
        # Only a quorum queue counts deliveries; a classic ingest queue has no
        # limit and so no reason to dead-letter.
        QueueSpec(
            INGEST_QUEUE,
            _typed(queue_type, to_dead_letters, limited=True) if queue_type == "quorum" else {},
        ),
        QueueSpec(DEAD_LETTER_QUEUE, _typed(queue_type, {})),
    ]
    for seconds in RETRY_STEPS_SECONDS:
        back_to_ingest = {
            "x-message-ttl": seconds * 1000,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": INGEST_QUEUE,
        }
        queues.append(QueueSpec(retry_queue(seconds), _typed(queue_type, back_to_ingest)))
    return queues


def worker_queues(queue_name: str, queue_type: QueueType = "quorum") -> list[QueueSpec]:
    """A dramatiq queue with its delay (.DQ) and dead (.XQ) queues, with dramatiq's
    own arguments (the dead-letter routing to `.XQ`, the dead-message TTL)."""
    xq = f"{queue_name}.XQ"
    to_xq = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": xq}
    return [
        QueueSpec(queue_name, _typed(queue_type, to_xq, limited=True)),
        # Delayed messages are only held by a worker, never worked on, until due.
        QueueSpec(f"{queue_name}.DQ", _typed(queue_type, to_xq)),
        QueueSpec(xq, _typed(queue_type, {"x-message-ttl": DRAMATIQ_DEAD_MESSAGE_TTL_MS})),
    ]


class QueueTypeMismatch(RuntimeError):
    """A queue exists with other arguments than this installation declares."""


def mismatch_message(queue: str, queue_type: QueueType, broker_says: str) -> str:
    other: QueueType = "classic" if queue_type == "quorum" else "quorum"
    return (
        f"queue {queue} exists with other arguments than AFTERSALE_QUEUE_TYPE={queue_type} "
        f"declares (the broker: {broker_says}); move it with "
        f"`aftersale topology migrate --to {queue_type}` while aftersale is stopped, "
        f"or set AFTERSALE_QUEUE_TYPE={other} if the installation is still on {other} queues"
    )


def declare_queue(channel: BlockingChannel, spec: QueueSpec, queue_type: QueueType) -> None:
    """Declare one queue; a queue of another type or arguments raises
    :class:`QueueTypeMismatch` with what to do (the channel is closed by then)."""
    try:
        channel.queue_declare(spec.name, durable=True, arguments=spec.arguments or None)
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 406:  # PRECONDITION_FAILED: inequivalent arguments
            raise QueueTypeMismatch(
                mismatch_message(spec.name, queue_type, exc.reply_text)
            ) from exc
        raise


def declare(
    channel: BlockingChannel,
    worker_queue_names: tuple[str, ...] = (),
    queue_type: QueueType = "quorum",
) -> None:
    """Declare everything (idempotent: same names, same arguments)."""
    channel.exchange_declare(EVENTS_EXCHANGE, exchange_type="topic", durable=True)
    for spec in core_queues(queue_type):
        declare_queue(channel, spec, queue_type)
    channel.queue_bind(INGEST_QUEUE, EVENTS_EXCHANGE, routing_key="#")
    for name in worker_queue_names:
        for spec in worker_queues(name, queue_type):
            declare_queue(channel, spec, queue_type)


def definitions(
    vhost: str = "/",
    worker_queue_names: tuple[str, ...] = (),
    queue_type: QueueType = "quorum",
) -> dict[str, Any]:
    """The topology in RabbitMQ's definitions format (management import / load_definitions)."""
    specs = core_queues(queue_type) + [
        s for name in worker_queue_names for s in worker_queues(name, queue_type)
    ]
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
