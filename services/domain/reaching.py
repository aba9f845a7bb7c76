"""Whether and how a message reaches a customer: the channel, the address, or
why it is held back. Pure: the outbox renders and writes what is decided here."""

from __future__ import annotations

from dataclasses import dataclass

from services.domain.kinds import TRANSACTIONAL_KINDS
from services.domain.policy_delivery import Delivery
from services.domain.views import CustomerView

#: Why a message goes nowhere when no channel reaches the customer.
UNREACHABLE = (
    "no channel reaches the customer: no email, no phone (or no SMS provider: "
    "AFTERSALE_SMS_URL) and no shop webhook (delivery.webhook_url)"
)
OPTED_OUT = "the customer opted out of non-transactional messages"


@dataclass(frozen=True)
class Reach:
    """The decision: send on ``channel`` to ``recipient``, unless ``held_back``
    (then the row is written as suppressed, with that reason). ``channel`` is
    ``"none"`` and ``recipient`` the customer id when no channel reaches them."""

    channel: str
    recipient: str
    held_back: str | None = None
    #: A message the customer may refuse: it carries an unsubscribe link.
    refusable: bool = False


def customer_channel(
    customer: CustomerView, delivery: Delivery, sms_available: bool = True
) -> tuple[str, str] | None:
    """(channel, recipient): the first preferred channel the customer can take."""
    for channel in delivery.prefer:
        if channel == "email" and customer.email:
            return "email", customer.email
        if channel == "sms" and customer.phone and sms_available:
            return "sms", customer.phone
        if channel == "webhook" and delivery.webhook_url:
            return "webhook", delivery.webhook_url
    return None


def reach_customer(
    customer: CustomerView | None,
    kind: str,
    delivery: Delivery,
    *,
    suppress: str | None = None,
    sms_available: bool = True,
) -> Reach:
    """How a message of ``kind`` reaches ``customer``; ``suppress`` is a reason the
    decision already gave to hold it back (it is written, not sent)."""
    route = customer_channel(customer, delivery, sms_available) if customer else None
    if customer is None or route is None:
        who = customer.customer_id if customer is not None else "unknown"
        return Reach("none", who, UNREACHABLE)
    channel, recipient = route
    transactional = kind in TRANSACTIONAL_KINDS
    if suppress is None and customer.opted_out and not transactional:
        suppress = OPTED_OUT
    return Reach(channel, recipient, suppress, refusable=not transactional)
