"""Which actor handles which kind of timer: the one table to read."""

from __future__ import annotations

from collections.abc import Mapping

from services.runtime.workers import ActorRef

NOTIFIER_TIMERS = ActorRef("aftersale.notifier", "notifier.on_timer")
ESCALATOR_TIMERS = ActorRef("aftersale.escalator", "escalator.on_timer")
CHECKIN_TIMERS = ActorRef("aftersale.checkins", "checkins.on_timer")

#: timer kind → the actor that acts when it fires, with (timer_id, version).
TIMER_ROUTES: Mapping[str, ActorRef] = {
    "delivery_overdue": NOTIFIER_TIMERS,
    "sla_warning": ESCALATOR_TIMERS,
    "sla_breach": ESCALATOR_TIMERS,
    "sla_reminder": ESCALATOR_TIMERS,
    "callback_overdue": ESCALATOR_TIMERS,
    "complaint_deadline": ESCALATOR_TIMERS,
    "refund_deadline": ESCALATOR_TIMERS,
    "checkin": CHECKIN_TIMERS,
}
