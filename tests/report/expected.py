"""The figures worked out by hand from the seed tuples, without the code under test."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.report.seed import Seed


def ratio(part: int, whole: int) -> float | None:
    if whole == 0:
        return None
    return round(part * 100 / whole, 1)


def expected(seed: Seed, shop: str, since: datetime, until: datetime) -> dict[str, Any]:
    mine = [f for f in seed.feedback if f.shop == shop and since <= f.at <= until]
    csat = [f.score for f in mine if f.scale == "csat5"]
    nps = [f.score for f in mine if f.scale == "nps10"]
    promoters = len([s for s in nps if s in (9, 10)])
    detractors = len([s for s in nps if s in range(7)])
    sent = [
        c for c in seed.checkins if c.shop == shop and c.status == "sent" and since <= c.at <= until
    ]
    answered = [
        c
        for c in sent
        if [
            f
            for f in seed.feedback
            if (f.shop, f.order, f.channel, f.scale) == (shop, c.order, "survey", "csat5")
        ]
    ]
    lows = sorted(
        (f.at, f.customer)
        for f in mine
        if (f.scale == "csat5" and f.score in (1, 2)) or (f.scale == "nps10" and f.score <= 6)
    )
    first_low: dict[str, datetime] = {}
    for at, customer in lows:
        first_low.setdefault(customer, at)
    recovered = 0
    for customer, low_at in first_low.items():
        happy_later = [
            f
            for f in mine
            if f.customer == customer
            and f.at > low_at
            and (
                (f.scale == "csat5" and f.score in (4, 5)) or (f.scale == "nps10" and f.score >= 9)
            )
        ]
        bought_later = [
            p
            for p in seed.orders
            if p.shop == shop and p.customer == customer and low_at < p.at <= until
        ]
        if happy_later or bought_later:
            recovered += 1
    return {
        "shop_id": shop,
        "csat_answers": len(csat),
        "csat": ratio(len([s for s in csat if s >= 4]), len(csat)),
        "nps_answers": len(nps),
        "nps": ratio(promoters - detractors, len(nps)),
        "checkins_sent": len(sent),
        "checkins_answered": len(answered),
        "response_rate": ratio(len(answered), len(sent)),
        "unhappy": len(first_low),
        "recovered": recovered,
        "recovery_rate": ratio(recovered, len(first_low)),
    }


def expected_weekly_csat(seed: Seed, shop: str, since: datetime, until: datetime) -> dict[str, Any]:
    """ISO week → CSAT, for the weeks with csat answers."""
    weeks: dict[str, list[int]] = {}
    for f in seed.feedback:
        if f.shop == shop and f.scale == "csat5" and since <= f.at <= until:
            year, week, _ = f.at.isocalendar()
            weeks.setdefault(f"{year}-W{week:02d}", []).append(f.score)
    return {w: ratio(len([s for s in v if s >= 4]), len(v)) for w, v in weeks.items()}
