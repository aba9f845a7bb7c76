"""Everything the ingest publishes for a batch, in one broker transaction.

dramatiq messages to the workers' queues, dead letters and parked retries go
out together; `tx.commit-ok` arrives only once RabbitMQ has taken all of them
(persisted, for these durable queues), so the batch is confirmed in one round
trip instead of one per message.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import dramatiq
import pika
from pika.adapters.blocking_connection import BlockingChannel

from services.ingest.batch import BatchOutcome, Dispatch
from services.ingest.delivery import (
    ATTEMPT,
    DEAD_LETTER_ID,
    DEAD_LETTERED_AT,
    ERROR,
    ERROR_CODE,
    FIRST_SEEN,
)
from services.runtime.routing import ActorRef, Subscriptions
from services.runtime.topology import DEAD_LETTER_QUEUE, retry_queue
from services.runtime.workers import DISPATCH_NAMESPACE, actor_message


class UnroutableDispatch(RuntimeError):
    """The broker returned a message: a queue is missing; nothing was acked."""


def dispatch_message(dispatch: Dispatch, ref: ActorRef, now: datetime) -> dramatiq.Message[Any]:
    args = (dispatch.shop_id, dispatch.event_id, dispatch.type)
    return actor_message(ref, args, DISPATCH_NAMESPACE, int(now.timestamp() * 1000))


def dispatch_messages(
    dispatches: Sequence[Dispatch], subscriptions: Subscriptions, now: datetime
) -> list[tuple[ActorRef, dramatiq.Message[Any]]]:
    """The messages that hand `dispatches` to their actors: one per batch actor
    with every event for it (in log order), one per event for any other actor."""
    batches: dict[ActorRef, list[list[str]]] = {}
    messages: list[tuple[ActorRef, dramatiq.Message[Any]]] = []
    for dispatch in dispatches:
        for ref in subscriptions.get(dispatch.type, ()):
            if ref.batch:
                batches.setdefault(ref, []).append(
                    [dispatch.shop_id, dispatch.event_id, dispatch.type]
                )
            else:
                messages.append((ref, dispatch_message(dispatch, ref, now)))
    stamp = int(now.timestamp() * 1000)
    for ref, items in batches.items():
        # The id is derived from the events, so a resend after a crash has the same.
        messages.append((ref, actor_message(ref, (items,), DISPATCH_NAMESPACE, stamp)))
    return messages


class BatchPublisher:
    """Publishes a batch's messages on one channel in transaction mode."""

    def __init__(self, channel: BlockingChannel) -> None:
        self.channel = channel
        self._returned: list[str] = []
        channel.tx_select()
        channel.add_on_return_callback(self._on_return)

    def _fast_channel(self) -> Any:
        """The channel under pika's blocking wrapper: publishing there skips a
        socket flush per message; `tx_commit` below flushes the batch at once."""
        return getattr(self.channel, "_impl", self.channel)

    def _on_return(self, _ch: Any, method: Any, _props: Any, _body: bytes) -> None:
        self._returned.append(f"{method.routing_key} ({method.reply_text})")

    def publish(self, outcome: BatchOutcome, subscriptions: Subscriptions, now: datetime) -> int:
        """Publish and commit; the number of messages published.

        Raises :class:`UnroutableDispatch` when the broker returned any message
        (a queue is missing), so the caller neither marks nor acks the batch.
        """
        self._returned.clear()
        channel, published = self._fast_channel(), 0
        for ref, message in dispatch_messages(outcome.dispatches, subscriptions, now):
            channel.basic_publish(
                exchange="",
                routing_key=ref.queue,
                body=message.encode(),
                properties=pika.BasicProperties(delivery_mode=2),
                mandatory=True,
            )
            published += 1
        stamp = now.isoformat()
        for dead in outcome.dead_letters:
            channel.basic_publish(
                exchange="",
                routing_key=DEAD_LETTER_QUEUE,
                body=dead.delivery.body,
                properties=dead.delivery.onward_properties(
                    **{
                        ERROR: dead.reason,
                        ERROR_CODE: dead.code,
                        DEAD_LETTERED_AT: stamp,
                        DEAD_LETTER_ID: uuid.uuid4().hex[:12],
                    }
                ),
                mandatory=True,
            )
            published += 1
        for retry in outcome.retries:
            channel.basic_publish(
                exchange="",
                routing_key=retry_queue(retry.step_seconds),
                body=retry.delivery.body,
                properties=retry.delivery.onward_properties(
                    **{FIRST_SEEN: retry.first_seen.isoformat(), ATTEMPT: retry.attempt}
                ),
                mandatory=True,
            )
            published += 1
        if published:
            self.channel.tx_commit()
            # basic.return frames come before commit-ok; let pika hand them over.
            self.channel.connection.process_data_events(time_limit=0)
        if self._returned:
            raise UnroutableDispatch("broker returned: " + ", ".join(self._returned[:5]))
        return published
