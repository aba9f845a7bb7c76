"""The ingest's projection of example events into the state tables, on every store."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from events import EnvelopeBase
from services.runtime.store import state
from services.runtime.store.models import Customer, Order, OrderItem, Return, Ticket
from tests.store.examples import NOW, apply_all, event

SHOP, ORDER, CUSTOMER = "shop-42", "PL-2026-000981", "cust-7781"


def load_order(sessions: sessionmaker[Session], order_id: str = ORDER) -> Order:
    with sessions() as session:
        order = state.order(session, SHOP, order_id)
        assert order is not None
        _ = order.customer, order.items, order.history  # load before the session closes
        return order


def timeline(order: Order) -> list[tuple[str, datetime, str]]:
    return [(step.status, step.at, step.event_id) for step in order.history]


def test_order_placed_creates_customer_order_items_and_history(
    sessions: sessionmaker[Session],
) -> None:
    assert apply_all(sessions, event("order.placed")) == [(ORDER, None)]

    order = load_order(sessions)
    assert order.status == "placed"
    assert order.placed_at == datetime(2026, 11, 23, 9, 15, tzinfo=UTC)
    assert (order.currency, order.promised_delivery_by) == ("PLN", "2026-11-26")
    assert isinstance(order.total, Decimal)
    assert order.total == Decimal("1234.50")
    assert f"{order.total:.2f}" == "1234.50"
    assert [(i.sku, i.quantity, i.unit_price, i.category) for i in order.items] == [
        ("KET-2200-BLK", 2, Decimal("522.25"), "agd"),
        ("MUG-SET-6", 1, Decimal("190.00"), "kuchnia"),
    ]
    assert order.items[1].name == "Zestaw kubków ceramicznych (6 szt.)"
    assert sum(i.unit_price * i.quantity for i in order.items) == order.total
    assert timeline(order) == [("placed", order.placed_at, "01JDA7Q3M5X8N2V6C9B4K1T001")]

    customer = order.customer
    assert (customer.shop_id, customer.customer_id) == (SHOP, CUSTOMER)
    assert customer.email == "zofia.wisniewska@example.pl"
    assert customer.name == "Zofia Wiśniewska"
    assert (customer.phone, customer.locale, customer.timezone) == (
        "+48 601 234 567",
        "pl",
        "Europe/Warsaw",
    )
    assert customer.marketing_consent is True
    assert customer.opted_out is False
    assert customer.updated_at == NOW


def test_amounts_with_four_decimals_come_back_exactly(sessions: sessionmaker[Session]) -> None:
    item = {"sku": "S", "name": "Śruba", "quantity": 3, "unit_price": "0.0001"}
    # CLF has four decimals in ISO 4217 (PLN, the example's currency, has two).
    data = {"total": "12345678901.2345", "items": [item], "currency": "CLF"}
    apply_all(sessions, event("order.placed", data=data))

    order = load_order(sessions)
    assert order.total == Decimal("12345678901.2345")
    assert order.items[0].unit_price == Decimal("0.0001")


def test_order_placed_again_under_a_new_event_id_keeps_the_first(
    sessions: sessionmaker[Session],
) -> None:
    again = event("order.placed", event_id="01JD-again", data={"total": "1.00"})
    apply_all(sessions, event("order.placed"), again)

    order = load_order(sessions)
    assert order.total == Decimal("1234.50")
    assert len(order.items) == 2
    assert [step.event_id for step in order.history] == ["01JDA7Q3M5X8N2V6C9B4K1T001"]


def test_the_same_ids_in_two_shops_are_separate(sessions: sessionmaker[Session]) -> None:
    apply_all(sessions, event("order.placed"), event("order.placed", shop_id="shop-7"))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 2
        assert session.scalar(select(func.count()).select_from(Customer)) == 2
        assert session.scalar(select(func.count()).select_from(OrderItem)) == 4


def test_shipping_delay_and_delivery_move_status_and_timeline(
    sessions: sessionmaker[Session],
) -> None:
    apply_all(sessions, event("order.placed"), event("order.shipped"))
    order = load_order(sessions)
    assert order.status == "shipped"
    assert (order.carrier, order.tracking_number) == ("InPost", "620000000123456789012345")
    assert order.tracking_url is not None and order.tracking_url.startswith("https://inpost.pl/")
    assert order.estimated_delivery == "2026-11-26"

    apply_all(sessions, event("shipment.delayed"))
    order = load_order(sessions)
    assert order.status == "delayed"
    assert order.estimated_delivery == "2026-11-28T18:00:00+01:00"
    assert order.history[-1].detail == {
        "reason": "Opóźnienie w sortowni przewoźnika",
        "estimated_delivery": "2026-11-28T18:00:00+01:00",
    }

    assert apply_all(sessions, event("order.delivered")) == [(ORDER, None)]
    order = load_order(sessions)
    assert order.status == "delivered"
    assert order.delivered_at == datetime(2026, 11, 28, 12, 20, 41, tzinfo=UTC)
    assert timeline(order) == [
        ("placed", datetime(2026, 11, 23, 9, 15, tzinfo=UTC), "01JDA7Q3M5X8N2V6C9B4K1T001"),
        ("shipped", datetime(2026, 11, 24, 8, 40, tzinfo=UTC), "01JDA7Q3M5X8N2V6C9B4K1T002"),
        ("delayed", datetime(2026, 11, 25, 15, 5, tzinfo=UTC), "01JDA7Q3M5X8N2V6C9B4K1T003"),
        ("delivered", datetime(2026, 11, 28, 12, 22, tzinfo=UTC), "01JDA7Q3M5X8N2V6C9B4K1T004"),
    ]


def test_a_late_shipment_does_not_undo_the_delivery(sessions: sessionmaker[Session]) -> None:
    late = event("order.shipped", event_id="01JD-late", occurred_at="2026-11-28T15:00:00+01:00")
    apply_all(sessions, event("order.placed"), event("order.delivered"), late)

    order = load_order(sessions)
    assert order.status == "delivered"
    assert [step.status for step in order.history] == ["placed", "delivered", "shipped"]
    assert order.history[-1].event_id == "01JD-late"


def test_a_cancelled_order_stays_cancelled(sessions: sessionmaker[Session]) -> None:
    other = "PL-2026-000982"
    apply_all(
        sessions,
        event("order.placed", event_id="01JD-p2", data={"order_id": other}),
        event("order.cancelled"),
        event("order.delivered", event_id="01JD-d2", data={"order_id": other}),
    )

    order = load_order(sessions, other)
    assert order.status == "cancelled"
    assert order.cancelled_at == datetime(2026, 11, 23, 10, 2, tzinfo=UTC)
    assert order.history[1].detail == {"reason": "Klientka zrezygnowała przed wysyłką"}
    assert [step.status for step in order.history] == ["placed", "cancelled", "delivered"]


def test_customer_updated_changes_only_the_fields_it_carries(
    sessions: sessionmaker[Session],
) -> None:
    def load() -> Customer:
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Customer)) == 1
            found = state.customer(session, SHOP, CUSTOMER)
            assert found is not None
            return found

    opt_out = {"customer_id": CUSTOMER, "opted_out": True}
    apply_all(sessions, event("order.placed"), event("customer.updated", data=opt_out, only=True))
    customer = load()
    assert customer.opted_out is True
    assert customer.email == "zofia.wisniewska@example.pl"
    assert (customer.phone, customer.name) == ("+48 601 234 567", "Zofia Wiśniewska")
    assert (customer.locale, customer.marketing_consent) == ("pl", True)
    assert customer.updated_at == NOW

    # The example carries a new phone and a withdrawn consent, nothing else.
    apply_all(sessions, event("customer.updated"))
    customer = load()
    assert (customer.phone, customer.marketing_consent) == ("+48 601 234 568", False)
    assert customer.email == "zofia.wisniewska@example.pl"
    assert customer.opted_out is True


def test_ticket_replies_set_first_reply_and_awaiting_reply(
    sessions: sessionmaker[Session],
) -> None:
    def reply(event_id: str, author: str, at: str) -> EnvelopeBase:
        return event("ticket.replied", event_id=event_id, data={"author": author, "replied_at": at})

    belongs_to = apply_all(sessions, event("order.placed"), event("ticket.opened"))
    assert belongs_to[1] == (ORDER, "T-30417")
    with sessions() as session:
        ticket = state.ticket(session, SHOP, "T-30417")
        assert ticket is not None
        assert (ticket.status, ticket.priority, ticket.channel) == ("open", "high", "email")
        assert ticket.opened_at == datetime(2026, 11, 25, 7, 12, tzinfo=UTC)
        assert ticket.first_replied_at is None
        assert ticket.customer.customer_id == CUSTOMER
        assert session.scalar(select(func.count()).select_from(Customer)) == 1

    first_reply = datetime(2026, 11, 25, 7, 30, 55, tzinfo=UTC)
    apply_all(sessions, event("ticket.replied"))
    with sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.first_replied_at, ticket.awaiting_reply_since) == (first_reply, None)
        assert ticket.status == "answered"

    apply_all(sessions, reply("01JD-r2", "customer", "2026-11-25T09:05:00+01:00"))
    with sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.awaiting_reply_since == datetime(2026, 11, 25, 8, 5, tzinfo=UTC)
        assert (ticket.first_replied_at, ticket.status) == (first_reply, "awaiting_reply")

    apply_all(sessions, reply("01JD-r3", "agent", "2026-11-25T09:20:00+01:00"))
    with sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.first_replied_at, ticket.awaiting_reply_since) == (first_reply, None)

    apply_all(sessions, event("ticket.resolved"))
    with sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.status == "resolved"
        assert ticket.resolved_at == datetime(2026, 11, 28, 12, 39, 20, tzinfo=UTC)


def test_a_return_moves_from_requested_to_received_to_resolved(
    sessions: sessionmaker[Session],
) -> None:
    def load() -> Return:
        with sessions() as session:
            found = state.return_(session, SHOP, "RET-2026-0147")
            assert found is not None
            assert found.order.order_id == ORDER
            return found

    apply_all(sessions, event("order.placed"), event("return.requested"))
    ret = load()
    assert (ret.status, ret.kind, ret.reason) == (
        "requested",
        "complaint",
        "Czajnik przecieka przy podstawie",
    )
    assert ret.items == [{"sku": "KET-2200-BLK", "quantity": 1}]
    assert ret.requested_at == datetime(2026, 12, 2, 18, 3, tzinfo=UTC)
    assert ret.received_at is None

    assert apply_all(sessions, event("return.received")) == [(ORDER, None)]
    ret = load()
    assert ret.status == "received"
    assert ret.received_at == datetime(2026, 12, 5, 10, 27, 12, tzinfo=UTC)

    assert apply_all(sessions, event("return.resolved")) == [(ORDER, None)]
    ret = load()
    assert (ret.status, ret.outcome) == ("resolved", "refunded")
    assert ret.refund_amount == Decimal("522.25")
    assert ret.resolved_at == datetime(2026, 12, 7, 13, 10, tzinfo=UTC)
