"""Look-ups of the current state: customers, orders, returns and tickets."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.runtime.store.models import Customer, Feedback, Order, Return, Ticket


def customer(session: Session, shop_id: str, customer_id: str) -> Customer | None:
    return session.scalar(
        select(Customer).where(Customer.shop_id == shop_id, Customer.customer_id == customer_id)
    )


def order(session: Session, shop_id: str, order_id: str) -> Order | None:
    return session.scalar(select(Order).where(Order.shop_id == shop_id, Order.order_id == order_id))


def return_(session: Session, shop_id: str, return_id: str) -> Return | None:
    return session.scalar(
        select(Return).where(Return.shop_id == shop_id, Return.return_id == return_id)
    )


def ticket(session: Session, shop_id: str, ticket_id: str) -> Ticket | None:
    return session.scalar(
        select(Ticket).where(Ticket.shop_id == shop_id, Ticket.ticket_id == ticket_id)
    )


def feedback(session: Session, shop_id: str, feedback_id: str) -> Feedback | None:
    return session.scalar(
        select(Feedback).where(Feedback.shop_id == shop_id, Feedback.feedback_id == feedback_id)
    )
