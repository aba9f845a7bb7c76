"""What every worker's actors share: their dependencies and their registration."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import dramatiq
import structlog
from sqlalchemy.orm import Session, sessionmaker

from events import EnvelopeBase
from services.domain.effects import (
    CancelTimer,
    Effect,
    OpenTicket,
    RaiseLevel,
    ScheduleTimer,
    SetSlaClock,
)
from services.domain.views import World
from services.runtime.errors import describe_failure
from services.runtime.event_batch import Dispatched, Handled, Plan, handle_batch
from services.runtime.outbox import OutboxContext, prepare_messages
from services.runtime.policies import Policies
from services.runtime.rendering import Renderer
from services.runtime.routing import event_types_of
from services.runtime.settings import secret_key
from services.runtime.state_changes import apply_state_changes
from services.runtime.store import state, timers
from services.runtime.store.engine import read_session_factory
from services.runtime.store.models import EventRecord, Timer
from services.runtime.store.notifications import NewNotifications
from services.runtime.worker_failures import OUTAGES
from services.runtime.workers import (
    DISPATCH_NAMESPACE,
    ActorRef,
    WorkerContext,
    actor_message,
    make_actor,
)

#: A worker's reaction to a recorded event: pure, (event, world, now, policies) → effects.
Reaction = Callable[[EnvelopeBase, World, datetime, Policies], list[Effect]]
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


def handle_recorded_events(
    context: WorkerContext, worker: str, dispatched: Sequence[Dispatched], react: Reaction
) -> Handled:
    """React to recorded events: decide and render from a snapshot, then write
    the effects with the worker's receipts in one transaction (see `event_batch`).

    A redelivered batch finds its receipts and does nothing.
    """
    log = structlog.get_logger(f"aftersale.{worker}")
    now = context.clock()
    contexts: dict[str, OutboxContext] = {}

    def outbox(shop_id: str) -> OutboxContext:
        found = contexts.get(shop_id)
        if found is None:
            found = contexts[shop_id] = outbox_for(context, shop_id, now)
        return found

    def plan(record: EventRecord, event: EnvelopeBase, world: World) -> Plan:
        effects = react(event, world, now, context.policies.for_shop(record.shop_id))
        messages = NewNotifications()
        prepare_messages(effects, world.customer, outbox(record.shop_id), messages)
        log.debug("event decided", event_id=record.event_id, shop_id=record.shop_id,
                  type=record.type, effects=len(effects))  # fmt: skip
        return Plan(record, effects, world.customer, messages)

    def prepare(session: Session, plans: Sequence[Plan]) -> None:
        timers.prefetch(session, (
            (p.record.shop_id, effect.kind, effect.subject_id)
            for p in plans for effect in p.effects
            if isinstance(effect, ScheduleTimer)
            or (isinstance(effect, CancelTimer) and not effect.prefix)
        ))  # fmt: skip
        state.prefetch_tickets(session, (
            (p.record.shop_id, effect.ticket_id)
            for p in plans for effect in p.effects
            if isinstance(effect, SetSlaClock | RaiseLevel | OpenTicket)
        ))  # fmt: skip

    def apply(session: Session, chosen: Plan) -> None:
        apply_state_changes(session, chosen.effects, chosen.customer,
                            outbox(chosen.record.shop_id))  # fmt: skip

    result = handle_batch(
        reading_sessions(context),
        context.sessions,
        worker=worker,
        dispatched=dispatched,
        event_types=event_types_of(worker),
        now=now,
        plan=plan,
        apply=apply,
        prepare=prepare,
    )
    log.info("events handled", handled=result.handled, skipped=result.skipped,
             earlier=result.earlier, effects=result.effects)  # fmt: skip
    return result


def reading_sessions(context: WorkerContext) -> sessionmaker[Session]:
    """Read-only sessions on the worker's store (made once per context)."""
    found = context.extras.get("read_sessions")
    if found is None:
        bind = context.sessions.kw["bind"]
        found = context.extras["read_sessions"] = read_session_factory(bind)
    return found


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
    reaction: Callable[[WorkerContext], Reaction] | None = None,
    on_timer: TimerHandler | None = None,
) -> None:
    """Actors `<name>.on_events([[shop_id, event_id, type], …])` (a batch from the
    ingest), `<name>.on_event(shop_id, event_id, type)` (one event: a batch split
    up, an older dispatch) and `<name>.on_timer(id, version)`."""
    context.extras.setdefault("renderer", Renderer(context.settings.templates_dir))
    context.extras.setdefault("secret_key", secret_key(context.settings))
    if reaction is not None:
        react = reaction(context)

        def events_actor(batch: list[list[str]]) -> None:
            dispatched = [Dispatched(*item) for item in batch]
            try:
                handle_recorded_events(context, name, dispatched, react)
            except OUTAGES:
                raise
            except Exception as exc:
                if len(dispatched) == 1:
                    raise
                split_batch(broker, name, queue, dispatched, exc, context.clock())

        def event_actor(shop_id: str, event_id: str, event_type: str) -> None:
            handle_recorded_events(context, name, [Dispatched(shop_id, event_id, event_type)],
                                   react)  # fmt: skip

        make_actor(broker, events_actor, actor_name=f"{name}.on_events", queue_name=queue)
        make_actor(broker, event_actor, actor_name=f"{name}.on_event", queue_name=queue)
    if on_timer is not None:
        handle_timer = on_timer

        def timer_actor(timer_id: int, version: int) -> None:
            handle_timer(context, timer_id, version)

        make_actor(broker, timer_actor, actor_name=f"{name}.on_timer", queue_name=queue)


def split_batch(
    broker: dramatiq.Broker,
    worker: str,
    queue: str,
    dispatched: Sequence[Dispatched],
    error: Exception,
    now: datetime,
) -> None:
    """A batch failed for a reason retrying may not cure: send each event on as
    a message of its own (confirmed), so one bad event holds up no other and
    ends alone in the dead letters. A crash before the ack redelivers the
    batch; the single messages then find their receipts."""
    structlog.get_logger(f"aftersale.{worker}").warning(
        "batch failed; handling its events one by one",
        events=len(dispatched),
        error=describe_failure(error),
    )
    ref = ActorRef(queue, f"{worker}.on_event")
    for item in dispatched:
        args = (item.shop_id, item.event_id, item.type)
        broker.enqueue(actor_message(ref, args, DISPATCH_NAMESPACE, int(now.timestamp() * 1000)))
