"""What a piece of feedback sets in motion. Pure.

Low (csat ≤ 2, nps ≤ 6, or a comment posted on social media): an apology with
the policy's compensation, a high-priority ticket for a person with its own
SLA clock, and a staff alert. High (csat 5, nps ≥ 9) with marketing consent:
a review request. Anything else is only recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events.feedback import FeedbackReceivedData
from services.domain.effects import AlertStaff, Effect, NotifyCustomer, OpenTicket
from services.domain.sla import sla_clock, start_clock
from services.domain.views import World
from services.runtime.policies import Policies

#: The ticket channel a person answers on, by where the feedback came from.
TICKET_CHANNEL = {"survey": "form", "review": "form", "social": "social", "email": "email"}


def is_unhappy(data: FeedbackReceivedData) -> bool:
    if data.channel == "social" and data.comment:
        return True
    return data.score <= 2 if data.scale == "csat5" else data.score <= 6


def is_delighted(data: FeedbackReceivedData) -> bool:
    return data.score == 5 if data.scale == "csat5" else data.score >= 9


def recovery_ticket_id(feedback_id: str) -> str:
    return f"fb-{feedback_id}"[:128]


def on_feedback(
    event_id: str,
    data: FeedbackReceivedData,
    world: World,
    now: datetime,
    policies: Policies,
    *,
    discount_code: str | None,
    customer_label: str,
) -> list[Effect]:
    if is_unhappy(data):
        return _recover(event_id, data, world, now, policies, discount_code, customer_label)
    customer = world.customer
    if is_delighted(data) and customer is not None and customer.marketing_consent:
        return [
            NotifyCustomer(
                "review_request",
                f"feedback:{data.feedback_id}",
                {"order_id": data.order_id, "review_url": policies.feedback.review_url},
                order_id=data.order_id,
            )
        ]
    return []


def _recover(
    event_id: str,
    data: FeedbackReceivedData,
    world: World,
    now: datetime,
    policies: Policies,
    discount_code: str | None,
    customer_label: str,
) -> list[Effect]:
    contact_by = now + policies.feedback.person_contacts_within
    ticket_id = recovery_ticket_id(data.feedback_id)
    scale = "csat" if data.scale == "csat5" else "nps"
    alert: dict[str, Any] = {
        "order_id": data.order_id,
        "customer": customer_label,
        "score": data.score,
        "scale": scale,
        "comment": data.comment,
        "ticket_id": ticket_id if world.customer is not None else None,
        "contact_by": contact_by.isoformat(),
    }
    effects: list[Effect] = []
    if world.customer is not None:
        channel = TICKET_CHANNEL[data.channel]
        maximum = 5 if data.scale == "csat5" else 10
        subject = f"Negative feedback {data.score}/{maximum}: {data.comment or 'no comment'}"
        effects.append(OpenTicket(ticket_id, channel, "high", subject[:500], data.order_id, now))
        effects += start_clock(
            ticket_id, sla_clock(now, channel, "high", policies), "first_reply", first=True
        )
        compensation = policies.feedback.compensation
        offers = compensation.kind == "discount_code" and discount_code is not None
        effects.append(
            NotifyCustomer(
                "feedback_apology",
                f"feedback:{data.feedback_id}",
                {
                    "order_id": data.order_id,
                    "discount_code": discount_code if offers else None,
                    "discount_percent": compensation.percent if offers else None,
                    "discount_valid_until": (
                        (now + compensation.valid_for).date().isoformat() if offers else None
                    ),
                    "contact_by": contact_by.isoformat(),
                },
                order_id=data.order_id,
                ticket_id=ticket_id,
            )
        )
    effects.append(
        AlertStaff(
            "negative_feedback",
            f"feedback:{data.feedback_id}",
            1,
            alert,
            data.order_id,
            alert["ticket_id"],
        )
    )
    return effects
