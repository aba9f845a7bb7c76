"""Load the snapshot of state around an order, return or ticket."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.runtime.store import state
from services.runtime.views import CustomerView, OrderView, ReturnView, TicketView, World


def load_world(
    session: Session,
    shop_id: str,
    *,
    order_id: str | None = None,
    return_id: str | None = None,
    ticket_id: str | None = None,
    customer_id: str | None = None,
) -> World:
    """Follow return → order → customer and ticket → customer as far as known."""
    ret = state.return_(session, shop_id, return_id) if return_id else None
    order_row = ret.order if ret is not None else None
    if order_row is None and order_id:
        order_row = state.order(session, shop_id, order_id)
    ticket_row = state.ticket(session, shop_id, ticket_id) if ticket_id else None
    customer_row = (
        order_row.customer
        if order_row is not None
        else ticket_row.customer
        if ticket_row is not None
        else state.customer(session, shop_id, customer_id)
        if customer_id
        else None
    )
    return World(
        shop_id=shop_id,
        customer=CustomerView.of(customer_row) if customer_row is not None else None,
        order=OrderView.of(order_row) if order_row is not None else None,
        return_=ReturnView.of(ret) if ret is not None else None,
        ticket=TicketView.of(ticket_row) if ticket_row is not None else None,
    )
