"""What every dramatiq worker gets: the broker, the store, the policies, the clock.

Workers build their actors in a `register(broker, context)` function instead
of at import time, so importing a worker module connects to nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage
from sqlalchemy.orm import Session, sessionmaker

from services.metrics.workers import prometheus_middleware
from services.runtime.clock import Clock, utcnow
from services.runtime.dramatiq_broker import TopologyBroker
from services.runtime.policies import PolicyBook
from services.runtime.settings import Settings
from services.runtime.worker_failures import guarded, retry_when

#: dramatiq's back-off between retries (see `worker_failures` for which errors
#: are retried at all).
MIN_BACKOFF_MS = 500
MAX_BACKOFF_MS = 5 * 60_000


@dataclass(frozen=True)
class ActorRef:
    """An actor named by its queue and name only: senders never import workers.

    A `batch` actor takes the events of one ingest batch in one message,
    `([[shop_id, event_id, type], …],)`; any other takes `(shop_id, event_id, type)`.
    """

    queue: str
    actor: str
    batch: bool = False


@dataclass
class WorkerContext:
    """The dependencies of every actor, made once per process."""

    settings: Settings
    sessions: sessionmaker[Session]
    policies: PolicyBook
    clock: Clock = utcnow
    extras: dict[str, Any] = field(default_factory=dict)


def build_broker(settings: Settings) -> TopologyBroker:
    """dramatiq's RabbitMQ broker for `settings.amqp_url` (connects lazily; one or
    several nodes), declaring queues of `settings.queue_type`, with dramatiq's
    Prometheus middleware (multi-process; see `services.metrics.workers`)."""
    broker = TopologyBroker(
        settings.amqp_url, queue_type=settings.queue_type, confirm_delivery=True
    )
    broker.add_middleware(CurrentMessage())  # failed messages are dead-lettered by `guarded`
    broker.add_middleware(prometheus_middleware(broker))
    return broker


def make_actor(
    broker: dramatiq.Broker,
    fn: Callable[..., Any],
    *,
    actor_name: str,
    queue_name: str,
    **options: Any,
) -> dramatiq.Actor[Any, Any]:
    options = {
        "retry_when": retry_when,
        "min_backoff": MIN_BACKOFF_MS,
        "max_backoff": MAX_BACKOFF_MS,
        **options,
    }
    invalid = set(options) - set(broker.actor_options)
    if invalid:
        raise ValueError(f"unknown actor options {sorted(invalid)}")
    return dramatiq.Actor(
        guarded(broker, fn, actor_name),
        broker=broker,
        actor_name=actor_name,
        queue_name=queue_name,
        priority=0,
        options=options,
    )


#: Namespaces of message ids: one id per (actor, shop, event) for dispatches and
#: per (actor, timer, version) for timer firings, so a message sent again after a
#: crash carries the same id and a worker can recognise it.
DISPATCH_NAMESPACE = uuid.UUID("5b0f6f3e-2c55-4d0e-9a53-6a1f1b0e8a11")
TIMER_NAMESPACE = uuid.UUID("9d3c1f0e-7a43-4c55-8f0a-3e0b8f2f6a21")


def actor_message(
    ref: ActorRef, args: tuple[Any, ...], namespace: uuid.UUID, now_ms: int
) -> dramatiq.Message[Any]:
    """A dramatiq message for `ref` whose id is derived from the actor and `args`."""
    seed = "\x1f".join(str(part) for part in (ref.actor, *args))
    return dramatiq.Message(
        queue_name=ref.queue,
        actor_name=ref.actor,
        args=args,
        kwargs={},
        options={},
        message_id=str(uuid.uuid5(namespace, seed)),
        message_timestamp=now_ms,
    )


def timer_message(
    queue: str, actor: str, timer_id: int, version: int, now_ms: int
) -> dramatiq.Message[Any]:
    return actor_message(ActorRef(queue, actor), (timer_id, version), TIMER_NAMESPACE, now_ms)
