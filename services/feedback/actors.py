"""The feedback worker's actor: load, decide, commit (apology, ticket, alert at once)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

import dramatiq
import structlog

import events as ev
from events import EnvelopeBase
from services.domain.effects import Effect
from services.domain.views import World
from services.feedback import decide
from services.runtime.actor_kit import Reaction, register_worker
from services.runtime.outbox import masked_customer
from services.runtime.policies import Policies
from services.runtime.workers import WorkerContext

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


def reaction(context: WorkerContext) -> Reaction:
    """The feedback reaction, with the key its discount codes are made with."""
    secret = context.extras["secret_key"]

    def react(event: EnvelopeBase, world: World, now: datetime, policies: Policies) -> list[Effect]:
        if not isinstance(event, ev.FeedbackReceived):
            return []
        data = event.data
        code = discount_code(secret, event.shop_id, data.customer_id, data.order_id)
        return decide.on_feedback(
            event.event_id,
            data,
            world,
            now,
            policies,
            discount_code=code,
            customer_label=masked_customer(world.customer),
        )

    return react


def register(broker: dramatiq.Broker, context: WorkerContext) -> None:
    """Create the feedback worker's actors on `broker`, bound to `context`."""
    register_worker(
        broker,
        context,
        name=WORKER,
        queue=QUEUE,
        reaction=reaction,
    )
