"""The notifier's actors: load, decide, commit. Nothing else happens here."""

from __future__ import annotations

import dramatiq
import structlog

from services.notifier import decide
from services.runtime.actor_kit import outbox_for, register_worker
from services.runtime.eventlog_reader import load_event
from services.runtime.outbox import apply_effects, masked_customer
from services.runtime.receipts import already_handled, mark_handled
from services.runtime.store.models import Timer
from services.runtime.workers import WorkerContext
from services.runtime.world import load_world

QUEUE = "aftersale.notifier"
WORKER = "notifier"
log = structlog.get_logger("aftersale.notifier")


def handle_event(context: WorkerContext, shop_id: str, event_id: str) -> None:
    with structlog.contextvars.bound_contextvars(event_id=event_id, shop_id=shop_id):
        with context.sessions.begin() as session:
            if already_handled(session, WORKER, shop_id, event_id):
                log.info("already handled")
                return
            record, event = load_event(session, shop_id, event_id)
            world = load_world(
                session,
                shop_id,
                order_id=record.order_id,
                ticket_id=record.ticket_id,
                return_id=getattr(getattr(event, "data", None), "return_id", None),
            )
            now = context.clock()
            effects = decide.on_event(event, world, now, context.policies.for_shop(shop_id))
            apply_effects(session, effects, world.customer, outbox_for(context, shop_id, now))
            mark_handled(session, WORKER, shop_id, event_id, now)
        log.info("event handled", type=event.type, effects=len(effects))


def handle_timer(context: WorkerContext, timer_id: int, version: int) -> None:
    with context.sessions.begin() as session:
        timer = session.get(Timer, timer_id)
        if timer is None or timer.version != version or timer.state == "cancelled":
            log.info("stale timer ignored", timer_id=timer_id, version=version)
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
        on_event=handle_event,
        on_timer=handle_timer,
    )
