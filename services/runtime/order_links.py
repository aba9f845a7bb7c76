"""Links to a customer's order page, `GET /o/{token}`: signed per order.

The token is the survey links' scheme (:mod:`services.runtime.tokens`) with the
purpose ``order`` and the payload ``{"shop": …, "order": …}``. It is valid for
the withdrawal period plus the two-year complaint period (rękojmia, Directive
(EU) 2019/771 Article 10) plus a month for the parcel to arrive, counted from
the message that carries it, so every link works for as long as a customer may
still act on the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.runtime import tokens
from services.runtime.policies import Policies

ORDER_PURPOSE = "order"
#: The seller's liability for non-conformity of goods: two years from delivery.
COMPLAINT_PERIOD = timedelta(days=730)
#: Slack for the time between the message and the delivery the periods count from.
SHIPPING_SLACK = timedelta(days=30)


@dataclass(frozen=True)
class OrderRef:
    """The order a valid link names."""

    shop_id: str
    order_id: str


def link_valid_for(policies: Policies) -> timedelta:
    return policies.withdrawal.period + COMPLAINT_PERIOD + SHIPPING_SLACK


def order_page_url(
    secret_key: str, public_url: str, ref: OrderRef, now: datetime, policies: Policies
) -> str:
    token = tokens.sign(
        secret_key,
        ORDER_PURPOSE,
        {"shop": ref.shop_id, "order": ref.order_id},
        now + link_valid_for(policies),
    )
    return f"{public_url.rstrip('/')}/o/{token}"


def read_order_token(secret_key: str, token: str, now: datetime) -> OrderRef:
    """The order of a valid link; :class:`tokens.InvalidToken` otherwise."""
    payload = tokens.verify(secret_key, ORDER_PURPOSE, token, now)
    shop_id, order_id = payload.get("shop"), payload.get("order")
    if not (isinstance(shop_id, str) and isinstance(order_id, str) and shop_id and order_id):
        raise tokens.InvalidToken("the link is unreadable")
    return OrderRef(shop_id, order_id)
