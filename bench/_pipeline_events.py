"""The event mix of bench/pipeline.py, and the emails each event must cause (SPEC section 4).

Every identifier an email is about carries the run's tag, `BX<6 hex>-<letter><n>`
(O order, T ticket, R return, F feedback), so the SMTP sink can find it in the message
without parsing MIME, and nothing else in an email (prices, dates, tracking numbers)
can be mistaken for it. Each expected email is named by (kind, identifier): an order
gets one confirmation and at most one shipment, one return and one piece of feedback,
so the pair is unique, and an email is matched to its event by it.

Customers are a pure function of (shop, number), so a repeat customer's locale and
marketing consent do not change between orders and the expectations do not depend on
the order the workers happen to run in. Left out on purpose: chat tickets (their SLA
of 2 minutes would fire staff alerts during a run) and anything that starts check-ins.
"""

from __future__ import annotations

import json
import random
import re
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

Envelope = dict[str, Any]

SHOPS = ("shop-42", "shop-7", "shop-1138")
CARRIERS = ("InPost", "DPD", "DHL", "Poczta Polska", "GLS")
PRODUCTS = (
    ("KET-2200-BLK", "Czajnik elektryczny 2200 W", "agd", Decimal("189.99")),
    ("MUG-SET-6", "Zestaw kubków (6 szt.)", "kuchnia", Decimal("79.00")),
    ("SOFA-3-GRY", "Sofa trzyosobowa, szara", "furniture", Decimal("2499.00")),
    ("HDP-BT-200", "Słuchawki Bluetooth", "rtv", Decimal("349.50")),
    ("TWL-BATH-2", "Ręczniki kąpielowe (2 szt.)", "dom", Decimal("59.90")),
)
SUBJECTS = ("Gdzie jest moja paczka?", "Wrong size delivered", "Faktura VAT", "Zmiana adresu")
#: Ticket channels with a "we will reply by" email (SPEC section 4); phone has none.
RECEIPT_CHANNELS = ("email", "form", "social")
#: Where the default policies send level-1 staff alerts (SPEC section 5).
STAFF_LEVEL1 = ("support-lead@shop.example",)

#: Which identifier names each kind of email; the rest are named by their order.
ID_LETTER = {"ticket_received": "T", "return_instructions": "R", "complaint_received": "R"}


def new_tag() -> str:
    """A fresh run tag: every identifier of a run starts with it."""
    return f"BX{secrets.token_hex(3)}"


def id_pattern(tag: str) -> str:
    """The regex the sink collects: identifiers of this run only."""
    return rf"{re.escape(tag)}-[OTRF][0-9]+"


def identifier_of(kind: str, ids: Sequence[str]) -> str | None:
    """The one identifier an email of `kind` is about, among those found in it."""
    letter = ID_LETTER.get(kind, "O")
    candidates = {i for i in ids if i.rsplit("-", 1)[-1].startswith(letter)}
    return candidates.pop() if len(candidates) == 1 else None


@dataclass(frozen=True)
class Expected:
    """One email an event must cause, exactly once."""

    kind: str
    subject: str  # the identifier it is about
    recipient: str


@dataclass
class Planned:
    """An event to publish and the emails it must cause."""

    envelope: Envelope
    emails: list[Expected] = field(default_factory=list)

    @property
    def event_id(self) -> str:
        return str(self.envelope["event_id"])

    @property
    def type(self) -> str:
        return str(self.envelope["type"])


@dataclass(frozen=True)
class Customer:
    shop: str
    number: int

    @property
    def customer_id(self) -> str:
        return f"{self.shop}-c{self.number}"

    @property
    def email(self) -> str:
        return f"customer{self.number}.{self.shop}@example.pl"

    @property
    def locale(self) -> str:
        return "en" if self.number % 4 == 3 else "pl"

    @property
    def marketing_consent(self) -> bool:
        return self.number % 5 < 2

    def wire(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "email": self.email,
            "phone": f"+48 600 {self.number % 1000:03d} {self.number // 1000 % 1000:03d}",
            "name": f"Klient {self.number}",
            "locale": self.locale,
            "timezone": "Europe/Warsaw" if self.locale == "pl" else "Europe/London",
            "marketing_consent": self.marketing_consent,
        }


