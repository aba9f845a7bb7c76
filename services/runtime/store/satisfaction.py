"""Satisfaction figures per shop and period, read from the store (issue 5, item 4).

The period is [since, until], both ends included. Every rate is a percentage
rounded to one decimal, or None when there is nothing to divide by.

- CSAT: share of csat5 answers scoring 4 or 5, among csat5 answers in the period.
- NPS: % promoters (nps10 9–10) − % detractors (0–6), among nps10 answers in
  the period; from −100 to 100.
- Check-in response rate: check-ins sent (notifications of kind "checkin",
  status "sent", created in the period) that got a csat5 answer (a survey
  Feedback for the same shop and order), ÷ check-ins sent.
- Recovery: unhappy customers have a low answer (csat ≤ 2 or nps ≤ 6) in the
  period; recovered ones, after their first low answer in the period, answered
  csat 4–5 or nps ≥ 9, or placed an order (up to `until`).
- Weekly: CSAT and NPS per ISO week (UTC) of every week the period touches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from services.runtime.store.models import Customer, Feedback, Notification, Order

CSAT = "csat5"
NPS = "nps10"


@dataclass(frozen=True)
class WeekFigures:
    week: str  #: ISO week, e.g. "2025-W07"
    csat_answers: int
    csat: float | None
    nps_answers: int
    nps: float | None


@dataclass(frozen=True)
class ShopFigures:
    shop_id: str
    csat_answers: int
    csat: float | None
    nps_answers: int
    nps: float | None
    checkins_sent: int
    checkins_answered: int
    response_rate: float | None
    unhappy: int
    recovered: int
    recovery_rate: float | None
    weekly: tuple[WeekFigures, ...]


@dataclass(frozen=True)
class Answer:
    customer_id: str
    scale: str
    score: int
    received_at: datetime


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def csat_of(scores: Iterable[int]) -> float | None:
    values = list(scores)
    return percent(sum(1 for s in values if s >= 4), len(values))


def nps_of(scores: Iterable[int]) -> float | None:
    values = list(scores)
    if not values:
        return None
    promoters = sum(1 for s in values if s >= 9)
    detractors = sum(1 for s in values if s <= 6)
    return round(100 * (promoters - detractors) / len(values), 1)


def is_low(answer: Answer) -> bool:
    return (answer.scale == CSAT and answer.score <= 2) or (
        answer.scale == NPS and answer.score <= 6
    )


def is_high(answer: Answer) -> bool:
    return (answer.scale == CSAT and answer.score >= 4) or (
        answer.scale == NPS and answer.score >= 9
    )


def recovery(answers: list[Answer], orders: dict[str, list[datetime]]) -> tuple[int, int]:
    """(unhappy, recovered) from a shop's answers in the period and its orders by customer."""
    first_low: dict[str, datetime] = {}
    for answer in answers:
        if is_low(answer):
            known = first_low.get(answer.customer_id)
            if known is None or answer.received_at < known:
                first_low[answer.customer_id] = answer.received_at
    recovered = 0
    for customer_id, low_at in first_low.items():
        answered = any(
            a.customer_id == customer_id and a.received_at > low_at and is_high(a) for a in answers
        )
        bought = any(placed > low_at for placed in orders.get(customer_id, ()))
        recovered += answered or bought
    return len(first_low), recovered


def iso_week(moment: date) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_of(since: datetime, until: datetime) -> list[str]:
    monday = since.date() - timedelta(days=since.weekday())
    weeks = []
    while monday <= until.date():
        weeks.append(iso_week(monday))
        monday += timedelta(days=7)
    return weeks


def weekly_figures(answers: list[Answer], weeks: list[str]) -> tuple[WeekFigures, ...]:
    by_week: dict[tuple[str, str], list[int]] = defaultdict(list)
    for answer in answers:
        by_week[(iso_week(answer.received_at.date()), answer.scale)].append(answer.score)
    return tuple(
        WeekFigures(
            week,
            len(by_week[(week, CSAT)]),
            csat_of(by_week[(week, CSAT)]),
            len(by_week[(week, NPS)]),
            nps_of(by_week[(week, NPS)]),
        )
        for week in weeks
    )


def figures_of(
    shop_id: str,
    answers: list[Answer],
    orders: dict[str, list[datetime]],
    checkins: list[bool],
    weeks: list[str],
) -> ShopFigures:
    """One shop's figures from its answers in the period (pure)."""
    csat_scores = [a.score for a in answers if a.scale == CSAT]
    nps_scores = [a.score for a in answers if a.scale == NPS]
    answered = sum(checkins)
    unhappy, recovered = recovery(answers, orders)
    return ShopFigures(
        shop_id=shop_id,
        csat_answers=len(csat_scores),
        csat=csat_of(csat_scores),
        nps_answers=len(nps_scores),
        nps=nps_of(nps_scores),
        checkins_sent=len(checkins),
        checkins_answered=answered,
        response_rate=percent(answered, len(checkins)),
        unhappy=unhappy,
        recovered=recovered,
        recovery_rate=percent(recovered, unhappy),
        weekly=weekly_figures(answers, weeks),
    )


def satisfaction_report(
    session: Session, since: datetime, until: datetime, *, shop_id: str | None = None
) -> list[ShopFigures]:
    """Figures of every shop with answers or check-ins in [since, until], by shop id.

    With `shop_id`, exactly that shop's figures (all None when it has no data).
    """
    answer_query = select(
        Feedback.shop_id, Feedback.customer_id, Feedback.scale, Feedback.score, Feedback.received_at
    ).where(
        Feedback.received_at >= since,
        Feedback.received_at <= until,
        Feedback.scale.in_((CSAT, NPS)),
    )
    answered = exists().where(
        Feedback.shop_id == Notification.shop_id,
        Feedback.order_id == Notification.order_id,
        Feedback.channel == "survey",
        Feedback.scale == CSAT,
    )
    checkin_query = select(Notification.shop_id, answered).where(
        Notification.kind == "checkin",
        Notification.status == "sent",
        Notification.created_at >= since,
        Notification.created_at <= until,
    )
    order_query = (
        select(Customer.shop_id, Customer.customer_id, Order.placed_at)
        .join(Customer, Order.customer_pk == Customer.id)
        .where(Order.placed_at > since, Order.placed_at <= until)
    )
    if shop_id is not None:
        answer_query = answer_query.where(Feedback.shop_id == shop_id)
        checkin_query = checkin_query.where(Notification.shop_id == shop_id)
        order_query = order_query.where(Customer.shop_id == shop_id)

    answers: dict[str, list[Answer]] = defaultdict(list)
    for shop, customer, scale, score, received_at in session.execute(answer_query):
        answers[shop].append(Answer(customer, scale, score, received_at))
    checkins: dict[str, list[bool]] = defaultdict(list)
    for shop, was_answered in session.execute(checkin_query):
        checkins[shop].append(bool(was_answered))
    orders: dict[str, dict[str, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    for shop, customer, placed_at in session.execute(order_query):
        orders[shop][customer].append(placed_at)

    shops = [shop_id] if shop_id is not None else sorted(set(answers) | set(checkins))
    weeks = weeks_of(since, until)
    return [figures_of(shop, answers[shop], orders[shop], checkins[shop], weeks) for shop in shops]
