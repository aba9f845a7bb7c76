"""The check-ins worker's actors: load, decide, commit."""

from __future__ import annotations

import dramatiq
import structlog
from sqlalchemy import select

from services.checkins import decide
from services.checkins.facts import checkin_facts, csat_links
from services.runtime.actor_kit import (
    live_timer,
    outbox_for,
    register_worker,
)
from services.runtime.state_changes import apply_effects
from services.runtime.store import state
from services.runtime.store.models import Customer
from services.runtime.workers import WorkerContext
from services.runtime.world import load_world

QUEUE = "aftersale.checkins"
WORKER = "checkins"
log = structlog.get_logger("aftersale.checkins")


def handle_timer(context: WorkerContext, timer_id: int, version: int) -> None:
    with context.sessions.begin() as session:
        timer = live_timer(session, timer_id, version)
        if timer is None:
            return
        order = state.order(session, timer.shop_id, timer.subject_id)
        if order is None:
            return
        # One check-in decision per customer at a time (PostgreSQL row lock;
        # SQLite's single writer already serialises): min_interval holds even
        # when two of the customer's check-ins fire together.
        session.execute(
            select(Customer.id).where(Customer.id == order.customer_pk).with_for_update()
        )
        now = context.clock()
        world = load_world(session, timer.shop_id, order_id=order.order_id)
        links = csat_links(
            context.extras["secret_key"],
            context.settings.public_url,
            timer.shop_id,
            order.customer.customer_id,
            order.order_id,
            now,
        )
        facts = checkin_facts(session, order, now, links)
        policies = context.policies.for_shop(timer.shop_id)
        effects = decide.on_due(world, facts, now, policies)
        apply_effects(session, effects, world.customer, outbox_for(context, timer.shop_id, now))
    log.info("check-in due", order_id=timer.subject_id, effects=[type(e).__name__ for e in effects])


def register(broker: dramatiq.Broker, context: WorkerContext) -> None:
    """Create the checkins worker's actors on `broker`, bound to `context`."""
    register_worker(
        broker,
        context,
        name=WORKER,
        queue=QUEUE,
        reaction=lambda _context: decide.on_event,
        on_timer=handle_timer,
    )
