"""A seeded data set for the satisfaction figures, as plain tuples, and its loader."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from services.runtime.store.models import Customer, Feedback, Notification, Order


@dataclass(frozen=True)
class Fb:
    shop: str
    customer: str
    scale: str
    score: int
    at: datetime
    order: str | None = None
    channel: str = "survey"


@dataclass(frozen=True)
class Purchase:
    shop: str
    order: str
    customer: str
    at: datetime


@dataclass(frozen=True)
class Checkin:
    shop: str
    order: str
    customer: str
    status: str
    at: datetime


@dataclass
class Seed:
    feedback: list[Fb] = field(default_factory=list)
    orders: list[Purchase] = field(default_factory=list)
    checkins: list[Checkin] = field(default_factory=list)


def generated(now: datetime, shops: tuple[str, ...] = ("shop-a", "shop-b")) -> Seed:
    """Some 80 answers over the last 9 weeks, check-ins and orders, from a fixed random seed."""
    rng = random.Random(5)
    seed = Seed()
    for shop in shops:
        customers = [f"c{n}" for n in range(12)]
        for n in range(14):
            customer = rng.choice(customers)
            order = f"{shop}-o{n}"
            placed = now - timedelta(days=rng.uniform(1, 63))
            seed.orders.append(Purchase(shop, order, customer, placed))
            sent_at = placed + timedelta(days=rng.uniform(0.5, 3))
            if sent_at < now:
                status = rng.choice(("sent", "sent", "sent", "failed", "suppressed"))
                seed.checkins.append(Checkin(shop, order, customer, status, sent_at))
                if status == "sent" and rng.random() < 0.6:
                    at = min(
                        now - timedelta(minutes=5), sent_at + timedelta(hours=rng.uniform(1, 48))
                    )
                    seed.feedback.append(Fb(shop, customer, "csat5", rng.randint(1, 5), at, order))
        for _ in range(30):
            scale = rng.choice(("csat5", "nps10"))
            score = rng.randint(1, 5) if scale == "csat5" else rng.randint(0, 10)
            channel = rng.choice(("survey", "review", "social", "email"))
            at = now - timedelta(days=rng.uniform(0.01, 63))
            seed.feedback.append(Fb(shop, rng.choice(customers), scale, score, at, None, channel))
    return seed


def load(session: Session, seed: Seed, updated_at: datetime) -> None:
    customers: dict[tuple[str, str], Customer] = {}

    def customer(shop: str, customer_id: str) -> Customer:
        key = (shop, customer_id)
        if key not in customers:
            customers[key] = Customer(shop_id=shop, customer_id=customer_id, updated_at=updated_at)
            session.add(customers[key])
        return customers[key]

    for n, fb in enumerate(seed.feedback):
        session.add(
            Feedback(
                shop_id=fb.shop,
                feedback_id=f"f{n}",
                customer_id=fb.customer,
                order_id=fb.order,
                scale=fb.scale,
                score=fb.score,
                channel=fb.channel,
                received_at=fb.at,
            )
        )
    for p in seed.orders:
        session.add(
            Order(
                shop_id=p.shop,
                order_id=p.order,
                customer=customer(p.shop, p.customer),
                status="placed",
                total=Decimal("10.00"),
                currency="PLN",
                placed_at=p.at,
            )
        )
    for n, c in enumerate(seed.checkins):
        session.add(
            Notification(
                idempotency_key=f"checkin:{c.shop}:{c.order}:{n}",
                shop_id=c.shop,
                kind="checkin",
                channel="email",
                recipient=f"{c.customer}@example.com",
                status=c.status,
                order_id=c.order,
                customer_id=c.customer,
                content={},
                created_at=c.at,
                sent_at=c.at if c.status == "sent" else None,
            )
        )
    session.commit()
