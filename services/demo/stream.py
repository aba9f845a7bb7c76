"""A small shop's events, timed so that every kind of message shows within a minute.

Times are relative to `now` and meant for the shop `aftersale-demo`, whose
built-in policies count in seconds (`DEMO_SHOP_POLICIES`). Every id carries
the run id, so the demo can run again and again against the same store.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from events import SCHEMA_VERSION, parse_event
from services.demo.cast import CARRIERS, ORDERS, PEOPLE, PRODUCTS
from services.runtime.policies import DEMO_SHOP_ID

SHOP_ID = DEMO_SHOP_ID
#: When the last alert the story sets off has fired, on the demo shop's
#: policies: the hard limit (40 s) of a ticket left unanswered, plus a margin.
STORY_SECONDS = 45.0


@dataclass
class DemoStream:
    """The events in publishing order, and what the follow-up needs."""

    run_id: str
    now: datetime
    events: list[dict[str, Any]] = field(default_factory=list)
    #: The parcel that never arrives (delivered by the follow-up).
    overdue_order_id: str = ""

    def order_id(self, number: int) -> str:
        return f"{self.run_id}-{1001 + number}"

    def customer_id(self, person: int) -> str:
        return f"{self.run_id}-c{person + 1:02d}"


class _Builder:
    def __init__(self, stream: DemoStream, prefix: str = "") -> None:
        self.stream = stream
        self.prefix = prefix
        self.pending: list[tuple[datetime, int, dict[str, Any]]] = []

    def at(self, seconds: float) -> datetime:
        """`seconds` after now (negative: before)."""
        return self.stream.now + timedelta(seconds=seconds)

    def add(self, event_type: str, when: datetime, data: dict[str, Any]) -> None:
        number = len(self.pending) + 1
        event = {
            "event_id": f"demo-{self.stream.run_id}-{self.prefix}{number:03d}",
            "type": event_type,
            "schema_version": SCHEMA_VERSION,
            "occurred_at": when.isoformat(),
            "shop_id": SHOP_ID,
            "data": data,
        }
        self.pending.append((when, number, event))

    def customer(self, person: int) -> dict[str, Any]:
        who = PEOPLE[person]
        data: dict[str, Any] = {
            "customer_id": self.stream.customer_id(person),
            "name": who.name,
            "locale": who.locale,
            "timezone": who.timezone,
            "marketing_consent": who.consent,
        }
        if who.email:
            data["email"] = who.email
        if who.phone:
            data["phone"] = who.phone
        return data

    def finish(self) -> list[dict[str, Any]]:
        """Events in time order (parents always come first)."""
        return [event for _, _, event in sorted(self.pending, key=lambda item: item[:2])]


def _items(number: int) -> tuple[list[dict[str, Any]], Decimal]:
    chosen = [PRODUCTS[number % len(PRODUCTS)], PRODUCTS[(number * 3 + 1) % len(PRODUCTS)]]
    items: list[dict[str, Any]] = []
    total = Decimal("0")
    for i, (sku, name, price, category) in enumerate(chosen[: 1 + number % 2]):
        quantity = 1 + (number + i) % 2
        items.append({"sku": sku, "name": name, "quantity": quantity, "unit_price": price,
                      "category": category})  # fmt: skip
        total += Decimal(price) * quantity
    return items, total


def _order(b: _Builder, number: int, person: int, scenario: str) -> None:
    s, oid = b.stream, b.stream.order_id(number)
    hours = 72 - number * 2  # placed over the last three days
    items, total = _items(number)
    promised = (s.now + timedelta(days=3)).date().isoformat()
    b.add("order.placed", b.at(-hours * 3600), {
        "order_id": oid, "customer": b.customer(person), "items": items,
        "total": f"{total:.2f}", "currency": "PLN", "promised_delivery_by": promised,
    })  # fmt: skip
    if scenario in ("placed", "cancelled"):
        if scenario == "cancelled":
            b.add("order.cancelled", b.at(-3600), {"order_id": oid, "reason": "customer request"})
        return
    carrier, tracking = CARRIERS[number % 2]
    parcel = f"6{number:03d}{s.run_id.upper()}"
    estimate: str = (s.now + timedelta(days=1)).date().isoformat()
    if scenario == "overdue":  # due in three seconds, and it never comes
        estimate = b.at(3).isoformat()
        s.overdue_order_id = oid
    shipped_at = b.at(-60) if scenario == "overdue" else b.at(-hours * 1800)
    b.add("order.shipped", shipped_at, {
        "order_id": oid, "carrier": carrier, "tracking_number": parcel,
        "tracking_url": tracking + parcel, "estimated_delivery": estimate,
    })  # fmt: skip
    if scenario == "delayed":
        reason = "Opóźnienie w sortowni przewoźnika" if person < 12 else "Carrier backlog"
        b.add("shipment.delayed", b.at(-1800 - number), {
            "order_id": oid, "reason": reason,
            "new_estimated_delivery": (s.now + timedelta(days=3)).date().isoformat(),
        })  # fmt: skip
    if scenario in ("shipped", "delayed", "overdue"):
        return
    returns = scenario.startswith(("withdrawal", "complaint"))
    delivered = b.at(-7200 - number) if returns else b.at(-2 - number)
    b.add("order.delivered", delivered, {"order_id": oid, "delivered_at": delivered.isoformat()})
    if returns:
        _return(b, number, scenario, items, total)


def _return(
    b: _Builder, number: int, scenario: str, items: list[dict[str, Any]], total: Decimal
) -> None:
    oid, rid = b.stream.order_id(number), f"{b.stream.order_id(number)}-R1"
    kind = "withdrawal" if scenario.startswith("withdrawal") else "complaint"
    reason = {"withdrawal": "nie pasuje", "complaint": "uszkodzony przy dostawie"}[kind]
    returned = [{"sku": items[0]["sku"], "quantity": 1}]
    # Clocks that a resolution will stop start a few seconds ago, so their first
    # alert is still ahead when the resolution is recorded: none goes out.
    opened = b.at({"complaint_open": -10, "complaint_repaired": -8}.get(scenario, -3600))
    requested = {"return_id": rid, "order_id": oid, "kind": kind, "reason": reason,
                 "items": returned}  # fmt: skip
    if scenario == "withdrawal_function":  # the order page's button: acknowledged at once
        b.add("return.requested", opened, {**requested, "source": "withdrawal_function"})
        return
    b.add("return.requested", opened, requested)
    if scenario == "complaint_open":
        return  # left open: the complaint deadline alerts fire
    received = b.at(-5 if scenario == "withdrawal_open" else -6)
    b.add("return.received", received, {"return_id": rid, "received_at": received.isoformat()})
    if scenario == "withdrawal_open":
        return  # received, never refunded: the refund deadline alert fires
    resolution: dict[str, Any] = {"return_id": rid, "outcome": "repaired", "note": "wymieniono"}
    if kind == "withdrawal":
        resolution = {"return_id": rid, "outcome": "refunded", "refund_amount": f"{total:.2f}"}
    b.add("return.resolved", b.at(-4), resolution)


def _ticket(
    b: _Builder, key: str, person: int, channel: str, subject: str, opened: float, **more: Any
) -> str:
    tid = f"{b.stream.run_id}-{key}"
    data = {"ticket_id": tid, "customer": b.customer(person), "channel": channel,
            "priority": more.pop("priority", "normal"), "subject": subject}  # fmt: skip
    if "order" in more:
        data["order_id"] = b.stream.order_id(more.pop("order"))
    b.add("ticket.opened", b.at(opened), data)
    if "answered" in more:  # the agent's first reply, in time; resolved soon after
        when = b.at(more.pop("answered"))
        done = when + timedelta(seconds=5)
        b.add("ticket.replied", when, {"ticket_id": tid, "author": "agent",
                                       "replied_at": when.isoformat()})  # fmt: skip
        b.add("ticket.resolved", done, {"ticket_id": tid, "resolved_at": done.isoformat()})
    return tid


def _tickets(b: _Builder) -> None:
    _ticket(b, "T1", 0, "email", "Czy mogę zmienić adres dostawy?", -360, answered=-350, order=18)
    _ticket(b, "T2", 12, "form", "Invoice for my order", -240, answered=-232, order=20)
    _ticket(b, "T3", 17, "email", "Receipt copy, please", -180, answered=-171)
    # Left unanswered: warning, then breach level 1 at the target, level 2 at the hard limit.
    _ticket(b, "T4", 9, "email", "Brakuje części w zamówieniu", -2, priority="high", order=26)
    _ticket(b, "T5", 14, "chat", "Can I still change the colour?", 0, order=25)
    # A callback promised in five seconds that nobody makes.
    callback = _ticket(b, "T6", 5, "phone", "Proszę o telefon w sprawie dostawy", -60, order=5)
    b.add("callback.promised", b.at(-50), {
        "ticket_id": callback, "due_at": b.at(5).isoformat(), "agent": "Ola z obsługi",
    })  # fmt: skip


def _feedback(b: _Builder) -> None:
    s = b.stream
    answers = (
        (1, 1, "csat5", 1, "Ekspres przyszedł porysowany, jestem rozczarowana obsługą."),
        (2, 2, "csat5", 5, "Wszystko super, szybka dostawa!"),
        (12, 12, "nps10", 10, "Lovely shop, would recommend."),
        (15, 15, "csat5", 4, None),
    )
    for number, (order, person, scale, score, comment) in enumerate(answers, start=1):
        data = {"feedback_id": f"{s.run_id}-F{number}", "order_id": s.order_id(order),
                "customer_id": s.customer_id(person), "scale": scale, "score": score,
                "channel": "survey"}  # fmt: skip
        if comment:
            data["comment"] = comment
        b.add("feedback.received", b.at(-1 - number), data)


def new_run_id() -> str:
    return secrets.token_hex(3)


def build_stream(now: datetime, run_id: str | None = None) -> DemoStream:
    """The demo's events for a run starting at `now` (aware)."""
    stream = DemoStream(run_id or new_run_id(), now.replace(microsecond=0))
    builder = _Builder(stream)
    for number, (person, scenario) in enumerate(ORDERS):
        _order(builder, number, person, scenario)
    _tickets(builder)
    _feedback(builder)
    stream.events = builder.finish()
    validate(stream.events)
    return stream


