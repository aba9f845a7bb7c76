"""The escalator's actors: load, decide, commit."""

from __future__ import annotations

import dramatiq
import structlog

from services.escalator import decide
from services.runtime.actor_kit import (
    live_timer,
    outbox_for,
    register_worker,
)
from services.runtime.outbox import masked_customer
from services.runtime.state_changes import apply_effects
from services.runtime.workers import WorkerContext
from services.runtime.world import load_world

QUEUE = "aftersale.escalator"
WORKER = "escalator"
log = structlog.get_logger("aftersale.escalator")


def handle_timer(context: WorkerContext, timer_id: int, version: int) -> None:
    with context.sessions.begin() as session:
        timer = live_timer(session, timer_id, version)
        if timer is None:
            return
        payload = dict(timer.payload or {})
        on_ticket = timer.kind.startswith(("sla_", "callback_"))
        # Ids may themselves contain "#": take them from the payload.
        subject = payload.get("ticket_id" if on_ticket else "return_id") or timer.subject_id
        world = load_world(
            session,
            timer.shop_id,
            ticket_id=subject if on_ticket else None,
            return_id=None if on_ticket else subject,
        )
        now = context.clock()
        effects = decide.on_timer(
            timer.kind,
            timer.subject_id,
            payload,
            f"timer:{timer_id}:{version}",
            world,
            now,
            context.policies.for_shop(timer.shop_id),
            masked_customer(world.customer),
        )
        apply_effects(session, effects, world.customer, outbox_for(context, timer.shop_id, now))
    log.info("timer handled", kind=timer.kind, timer_id=timer_id, effects=len(effects))


def register(broker: dramatiq.Broker, context: WorkerContext) -> None:
    """Create the escalator worker's actors on `broker`, bound to `context`."""
    register_worker(
        broker,
        context,
        name=WORKER,
        queue=QUEUE,
        reaction=lambda _context: decide.on_event,
        on_timer=handle_timer,
    )
