"""Which dramatiq actors react to which event type: the one table to read.

The ingest sends each recorded event to every actor listed for its type, as a
dramatiq message `(shop_id, event_id, type)` on the actor's queue. Workers
never import each other; this table names them by queue and actor name only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ActorRef:
    queue: str
    actor: str


Subscriptions = Mapping[str, tuple[ActorRef, ...]]

#: event type → actors. Filled in as the workers arrive (notifier, escalator,
#: check-ins, feedback); until then events are recorded and marked dispatched.
SUBSCRIPTIONS: Subscriptions = {}


def worker_queue_names(subscriptions: Subscriptions) -> tuple[str, ...]:
    return tuple(sorted({ref.queue for refs in subscriptions.values() for ref in refs}))
