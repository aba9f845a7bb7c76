"""Dead letters on the broker: read without consuming, replay with confirms, purge.

Reading takes every message of a queue with `basic_get` and manual acks and
holds it unacked; closing the channel (or the process dying, which closes the
connection) hands each one not acked back to its queue. Nothing is removed
except by an explicit ack, and a replayed dead letter is acked only after the
broker confirmed its re-publish: at worst (a connection lost between the two)
a message is both replayed and still dead-lettered, never lost. The ingest
recognises a repeated event by its key; workers a repeated dramatiq message by
its id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from services.operator.dlq_messages import DeadLetter, replay_of
from services.runtime.amqp import connect
from services.runtime.routing import SUBSCRIPTIONS, worker_queue_names
from services.runtime.topology import DEAD_LETTER_QUEUE

Which = Literal["all", "events", "workers"]


@contextmanager
def _quiet_pika() -> Iterator[None]:
    logger = logging.getLogger("pika.channel")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class UnknownDeadLetter(LookupError):
    """No dead letter has this id."""


def source_queues(which: Which = "all") -> tuple[str, ...]:
    """The dead-letter queues: the ingest's, and each worker queue's `.XQ`."""
    events = (DEAD_LETTER_QUEUE,)
    workers = tuple(f"{name}.XQ" for name in worker_queue_names(SUBSCRIPTIONS))
    return {"events": events, "workers": workers, "all": events + workers}[which]


class HeldDeadLetters:
    """A connection that holds dead letters unacked until it closes."""

    def __init__(self, url: str, queues: Iterable[str]) -> None:
        self.queues = tuple(queues)
        self.connection = connect(url, name="aftersale-dlq")
        self._reader: BlockingChannel = self.connection.channel()
        self._probe: BlockingChannel | None = None
        self._publisher: BlockingChannel | None = None

    def __enter__(self) -> HeldDeadLetters:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Give back every message not acked (closing the channel requeues them)."""
        if self.connection.is_open:
            if self._reader.is_open:
                self._reader.basic_nack(delivery_tag=0, multiple=True, requeue=True)
            self.connection.close()

    def depth(self, queue: str) -> int | None:
        """Ready messages in `queue`, or None when it does not exist."""
        if self._probe is None or not self._probe.is_open:
            self._probe = self.connection.channel()
        try:
            with _quiet_pika():  # a missing queue is an answer here, not a warning
                frame = self._probe.queue_declare(queue, passive=True)
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code == 404:
                return None
            raise
        return int(frame.method.message_count)

    def existing(self) -> list[str]:
        return [queue for queue in self.queues if self.depth(queue) is not None]

    def take_all(self) -> list[DeadLetter]:
        """Every message waiting now, in queue order, held unacked."""
        taken: list[DeadLetter] = []
        for queue in self.queues:
            waiting = self.depth(queue)
            # Bounded by what waits now: a replayed message coming back is not taken twice.
            for _ in range(waiting or 0):
                method, properties, body = self._reader.basic_get(queue, auto_ack=False)
                if method is None:
                    break
                taken.append(DeadLetter(queue, method.delivery_tag, method.routing_key,
                                        properties, body))  # fmt: skip
        return taken

    def find(self, dead_letter_id: str) -> DeadLetter:
        for dead in self.take_all():
            if dead.id == dead_letter_id:
                return dead
        where = ", ".join(self.existing()) or "any queue"
        raise UnknownDeadLetter(
            f"no dead letter with id {dead_letter_id!r} in {where} (see `aftersale dlq list`)"
        )

    def replay(self, dead: DeadLetter) -> None:
        """Re-publish with a confirm, then remove the dead letter; raises if not confirmed."""
        message = replay_of(dead)
        if self._publisher is None or not self._publisher.is_open:
            self._publisher = self.connection.channel()
            self._publisher.confirm_delivery()
        self._publisher.basic_publish(
            message.exchange,
            message.routing_key,
            message.body,
            properties=message.properties,
            mandatory=True,
        )
        self._reader.basic_ack(dead.tag)

    def purge(self) -> dict[str, int]:
        """Delete every waiting message; how many per queue."""
        purged: dict[str, int] = {}
        for queue in self.existing():
            if self._probe is None or not self._probe.is_open:
                self._probe = self.connection.channel()
            purged[queue] = int(self._probe.queue_purge(queue).method.message_count)
        return purged


@dataclass
class ReplayReport:
    replayed: list[dict[str, Any]]
    failed: list[dict[str, Any]]


def list_dead_letters(url: str, which: Which = "all") -> list[dict[str, Any]]:
    with HeldDeadLetters(url, source_queues(which)) as held:
        return [dead.summary() for dead in held.take_all()]


def show_dead_letter(url: str, dead_letter_id: str, which: Which = "all") -> dict[str, Any]:
    with HeldDeadLetters(url, source_queues(which)) as held:
        return held.find(dead_letter_id).details()


def replay_dead_letters(url: str, dead_letter_id: str | None, which: Which = "all") -> ReplayReport:
    """Replay one dead letter by id, or every one (`dead_letter_id` None)."""
    report = ReplayReport([], [])
    with HeldDeadLetters(url, source_queues(which)) as held:
        chosen = [held.find(dead_letter_id)] if dead_letter_id else held.take_all()
        for dead in chosen:
            summary = dead.summary()
            try:
                held.replay(dead)
            except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as exc:
                report.failed.append({**summary, "problem": _problem(exc)})
            except pika.exceptions.ChannelClosedByBroker as exc:  # e.g. no such exchange
                report.failed.append({**summary, "problem": exc.reply_text})
            except ValueError as exc:  # not something we know how to send back
                report.failed.append({**summary, "problem": str(exc)})
            else:
                report.replayed.append(summary)
    return report


def _problem(exc: pika.exceptions.AMQPError) -> str:
    if isinstance(exc, pika.exceptions.UnroutableError):
        return "the broker could not route it (is the topology declared?)"
    return "the broker refused it (nack)"


def purge_dead_letters(url: str, which: Which = "all") -> dict[str, int]:
    with HeldDeadLetters(url, source_queues(which)) as held:
        return held.purge()
