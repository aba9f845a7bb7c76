"""Read what the check-in rules need from the store."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.checkins.decide import CheckinFacts
from services.runtime import tokens
from services.runtime.store.models import Notification, Order, Return, Ticket

#: How long the one-click answer links of a check-in keep working.
LINKS_VALID_FOR = timedelta(days=30)


def csat_links(
    secret: str, public_url: str, shop_id: str, customer_id: str, order_id: str, now: datetime
) -> tuple[dict[str, Any], ...]:
    base = public_url.rstrip("/")
    return tuple(
        {
            "score": score,
            "url": base
            + "/f/"
            + tokens.sign(
                secret,
                "csat",
                {"shop": shop_id, "customer": customer_id, "order": order_id, "score": score},
                now + LINKS_VALID_FOR,
            ),
        }
        for score in range(1, 6)
    )


def checkin_facts(
    session: Session,
    order: Order,
    now: datetime,
    links: tuple[dict[str, Any], ...],
) -> CheckinFacts:
    returns = list(session.scalars(select(Return).where(Return.order_pk == order.id)))
    open_returns = tuple(r.return_id for r in returns if r.status != "resolved")
    refunded = sum((r.refund_amount or Decimal(0)) for r in returns if r.outcome == "refunded")
    open_tickets = tuple(
        session.scalars(
            select(Ticket.ticket_id).where(
                Ticket.shop_id == order.shop_id,
                Ticket.order_id == order.order_id,
                Ticket.status != "resolved",
            )
        )
    )
    last = session.scalar(
        select(func.max(Notification.created_at)).where(
            Notification.shop_id == order.shop_id,
            Notification.customer_id == order.customer.customer_id,
            Notification.kind == "checkin",
            Notification.status.in_(("pending", "sent")),
            Notification.order_id != order.order_id,
        )
    )
    return CheckinFacts(
        open_returns=open_returns,
        open_tickets=open_tickets,
        fully_refunded=bool(returns) and refunded >= order.total,
        last_checkin_at=last,
        csat_links=links,
    )