@dataclass
class _Order:
    order_id: str
    customer: Customer
    skus: list[str]
    returned: bool = False
    rated: bool = False


class _Mix:
    """Builds the stream one event at a time; see :func:`make_mix`."""

    def __init__(self, tag: str, seed: int, customers: int) -> None:
        self.tag = tag
        self.rng = random.Random(seed)
        self.customers = max(customers, 1)
        self.orders: list[_Order] = []
        self.count = 0

    def _id(self, letter: str) -> str:
        return f"{self.tag}-{letter}{self.count}"

    def _envelope(self, type_: str, shop: str, data: dict[str, Any]) -> Envelope:
        return {
            "event_id": f"{self.tag}-e{self.count}",
            "type": type_,
            "schema_version": 1,
            "shop_id": shop,
            "occurred_at": None,  # the publish time, set by encode()
            "data": data,
        }

    def placed(self) -> Planned:
        rng = self.rng
        customer = Customer(rng.choice(SHOPS), rng.randrange(self.customers))
        order = _Order(self._id("O"), customer, [])
        items, total = [], Decimal(0)
        for sku, name, category, price in rng.sample(PRODUCTS, rng.randint(1, 3)):
            quantity = rng.randint(1, 3)
            total += price * quantity
            order.skus.append(sku)
            items.append(
                {
                    "sku": sku,
                    "name": name,
                    "quantity": quantity,
                    "unit_price": str(price),
                    "category": category,
                }
            )
        promised = (datetime.now(UTC) + timedelta(days=rng.randint(2, 5))).date().isoformat()
        data: dict[str, Any] = {
            "order_id": order.order_id,
            "customer": customer.wire(),
            "items": items,
            "total": str(total),
            "currency": "PLN",
            "promised_delivery_by": promised,
        }
        self.orders.append(order)
        email = Expected("order_confirmation", order.order_id, customer.email)
        return Planned(self._envelope("order.placed", customer.shop, data), [email])

    def shipped(self, order: _Order) -> Planned:
        tracking = f"{self.rng.randrange(10**23, 10**24)}"
        eta = (datetime.now(UTC) + timedelta(days=self.rng.randint(1, 4))).date().isoformat()
        data: dict[str, Any] = {
            "order_id": order.order_id,
            "carrier": self.rng.choice(CARRIERS),
            "tracking_number": tracking,
            "tracking_url": f"https://tracking.example/{tracking}",
            "estimated_delivery": eta,
        }
        email = Expected("order_shipped", order.order_id, order.customer.email)
        return Planned(self._envelope("order.shipped", order.customer.shop, data), [email])

    def ticket(self) -> Planned:
        rng = self.rng
        about = rng.choice(self.orders) if self.orders and rng.random() < 0.6 else None
        customer = about.customer if about else Customer(rng.choice(SHOPS), rng.randrange(9999))
        channel = rng.choice((*RECEIPT_CHANNELS, "phone"))
        data: dict[str, Any] = {
            "ticket_id": self._id("T"),
            "customer": customer.wire(),
            "channel": channel,
            "priority": rng.choice(("low", "normal", "normal", "high", "urgent")),
            "subject": rng.choice(SUBJECTS),
        }
        if about is not None:
            data["order_id"] = about.order_id
        emails = (
            [Expected("ticket_received", data["ticket_id"], customer.email)]
            if channel in RECEIPT_CHANNELS
            else []
        )
        return Planned(self._envelope("ticket.opened", customer.shop, data), emails)

    def returned(self, order: _Order) -> Planned:
        order.returned = True
        kind = self.rng.choice(("withdrawal", "withdrawal", "complaint", "exchange"))
        data: dict[str, Any] = {
            "return_id": self._id("R"),
            "order_id": order.order_id,
            "kind": kind,
            "reason": "nie pasuje" if kind != "complaint" else "uszkodzony",
            "items": [{"sku": order.skus[0], "quantity": 1}],
        }
        email_kind = "complaint_received" if kind == "complaint" else "return_instructions"
        email = Expected(email_kind, data["return_id"], order.customer.email)
        return Planned(self._envelope("return.requested", order.customer.shop, data), [email])

    def feedback(self, order: _Order) -> Planned:
        order.rated = True
        rng = self.rng
        scale = rng.choice(("csat5", "csat5", "nps10"))
        score = rng.randint(1, 5) if scale == "csat5" else rng.randint(0, 10)
        data: dict[str, Any] = {
            "feedback_id": self._id("F"),
            "order_id": order.order_id,
            "customer_id": order.customer.customer_id,
            "scale": scale,
            "score": score,
            "comment": rng.choice((None, "ok", "Paczka przyszła uszkodzona")),
            "channel": rng.choice(("survey", "review", "email")),
        }
        # SPEC section 4: low (csat <= 2, nps <= 6) -> apology + staff alert; high
        # (csat 5, nps >= 9) with marketing consent -> review request; else nothing.
        low = score <= 2 if scale == "csat5" else score <= 6
        high = score == 5 if scale == "csat5" else score >= 9
        customer, oid = order.customer, order.order_id
        emails: list[Expected] = []
        if low:
            emails.append(Expected("feedback_apology", oid, customer.email))
            emails += [Expected("negative_feedback", oid, staff) for staff in STAFF_LEVEL1]
        elif high and customer.marketing_consent:
            emails.append(Expected("review_request", oid, customer.email))
        return Planned(self._envelope("feedback.received", customer.shop, data), emails)

    def earlier_order(self, free: str) -> _Order | None:
        """A random earlier order without a return (or feedback) yet."""
        for _ in range(8):
            order = self.rng.choice(self.orders)
            if not getattr(order, free):
                return order
        return None


