"""What every worker's actors share: their dependencies and their registration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import dramatiq
import structlog
from sqlalchemy.orm import Session

from events import EnvelopeBase
from services.runtime.effects import Effect
from services.runtime.eventlog_reader import load_event
from services.runtime.outbox import OutboxContext, apply_effects
from services.runtime.policies import Policies
from services.runtime.receipts import already_handled, mark_handled
from services.runtime.rendering import Renderer
from services.runtime.settings import secret_key
from services.runtime.store.models import Timer
from services.runtime.views import World
from services.runtime.workers import WorkerContext, make_actor
from services.runtime.world import load_world

#: A worker's reaction to a recorded event: pure, (event, world, now, policies) → effects.
Reaction = Callable[[EnvelopeBase, World, datetime, Policies], list[Effect]]
EventHandler = Callable[[WorkerContext, str, str], None]
TimerHandler = Callable[[WorkerContext, int, int], None]


def outbox_for(context: WorkerContext, shop_id: str, now: datetime) -> OutboxContext:
    return OutboxContext(
        shop_id=shop_id,
        policies=context.policies.for_shop(shop_id),
        renderer=context.extras["renderer"],
        secret_key=context.extras["secret_key"],
        public_url=context.settings.public_url,
        now=now,
        sms_available=bool(context.settings.sms_url),
    )


def handle_recorded_event(
    context: WorkerContext, worker: str, shop_id: str, event_id: str, react: Reaction
) -> None:
    """Load the event and its world, react, commit the effects with the worker's
    receipt: one transaction, and a redelivered dispatch finds the receipt."""
    log = structlog.get_logger(f"aftersale.{worker}")
    with structlog.contextvars.bound_contextvars(event_id=event_id, shop_id=shop_id):
        with context.sessions.begin() as session:
            if already_handled(session, worker, shop_id, event_id):
                log.info("already handled")
                return
            record, event = load_event(session, shop_id, event_id)
            data: Any = getattr(event, "data", None)
            world = load_world(
                session,
                shop_id,
                order_id=record.order_id,
                ticket_id=record.ticket_id,
                return_id=getattr(data, "return_id", None),
                customer_id=getattr(data, "customer_id", None),
            )
            now = context.clock()
            effects = react(event, world, now, context.policies.for_shop(shop_id))
            apply_effects(session, effects, world.customer, outbox_for(context, shop_id, now))
            mark_handled(session, worker, shop_id, event_id, now)
        log.info("event handled", type=event.type, effects=len(effects))


def live_timer(session: Session, timer_id: int, version: int) -> Timer | None:
    """The timer, unless it was cancelled or re-scheduled since this firing."""
    timer = session.get(Timer, timer_id)
    if timer is None or timer.version != version or timer.state == "cancelled":
        structlog.get_logger("aftersale.timers").info(
            "stale timer ignored", timer_id=timer_id, version=version
        )
        return None
    return timer


def register_worker(
    broker: dramatiq.Broker,
    context: WorkerContext,
    *,
    name: str,
    queue: str,
    on_event: EventHandler | None = None,
    on_timer: TimerHandler | None = None,
) -> None:
    """Actors `<name>.on_event(shop_id, event_id, type)` and `<name>.on_timer(id, version)`."""
    context.extras.setdefault("renderer", Renderer(context.settings.templates_dir))
    context.extras.setdefault("secret_key", secret_key(context.settings))
    if on_event is not None:
        handle_event = on_event

        def event_actor(shop_id: str, event_id: str, event_type: str) -> None:
            handle_event(context, shop_id, event_id)

        make_actor(broker, event_actor, actor_name=f"{name}.on_event", queue_name=queue)
    if on_timer is not None:
        handle_timer = on_timer

        def timer_actor(timer_id: int, version: int) -> None:
            handle_timer(context, timer_id, version)

        make_actor(broker, timer_actor, actor_name=f"{name}.on_timer", queue_name=queue)
