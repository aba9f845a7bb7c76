"""Feedback recovery and review requests. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from events.feedback import FeedbackReceivedData
from services.domain.effects import AlertStaff, NotifyCustomer, OpenTicket, ScheduleTimer
from services.domain.views import CustomerView, World
from services.feedback.decide import is_delighted, is_unhappy, on_feedback
from services.runtime.policies import load_policies

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
POLICIES = load_policies(None).for_shop("shop-42")


def feedback(scale: str, score: int, channel: str = "survey", comment: str | None = None) -> Any:
    return FeedbackReceivedData(feedback_id="f-1", order_id="o-1", customer_id="c-1",
                                scale=scale, score=score, channel=channel, comment=comment)  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize(
    ("scale", "score", "channel", "comment", "unhappy", "delighted"),
    [
        ("csat5", 1, "survey", None, True, False),
        ("csat5", 2, "survey", None, True, False),
        ("csat5", 3, "survey", None, False, False),
        ("csat5", 4, "review", None, False, False),
        ("csat5", 5, "review", None, False, True),
        ("nps10", 6, "email", None, True, False),
        ("nps10", 7, "email", None, False, False),
        ("nps10", 9, "email", None, False, True),
        ("nps10", 10, "social", "Super!", True, True),  # any social comment gets a person
    ],
)  # fmt: skip
def test_who_is_unhappy_and_who_is_delighted(
    scale: str, score: int, channel: str, comment: str | None, unhappy: bool, delighted: bool
) -> None:
    data = feedback(scale, score, channel, comment)
    assert (is_unhappy(data), is_delighted(data)) == (unhappy, delighted)


def world(consent: bool) -> World:
    customer = CustomerView("c-1", "Ewa", "ewa@example.com", None, "pl", "Europe/Warsaw",
                            consent, False)  # fmt: skip
    return World("shop-42", customer=customer)


def test_a_low_score_gets_apology_with_code_a_ticket_with_clock_and_an_alert() -> None:
    effects = on_feedback("e-1", feedback("csat5", 1, comment="Zbity kubek"), world(False), NOW,
                          POLICIES, discount_code="SORRY-ABC", customer_label="c-1")  # fmt: skip
    [ticket] = [e for e in effects if isinstance(e, OpenTicket)]
    assert (ticket.ticket_id, ticket.priority, ticket.channel) == ("fb-f-1", "high", "form")
    timers = {(e.kind, e.subject_id): e.due_at for e in effects if isinstance(e, ScheduleTimer)}
    assert timers[("sla_breach", "fb-f-1#1")] == NOW + timedelta(hours=1)
    [apology] = [e for e in effects if isinstance(e, NotifyCustomer)]
    assert apology.kind == "feedback_apology"
    assert apology.context["discount_code"] == "SORRY-ABC"
    assert apology.context["discount_percent"] == 10
    assert apology.context["discount_valid_until"] == "2026-12-23"
    assert apology.context["contact_by"] == (NOW + timedelta(hours=24)).isoformat()
    [alert] = [e for e in effects if isinstance(e, AlertStaff)]
    assert alert.kind == "negative_feedback" and alert.context["comment"] == "Zbity kubek"
    assert alert.context["ticket_id"] == "fb-f-1"
    assert effects.index(ticket) < effects.index(apology)  # the ticket exists before its clock


@pytest.mark.parametrize(("consent", "expected"), [(True, ["review_request"]), (False, [])])
def test_a_top_score_asks_for_a_review_only_with_consent(
    consent: bool, expected: list[str]
) -> None:
    effects = on_feedback("e-1", feedback("csat5", 5), world(consent), NOW, POLICIES,
                          discount_code=None, customer_label="c-1")  # fmt: skip
    assert [e.kind for e in effects if isinstance(e, NotifyCustomer)] == expected


def test_a_middle_score_is_only_recorded() -> None:
    assert on_feedback("e-1", feedback("nps10", 8), world(True), NOW, POLICIES,
                       discount_code=None, customer_label="c-1") == []  # fmt: skip


def test_unhappy_feedback_from_an_unknown_customer_still_alerts_staff() -> None:
    effects = on_feedback("e-1", feedback("csat5", 1), World("shop-42"), NOW, POLICIES,
                          discount_code="X", customer_label="unknown customer")  # fmt: skip
    assert [type(e) for e in effects] == [AlertStaff]
