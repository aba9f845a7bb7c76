"""The messages among a decision's effects, rendered into outbox rows.

Messages are rendered now and written to the outbox once per idempotency key
(event or timer firing, kind, recipient); the deliverer sends them later. Who
a message reaches is decided in :mod:`services.domain.reaching`; the changes
of state among the effects are :mod:`services.runtime.state_changes`'s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.domain.effects import (
    AlertStaff,
    Effect,
    NotifyCustomer,
)
from services.domain.reaching import reach_customer
from services.domain.views import CustomerView
from services.runtime import tokens
from services.runtime.logging import mask_email, mask_phone
from services.runtime.order_links import OrderRef, order_page_url
from services.runtime.policies import Policies
from services.runtime.rendering import Renderer
from services.runtime.store.notifications import NewNotifications

#: How long an unsubscribe link keeps working.
UNSUBSCRIBE_VALID_FOR = timedelta(days=365)


@dataclass(frozen=True)
class OutboxContext:
    """What writing a message needs beyond the decision itself."""

    shop_id: str
    policies: Policies
    renderer: Renderer
    secret_key: str
    public_url: str
    now: datetime
    #: False when no SMS provider is configured: SMS is then not a channel.
    sms_available: bool = True


def idempotency_key(shop_id: str, source: str, kind: str, recipient: str) -> str:
    digest = hashlib.sha256("\x1f".join((shop_id, source, kind, recipient)).encode())
    return f"{kind}:{digest.hexdigest()[:40]}"


def masked_customer(customer: CustomerView | None) -> str:
    if customer is None:
        return "unknown customer"
    contact = (
        mask_email(customer.email)
        if customer.email
        else mask_phone(customer.phone)
        if customer.phone
        else "no contact"
    )
    return f"{customer.customer_id} ({contact})"


def _shop(policies: Policies) -> dict[str, str]:
    contact = policies.contact
    return {
        "name": contact.shop_name,
        "email": contact.email,
        "phone": contact.phone,
        "url": contact.url,
    }


def _notify_customer(
    written: NewNotifications,
    effect: NotifyCustomer,
    customer: CustomerView | None,
    ctx: OutboxContext,
) -> None:
    reach = reach_customer(customer, effect.kind, ctx.policies.delivery,
                           suppress=effect.suppress, sms_available=ctx.sms_available)  # fmt: skip
    common: dict[str, Any] = {
        "shop_id": ctx.shop_id,
        "kind": effect.kind,
        "now": ctx.now,
        "order_id": effect.order_id,
        "ticket_id": effect.ticket_id,
        "customer_id": customer.customer_id if customer is not None else None,
    }
    key = idempotency_key(ctx.shop_id, effect.source, effect.kind, reach.recipient)
    if customer is None or reach.held_back is not None:
        written.add(
            idempotency_key=key,
            channel=reach.channel,
            recipient=reach.recipient,
            content={"context": effect.context},
            status="suppressed",
            failure_reason=reach.held_back,
            locale=customer.locale if customer is not None and reach.channel != "none" else None,
            **common,
        )
        return
    channel, recipient = reach.channel, reach.recipient
    context = {
        "customer_name": customer.name,
        "locale": customer.locale,
        "timezone": customer.timezone,
        "shop": _shop(ctx.policies),
        "unsubscribe_url": None,
        "now": ctx.now.isoformat(),
        **effect.context,
    }
    if reach.refusable:
        token = tokens.sign(
            ctx.secret_key,
            "unsubscribe",
            {"shop": ctx.shop_id, "customer": customer.customer_id},
            ctx.now + UNSUBSCRIBE_VALID_FOR,
        )
        context["unsubscribe_url"] = f"{ctx.public_url.rstrip('/')}/u/{token}"
    if effect.order_id and "order_page_url" not in context:
        ref = OrderRef(ctx.shop_id, effect.order_id)
        context["order_page_url"] = order_page_url(
            ctx.secret_key, ctx.public_url, ref, ctx.now, ctx.policies
        )
    message = ctx.renderer.render(effect.kind, customer.locale, context, shop_id=ctx.shop_id)
    content: dict[str, Any] = {
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "unsubscribe_url": context["unsubscribe_url"],
    }
    if channel == "webhook":
        content["data"] = effect.context
    written.add(
        idempotency_key=key,
        channel=channel,
        recipient=recipient,
        content=content,
        locale=customer.locale,
        **common,
    )


def _alert_staff(written: NewNotifications, effect: AlertStaff, ctx: OutboxContext) -> None:
    escalation = ctx.policies.escalation
    targets = escalation.level2 if effect.level >= 2 else escalation.level1
    locale = ctx.policies.staff.locale
    staff_context = {
        "locale": locale,
        "timezone": ctx.policies.business_hours.timezone,
        "customer_name": None,
        "shop": _shop(ctx.policies),
        "unsubscribe_url": None,
        "now": ctx.now.isoformat(),
        "level": effect.level,
        **effect.context,
    }
    message = ctx.renderer.render(effect.kind, locale, staff_context, shop_id=ctx.shop_id)
    for target in targets:
        if target.startswith("mailto:"):
            channel, recipient = "email", target.removeprefix("mailto:")
            content: dict[str, Any] = {
                "subject": message.subject,
                "text": message.text,
                "html": message.html,
                "unsubscribe_url": None,
            }
        else:
            channel, recipient = "http", target
            content = {
                "payload": {
                    "text": message.text,
                    "kind": effect.kind,
                    "level": effect.level,
                    "shop_id": ctx.shop_id,
                    "order_id": effect.order_id,
                    "ticket_id": effect.ticket_id,
                    **effect.context,
                }
            }
        written.add(
            idempotency_key=idempotency_key(ctx.shop_id, effect.source, effect.kind, recipient),
            shop_id=ctx.shop_id,
            kind=effect.kind,
            channel=channel,
            recipient=recipient,
            content=content,
            now=ctx.now,
            locale=locale,
            order_id=effect.order_id,
            ticket_id=effect.ticket_id,
        )


def prepare_messages(
    effects: Iterable[Effect],
    customer: CustomerView | None,
    ctx: OutboxContext,
    written: NewNotifications,
) -> None:
    """Render the messages among `effects` into `written`; no store is touched,
    so a worker does this before it takes the store's write lock."""
    for effect in effects:
        match effect:
            case NotifyCustomer():
                _notify_customer(written, effect, customer, ctx)
            case AlertStaff():
                _alert_staff(written, effect, ctx)
