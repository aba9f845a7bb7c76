"""The notifier's actors: load, decide, commit. Nothing else happens here."""

from __future__ import annotations

import dramatiq
import structlog

from services.notifier import decide
from services.runtime.actor_kit import (
    live_timer,
    outbox_for,
    register_worker,
)
from services.runtime.outbox import masked_customer
from services.runtime.state_changes import apply_effects
from services.runtime.workers import WorkerContext
from services.runtime.world import load_world

QUEUE = "aftersale.notifier"
WORKER = "notifier"
log = structlog.get_logger("aftersale.notifier")


def handle_timer(context: WorkerContext, timer_id: int, version: int) -> None:
    with context.sessions.begin() as session:
        timer = live_timer(session, timer_id, version)
        if timer is None:
            return
        now = context.clock()
        world = load_world(session, timer.shop_id, order_id=timer.subject_id)
        policies = context.policies.for_shop(timer.shop_id)
        effects = decide.on_delivery_overdue(
            world,
            timer_id=timer_id,
            version=version,
            estimate=(timer.payload or {}).get("estimate", ""),
            now=now,
            policies=policies,
            customer_label=masked_customer(world.customer),
        )
        apply_effects(session, effects, world.customer, outbox_for(context, timer.shop_id, now))
    log.info("timer handled", kind=timer.kind, timer_id=timer_id, effects=len(effects))


def register(broker: dramatiq.Broker, context: WorkerContext) -> None:
    """Create the notifier worker's actors on `broker`, bound to `context`."""
    register_worker(
        broker,
        context,
        name=WORKER,
        queue=QUEUE,
        reaction=lambda _context: decide.on_event,
        on_timer=handle_timer,
    )
