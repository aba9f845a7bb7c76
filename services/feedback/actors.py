"""The feedback worker's actor: load, decide, commit (apology, ticket, alert at once)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

import dramatiq
import structlog

import events as ev
from services.feedback import decide
from services.runtime.actor_kit import outbox_for, register_worker
from services.runtime.eventlog_reader import load_event
from services.runtime.outbox import apply_effects, masked_customer
from services.runtime.receipts import already_handled, mark_handled
from services.runtime.workers import WorkerContext
from services.runtime.world import load_world

QUEUE = "aftersale.feedback"
WORKER = "feedback"
log = structlog.get_logger("aftersale.feedback")


def discount_code(secret: str, shop_id: str, customer_id: str, order_id: str | None) -> str:
    """One code per customer and order, the same however often it is computed."""
    mac = hmac.new(
        secret.encode(), f"discount\x1f{shop_id}\x1f{customer_id}\x1f{order_id}".encode(),
        hashlib.sha256,
    ).digest()  # fmt: skip
    return "SORRY-" + base64.b32encode(mac).decode()[:10]


def handle_event(context: WorkerContext, shop_id: str, event_id: str) -> None:
    with structlog.contextvars.bound_contextvars(event_id=event_id, shop_id=shop_id):
        with context.sessions.begin() as session:
            if already_handled(session, WORKER, shop_id, event_id):
                return
            _record, event = load_event(session, shop_id, event_id)
            if not isinstance(event, ev.FeedbackReceived):
                return
            data = event.data
            world = load_world(
                session, shop_id, order_id=data.order_id, customer_id=data.customer_id
            )
            now: datetime = context.clock()
            secret = context.extras["secret_key"]
            effects = decide.on_feedback(
                event_id,
                data,
                world,
                now,
                context.policies.for_shop(shop_id),
                discount_code=discount_code(secret, shop_id, data.customer_id, data.order_id),
                customer_label=masked_customer(world.customer),
            )
            outbox = outbox_for(context, shop_id, now)
            apply_effects(session, effects, world.customer, outbox)
            mark_handled(session, WORKER, shop_id, event_id, now)
        log.info("feedback handled", score=data.score, effects=len(effects))


def register(broker: dramatiq.Broker, context: WorkerContext) -> None:
    """Create the feedback worker's actors on `broker`, bound to `context`."""
    register_worker(
        broker,
        context,
        name=WORKER,
        queue=QUEUE,
        on_event=handle_event,
    )
