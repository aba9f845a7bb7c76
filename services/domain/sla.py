"""A ticket's SLA clock from the policy: warning, target, hard limit. Pure.

Shared by the escalator (tickets from shops) and the feedback worker (tickets
it opens for unhappy customers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.domain.business_hours import add_business_time
from services.domain.effects import CancelTimer, Effect, ScheduleTimer, SetSlaClock
from services.domain.policy_models import Policies


@dataclass(frozen=True)
class SlaClock:
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    hard_at: datetime
    #: The policy key that set the target, named in every alert.
    policy: str


def sla_policy_key(channel: str, priority: str, policies: Policies) -> str:
    channel_policy = getattr(policies.sla, channel)
    if getattr(channel_policy, priority, None) is not None:
        return f"sla.{channel}.{priority}.first_response"
    return f"sla.{channel}.first_response"


def sla_clock(started_at: datetime, channel: str, priority: str, policies: Policies) -> SlaClock:
    """Targets counted in business time when business hours are on."""
    target = policies.sla_for(channel, priority)
    hours = policies.business_hours
    warn_after = max(target.first_response - target.warn_before, timedelta(0))
    return SlaClock(
        started_at=started_at,
        warn_at=add_business_time(started_at, warn_after, hours),
        due_at=add_business_time(started_at, target.first_response, hours),
        hard_at=add_business_time(started_at, target.hard_limit, hours),
        policy=sla_policy_key(channel, priority, policies),
    )


#: ``sla_breach`` timers are one per ticket and level: subject ``<ticket>#1`` at the
#: target (level 1), ``<ticket>#2`` at the hard limit (level 2).
BREACH_LEVELS = (1, 2)


def breach_subject(ticket_id: str, level: int) -> str:
    """The subject of a ticket's ``sla_breach`` timer of ``level``."""
    return f"{ticket_id}#{level}"


def breach_level(subject_id: str) -> int:
    """The level of an ``sla_breach`` timer, from its subject (see :func:`breach_subject`)."""
    return 1 if subject_id.endswith(breach_subject("", 1)) else 2


def stop_clock(ticket_id: str) -> list[Effect]:
    return [
        CancelTimer("sla_warning", ticket_id),
        *(CancelTimer("sla_breach", breach_subject(ticket_id, level)) for level in BREACH_LEVELS),
        CancelTimer("sla_reminder", ticket_id),
        SetSlaClock(ticket_id, None, None, 0),
    ]


def start_clock(ticket_id: str, clock: SlaClock, name: str, first: bool) -> list[Effect]:
    """Timers `sla_warning`, `sla_breach` (`T#1` at the target, `T#2` at the hard
    limit); a running reminder is stopped; the ticket records its targets."""
    payload = {
        "ticket_id": ticket_id,
        "clock": name,
        "started_at": clock.started_at.isoformat(),
        "due_at": clock.due_at.isoformat(),
        "hard_at": clock.hard_at.isoformat(),
        "policy": clock.policy,
    }
    return [
        ScheduleTimer("sla_warning", ticket_id, clock.warn_at, payload),
        ScheduleTimer("sla_breach", breach_subject(ticket_id, 1), clock.due_at, payload),
        ScheduleTimer("sla_breach", breach_subject(ticket_id, 2), clock.hard_at, payload),
        CancelTimer("sla_reminder", ticket_id),
        SetSlaClock(ticket_id, clock.due_at, clock.hard_at, 0, clock.due_at if first else None),
    ]
