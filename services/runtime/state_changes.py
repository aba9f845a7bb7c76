"""Carry out a decision's changes of state inside the caller's transaction: timers
scheduled or cancelled, a ticket's clocks and escalation level, a ticket opened.
(The messages among the effects are :mod:`services.runtime.outbox`'s;
:func:`apply_effects` does both.)"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from services.domain import transitions
from services.domain.effects import (
    CancelTimer,
    Effect,
    OpenTicket,
    RaiseLevel,
    ScheduleTimer,
    SetSlaClock,
)
from services.domain.views import CustomerView
from services.runtime.outbox import OutboxContext, prepare_messages
from services.runtime.store import state, timers
from services.runtime.store.models import Ticket
from services.runtime.store.notifications import NewNotifications


def apply_state_changes(
    session: Session, effects: Iterable[Effect], customer: CustomerView | None, ctx: OutboxContext
) -> None:
    """Carry out the timers and ticket changes among `effects` in the session's transaction."""
    for effect in effects:
        match effect:
            case ScheduleTimer():
                timers.schedule(
                    session,
                    shop_id=ctx.shop_id,
                    kind=effect.kind,
                    subject_id=effect.subject_id,
                    due_at=effect.due_at,
                    now=ctx.now,
                    payload=effect.payload or None,
                )
            case CancelTimer(prefix=True):
                timers.cancel_prefix(
                    session,
                    shop_id=ctx.shop_id,
                    kind=effect.kind,
                    subject_prefix=effect.subject_id,
                    at=ctx.now,
                )
            case CancelTimer():
                timers.cancel(
                    session,
                    shop_id=ctx.shop_id,
                    kind=effect.kind,
                    subject_id=effect.subject_id,
                    at=ctx.now,
                )
            case SetSlaClock():
                ticket = state.ticket(session, ctx.shop_id, effect.ticket_id)
                if ticket is not None:
                    ticket.reply_due_at, ticket.hard_due_at = (
                        effect.reply_due_at,
                        effect.hard_due_at,
                    )
                    ticket.escalation_level = effect.level
                    if effect.first_reply_due_at is not None:
                        ticket.first_reply_due_at = effect.first_reply_due_at
            case OpenTicket():
                _open_ticket(session, effect, customer, ctx)
            case RaiseLevel():
                ticket = state.ticket(session, ctx.shop_id, effect.ticket_id)
                if ticket is not None:
                    ticket.escalation_level = max(ticket.escalation_level, effect.level)


def _open_ticket(
    session: Session, effect: OpenTicket, customer: CustomerView | None, ctx: OutboxContext
) -> None:
    if customer is None or state.ticket(session, ctx.shop_id, effect.ticket_id) is not None:
        return
    row = state.customer(session, ctx.shop_id, customer.customer_id)
    if row is None:
        return
    ticket = Ticket(
        shop_id=ctx.shop_id,
        ticket_id=effect.ticket_id,
        customer_pk=row.id,
        channel=effect.channel,
        priority=effect.priority,
        subject=effect.subject,
        order_id=effect.order_id,
        status=transitions.OPEN,
        opened_at=effect.opened_at,
    )
    session.add(ticket)
    session.flush()
    state.remember_ticket(session, ticket)


def apply_effects(
    session: Session,
    effects: Iterable[Effect],
    customer: CustomerView | None,
    ctx: OutboxContext,
) -> None:
    """Carry out `effects` in the session's transaction, messages included."""
    effects = list(effects)
    written = NewNotifications()
    prepare_messages(effects, customer, ctx, written)
    apply_state_changes(session, effects, customer, ctx)
    written.write(session)