def make_mix(count: int, tag: str, seed: int = 1) -> list[Planned]:
    """`count` events: ~45% order.placed, ~27% order.shipped (each 5–200 places after its
    order.placed), ~12% ticket.opened, ~8% return.requested, ~8% feedback.received."""
    mix = _Mix(tag, seed, customers=count // 4)
    rng = mix.rng
    stream: list[Planned] = []
    due: dict[int, list[_Order]] = {}
    while len(stream) < count:
        for order in due.pop(len(stream), []):
            if len(stream) < count:
                mix.count = len(stream)
                stream.append(mix.shipped(order))
        if len(stream) >= count:
            break
        mix.count = len(stream)
        roll = rng.random()
        planned: Planned | None = None
        if mix.orders and roll < 0.14:
            planned = mix.ticket()
        elif mix.orders and roll < 0.24:
            returning = mix.earlier_order("returned")
            planned = mix.returned(returning) if returning else None
        elif mix.orders and roll < 0.34:
            rating = mix.earlier_order("rated")
            planned = mix.feedback(rating) if rating else None
        if planned is None:
            planned = mix.placed()
            if rng.random() < 0.6:
                due.setdefault(len(stream) + rng.randint(5, 200), []).append(mix.orders[-1])
        stream.append(planned)
    return stream


def encode(planned: Planned, at: datetime) -> bytes:
    """The wire body (SPEC section 3), with `occurred_at` = the publish time `at`."""
    body = dict(planned.envelope, occurred_at=at.isoformat(timespec="microseconds"))
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def expected_emails(stream: Sequence[Planned]) -> Iterator[tuple[Expected, str]]:
    """Every expected email with the id of the event that causes it."""
    for planned in stream:
        for email in planned.emails:
            yield email, planned.event_id


def type_mix(stream: Sequence[Planned]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for planned in stream:
        counts[planned.type] = counts.get(planned.type, 0) + 1
    return dict(sorted(counts.items()))
