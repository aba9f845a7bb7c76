"""Moving an installation's queues to another type (classic ⇄ quorum), messages kept.

RabbitMQ cannot change a queue's type in place: each queue whose arguments
differ from what the installation declares is emptied into a holding queue
`NAME.migrating` of the new type, deleted, declared anew and filled back, in
order, every move confirmed by the broker before the original is acked. While
the ingest queue is being moved, the holding queue is bound to the exchange in
its place, so events published meanwhile are kept too (one published in the
instant both are bound arrives twice; the ingest recognises it by its key).

Run it with aftersale stopped: a queue with consumers is refused. A run that
was interrupted is resumed by running it again: a holding queue with messages
is emptied into its queue first. Messages of the retry queues start their
back-off step again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from services.runtime.amqp import connect
from services.runtime.routing import SUBSCRIPTIONS, worker_queue_names
from services.runtime.topology import (
    EVENTS_EXCHANGE,
    INGEST_QUEUE,
    QueueSpec,
    QueueType,
    core_queues,
    worker_queues,
)

HOLDING_SUFFIX = ".migrating"


class MigrationRefused(RuntimeError):
    """The migration cannot run now; the message says why and what to do."""


@dataclass
class QueueMove:
    queue: str
    moved: int = 0
    #: "moved", "already" (already of the type) or "absent" (declared on the next start)
    outcome: str = "already"


@dataclass
class MigrationReport:
    queue_type: QueueType
    queues: list[QueueMove] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "queue_type": self.queue_type,
            "queues": [
                {"queue": move.queue, "outcome": move.outcome, "messages": move.moved}
                for move in self.queues
            ],
        }


def installation_queues(queue_type: QueueType) -> list[QueueSpec]:
    names = worker_queue_names(SUBSCRIPTIONS)
    return core_queues(queue_type) + [s for n in names for s in worker_queues(n, queue_type)]


class _Mover:
    def __init__(self, connection: BlockingConnection, queue_type: QueueType) -> None:
        self.connection = connection
        self.queue_type = queue_type
        self._channel: BlockingChannel | None = None

    @property
    def channel(self) -> BlockingChannel:
        # A refused declaration closes the channel; the next step takes a new one.
        if self._channel is None or not self._channel.is_open:
            self._channel = self.connection.channel()
            self._channel.confirm_delivery()
        return self._channel

    def renew_channel(self) -> None:
        """Start on a new channel: RabbitMQ 3.10 keeps, per channel, what type a
        queue it used had, and fails a publish to the same name re-declared as
        another type with INTERNAL_ERROR."""
        if self._channel is not None and self._channel.is_open:
            self._channel.close()
        self._channel = None

    def depth(self, name: str) -> tuple[int, int] | None:
        """(messages, consumers) of queue `name`, or None when it does not exist."""
        try:
            frame = self.channel.queue_declare(name, passive=True)
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code == 404:
                return None
            raise
        return frame.method.message_count, frame.method.consumer_count

    def is_declared_as(self, spec: QueueSpec) -> bool:
        try:
            self.channel.queue_declare(spec.name, durable=True, arguments=spec.arguments or None)
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code == 406:
                return False
            raise
        return True

    def holding(self, name: str) -> QueueSpec:
        arguments: dict[str, Any] = (
            {"x-queue-type": "quorum"} if self.queue_type == "quorum" else {}
        )
        return QueueSpec(name + HOLDING_SUFFIX, arguments)

    def move_all(self, source: str, target: str) -> int:
        """Move every message of `source` to `target`, in order; each ack follows
        the broker's confirm of its copy."""
        moved = 0
        while True:
            method, properties, body = self.channel.basic_get(source, auto_ack=False)
            if method is None:
                return moved
            self.channel.basic_publish("", target, body, properties=properties, mandatory=True)
            self.channel.basic_ack(method.delivery_tag)
            moved += 1

    def needs_move(self, spec: QueueSpec) -> QueueMove:
        """Whether `spec` must be moved ("moved" means: yes, not done yet)."""
        move = QueueMove(spec.name)
        current = self.depth(spec.name)
        held = self.depth(self.holding(spec.name).name)
        if current is None and held is None:
            move.outcome = "absent"
        elif held is not None or (current is not None and not self.is_declared_as(spec)):
            move.outcome = "moved"  # an earlier, interrupted run left a holding queue
        return move

    def empty_into_holding(self, spec: QueueSpec) -> None:
        holding = self.holding(spec.name)
        self.channel.queue_declare(holding.name, durable=True, arguments=holding.arguments or None)
        if spec.name == INGEST_QUEUE:  # events published meanwhile wait there
            self.channel.queue_bind(holding.name, EVENTS_EXCHANGE, routing_key="#")
        if self.depth(spec.name) is not None and not self.is_declared_as(spec):
            if spec.name == INGEST_QUEUE:
                self.channel.queue_unbind(spec.name, EVENTS_EXCHANGE, routing_key="#")
            self.move_then_delete(spec.name, holding.name)

    def refill(self, spec: QueueSpec) -> int:
        holding = self.holding(spec.name)
        self.channel.queue_declare(spec.name, durable=True, arguments=spec.arguments or None)
        if spec.name == INGEST_QUEUE:
            self.channel.queue_bind(spec.name, EVENTS_EXCHANGE, routing_key="#")
            self.channel.queue_unbind(holding.name, EVENTS_EXCHANGE, routing_key="#")
        return self.move_then_delete(holding.name, spec.name)

    def move_then_delete(self, source: str, target: str) -> int:
        """Empty `source` into `target` and delete it once a look finds it empty
        (quorum queues refuse `if_empty` deletes)."""
        moved = self.move_all(source, target)
        while (found := self.depth(source)) is not None and found[0]:
            moved += self.move_all(source, target)
        self.channel.queue_delete(source)
        return moved


def migrate_topology(amqp_url: str, queue_type: QueueType) -> MigrationReport:
    """Move every queue of the installation to `queue_type`."""
    report = MigrationReport(queue_type)
    connection = connect(amqp_url, name="aftersale-topology-migrate")
    try:
        mover = _Mover(connection, queue_type)
        mover.channel.exchange_declare(EVENTS_EXCHANGE, exchange_type="topic", durable=True)
        specs = installation_queues(queue_type)
        for spec in specs:  # refuse before moving anything
            found = mover.depth(spec.name)
            if found is not None and found[1]:
                raise MigrationRefused(
                    f"queue {spec.name} has {found[1]} consumer(s): stop aftersale "
                    "(every ingest, worker and scheduler) before moving its queues"
                )
        report.queues = [mover.needs_move(spec) for spec in specs]
        chosen = [
            spec for spec, move in zip(specs, report.queues, strict=True) if move.outcome == "moved"
        ]
        # First every queue into its holding queue, the retry queues before the
        # ingest's (theirs dead-letter into it): nothing is deleted while a
        # message could still be dead-lettered into it.
        for spec in sorted(chosen, key=lambda spec: spec.name == INGEST_QUEUE):
            mover.empty_into_holding(spec)
        mover.renew_channel()
        counts = {spec.name: mover.refill(spec) for spec in chosen}
        for move in report.queues:
            move.moved = counts.get(move.queue, 0)
    finally:
        if connection.is_open:
            connection.close()
    return report