def follow_up(
    stream: DemoStream, now: datetime, open_tickets: Iterable[str], overdue_open: bool
) -> list[dict[str, Any]]:
    """The end of the story, so no alert repeats for ever: agents answer the
    open tickets (late) and resolve them; the lost parcel turns up."""
    builder = _Builder(DemoStream(stream.run_id, now.replace(microsecond=0)), prefix="end-")
    when = builder.at(0)
    for ticket_id in open_tickets:
        builder.add("ticket.replied", when, {"ticket_id": ticket_id, "author": "agent",
                                             "replied_at": when.isoformat()})  # fmt: skip
        builder.add("ticket.resolved", when, {"ticket_id": ticket_id,
                                              "resolved_at": when.isoformat()})  # fmt: skip
    if overdue_open and stream.overdue_order_id:
        builder.add("order.delivered", when, {"order_id": stream.overdue_order_id,
                                              "delivered_at": when.isoformat()})  # fmt: skip
    events = builder.finish()
    validate(events)
    return events


def encode(event: dict[str, Any]) -> bytes:
    """The body as `EventPublisher.publish_event` sends it."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()


def validate(events: Iterable[dict[str, Any]]) -> None:
    """Each event's body against the contract, as the ingest will see it;
    raises `events.ContractViolation` naming the event and the field."""
    for event in events:
        parse_event(encode(event))
