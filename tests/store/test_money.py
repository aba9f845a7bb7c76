"""Money survives the store exactly, at the contract's widest amounts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store.models import Customer, Order

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "amount", ["0", "0.01", "1234.50", "12345678901234.5678", "999999999999999.9999"]
)
def test_amounts_come_back_exactly(sessions: sessionmaker[Session], amount: str) -> None:
    with sessions.begin() as session:
        customer = Customer(shop_id="shop-42", customer_id="c-1", updated_at=NOW)
        customer.locale, customer.timezone = "pl", "Europe/Warsaw"
        customer.marketing_consent, customer.opted_out = False, False
        session.add(customer)
        session.flush()
        session.add(
            Order(
                shop_id="shop-42",
                order_id="o-1",
                customer_pk=customer.id,
                status="placed",
                total=Decimal(amount),
                currency="PLN",
                placed_at=NOW,
            )
        )
    with sessions() as session:
        order = session.query(Order).one()
        assert order.total == Decimal(amount)
        assert isinstance(order.total, Decimal)
