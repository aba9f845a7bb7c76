"""What every worker's actors share: their dependencies and their registration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import dramatiq

from services.runtime.outbox import OutboxContext
from services.runtime.rendering import Renderer
from services.runtime.settings import secret_key
from services.runtime.workers import WorkerContext, make_actor

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
