"""What the order page shows: every stage with its date, and whether the customer
may still withdraw. Pure: rows in, a page model out, with the clock passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from services.domain.local_days import end_of_day, estimate_deadline, parse_estimate
from services.runtime.policies import Policies

#: `source` of a return made with the order page's withdrawal function.
WITHDRAWAL_FUNCTION = "withdrawal_function"

#: done: it happened; due: promised, still ahead; late: promised and past;
#: superseded: an estimate replaced by a newer one (shown crossed out).
StageState = Literal["done", "due", "late", "superseded", "waiting"]


@dataclass(frozen=True)
class HistoryStep:
    status: str
    at: datetime
    detail: dict[str, Any]


@dataclass(frozen=True)
class ReturnFacts:
    return_id: str
    kind: str
    status: str
    requested_at: datetime
    received_at: datetime | None
    resolved_at: datetime | None
    outcome: str | None
    source: str | None
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class TicketFacts:
    ticket_id: str
    subject: str
    status: str
    opened_at: datetime
    reply_due_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class OrderFacts:
    """The store's rows about one order, as the page reads them."""

    shop_id: str
    order_id: str
    status: str
    total: Decimal
    currency: str
    items: list[dict[str, Any]]
    placed_at: datetime
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    history: list[HistoryStep]
    returns: list[ReturnFacts]
    tickets: list[TicketFacts]
    customer_name: str | None
    customer_email: str | None
    locale: str
    timezone: str


@dataclass(frozen=True)
class Stage:
    """One line of the page's timeline; `key` picks its words, `at` its date."""

    key: str
    state: StageState
    at: datetime | date | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Withdrawal:
    """The withdrawal button, or why there is none.

    `state`: open (the button shows, until `until` when delivered), done (a
    withdrawal was received at `at`), ended (the period ended on `until`),
    off (the shop runs its own), closed (the order was cancelled).
    """

    state: Literal["open", "done", "ended", "off", "closed"]
    #: The moment the period ends, and its last day in the customer's zone.
    until: datetime | None = None
    last_day: date | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class OrderPage:
    facts: OrderFacts
    stages: list[Stage]
    withdrawal: Withdrawal
    now: datetime


def build_page(facts: OrderFacts, now: datetime, policies: Policies) -> OrderPage:
    return OrderPage(facts, stages(facts, now, policies), withdrawal(facts, now, policies), now)


def stages(facts: OrderFacts, now: datetime, policies: Policies) -> list[Stage]:
    """Placed, shipped, each delivery estimate (older ones superseded, the last one
    late once it has passed undelivered), delivered or cancelled, then every
    return or complaint and every ticket about the order."""
    found: list[Stage] = [Stage("placed", "done", facts.placed_at)]
    shipped = next((step for step in facts.history if step.status == "shipped"), None)
    estimates = [
        (step, str(step.detail["estimated_delivery"]))
        for step in facts.history
        if step.status in ("shipped", "delayed") and step.detail.get("estimated_delivery")
    ]
    if shipped is not None:
        found.append(Stage("shipped", "done", shipped.at, {
            "carrier": facts.carrier, "tracking_number": facts.tracking_number,
            "tracking_url": facts.tracking_url}))  # fmt: skip
    elif facts.cancelled_at is None:
        found.append(Stage("shipped", "waiting"))
    for index, (step, estimate) in enumerate(estimates):
        last = index == len(estimates) - 1
        detail = {"reason": step.detail.get("reason"), "changed": step.status == "delayed",
                  "announced_at": step.at}  # fmt: skip
        if not last or facts.delivered_at is not None or facts.cancelled_at is not None:
            state: StageState = "superseded" if not last else "done"
        elif now >= estimate_deadline(estimate, facts.timezone):
            state = "late"
        else:
            state = "due"
        found.append(Stage("estimate", state, parse_estimate(estimate), detail))
    if facts.cancelled_at is not None:
        found.append(Stage("cancelled", "done", facts.cancelled_at))
    elif facts.delivered_at is not None:
        found.append(Stage("delivered", "done", facts.delivered_at))
    else:
        found.append(Stage("delivered", "waiting"))
    found += [_return_stage(ret, now, policies) for ret in facts.returns]
    found += [_ticket_stage(ticket, now) for ticket in facts.tickets]
    return found


def _return_stage(ret: ReturnFacts, now: datetime, policies: Policies) -> Stage:
    detail: dict[str, Any] = {"return_id": ret.return_id, "kind": ret.kind,
                              "status": ret.status, "outcome": ret.outcome,
                              "requested_at": ret.requested_at}  # fmt: skip
    if ret.kind == "complaint":
        deadline: datetime | None = ret.requested_at + policies.complaints.reply_within
        detail["deadline_kind"] = "answer_by"
    else:
        detail["deadline_kind"] = "exchange_by" if ret.kind == "exchange" else "refund_by"
        if ret.source == WITHDRAWAL_FUNCTION:  # from the notice (Article 13)
            deadline = ret.requested_at + policies.withdrawal.refund_within
        elif ret.received_at is not None:
            deadline = ret.received_at + policies.withdrawal.refund_within
        else:
            deadline = None  # counted from the parcel's arrival, not known yet
    detail["deadline"] = deadline
    if ret.status == "resolved":
        return Stage("return", "done", ret.resolved_at, detail)
    if deadline is None:
        return Stage("return", "waiting", None, detail)
    return Stage("return", "late" if now >= deadline else "due", deadline, detail)


def _ticket_stage(ticket: TicketFacts, now: datetime) -> Stage:
    detail = {"ticket_id": ticket.ticket_id, "subject": ticket.subject,
              "opened_at": ticket.opened_at}  # fmt: skip
    if ticket.status == "resolved" or ticket.resolved_at is not None:
        return Stage("ticket", "done", ticket.resolved_at, detail)
    if ticket.reply_due_at is None:
        return Stage("ticket", "waiting", None, detail)
    late = now >= ticket.reply_due_at
    return Stage("ticket", "late" if late else "due", ticket.reply_due_at, detail)


def withdrawal(facts: OrderFacts, now: datetime, policies: Policies) -> Withdrawal:
    """The button shows from the order until `withdrawal.period` after delivery
    (a customer may withdraw before the goods arrive, too)."""
    received = [r for r in facts.returns if r.source == WITHDRAWAL_FUNCTION]
    if received:
        return Withdrawal("done", at=min(r.requested_at for r in received))
    if not policies.withdrawal.function:
        return Withdrawal("off")
    if facts.cancelled_at is not None:
        return Withdrawal("closed")
    if facts.delivered_at is None:
        return Withdrawal("open")
    until = period_end(facts.delivered_at, policies.withdrawal.period, facts.timezone)
    last_day = (until - timedelta(microseconds=1)).astimezone(ZoneInfo(facts.timezone)).date()
    return Withdrawal("open" if now < until else "ended", until=until, last_day=last_day)


def period_end(delivered_at: datetime, period: timedelta, timezone: str) -> datetime:
    """A period of whole days ends with its last day, at midnight in the
    customer's zone (14 days from a delivery on the 3rd: all of the 17th);
    a period of hours or seconds (test policies) ends on the dot."""
    if period % timedelta(days=1):
        return delivered_at + period
    last_day = delivered_at.astimezone(ZoneInfo(timezone)).date() + period
    return end_of_day(last_day, timezone)
