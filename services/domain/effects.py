"""What a worker's decision asks for. Pure data; `state_changes.apply_effects` carries it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class NotifyCustomer:
    """A message to the customer; `source` (an event id, or a timer firing) makes
    the idempotency key together with the kind and the recipient."""

    kind: str
    source: str
    context: dict[str, Any]
    order_id: str | None = None
    ticket_id: str | None = None
    #: Set when the rules say not to send: the row is kept, with this reason.
    suppress: str | None = None


@dataclass(frozen=True)
class AlertStaff:
    """A staff alert to every target of escalation level `level`."""

    kind: str
    source: str
    level: int
    context: dict[str, Any]
    order_id: str | None = None
    ticket_id: str | None = None


@dataclass(frozen=True)
class ScheduleTimer:
    kind: str
    subject_id: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CancelTimer:
    """Cancel the timer (kind, subject); with `prefix`, every subject starting so."""

    kind: str
    subject_id: str
    prefix: bool = False


@dataclass(frozen=True)
class SetSlaClock:
    """Record a ticket's running SLA clock (None clears it) and the alert level."""

    ticket_id: str
    reply_due_at: datetime | None
    hard_due_at: datetime | None
    level: int = 0
    first_reply_due_at: datetime | None = None


@dataclass(frozen=True)
class RaiseLevel:
    """Note that a ticket's alerts reached `level`."""

    ticket_id: str
    level: int


@dataclass(frozen=True)
class OpenTicket:
    """A ticket for a person, opened by aftersale itself (e.g. after bad feedback)."""

    ticket_id: str
    channel: str
    priority: str
    subject: str
    order_id: str | None
    opened_at: datetime


Effect = (
    NotifyCustomer
    | AlertStaff
    | ScheduleTimer
    | CancelTimer
    | SetSlaClock
    | RaiseLevel
    | OpenTicket
)
