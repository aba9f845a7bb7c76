"""Realistic contexts for every kind of message, for tests and previews.

Every context is JSON-friendly, as the notifier and the escalator build them:
moments are ISO 8601 datetimes with an offset, days are ISO dates, money is
``{"amount": "1234.50", "currency": "PLN"}``, durations are seconds (or text).
The moment of writing is :data:`SAMPLE_NOW` (the context key ``now``).
"""

from __future__ import annotations

import copy
from typing import Any

from services.domain.kinds import CUSTOMER_KINDS, KINDS
from services.runtime.rendering.render import resolve_locale

__all__ = ["SAMPLE_NOW", "sample_context"]

#: When the sample messages are written: Monday 23 November 2026, 10:15 in Warsaw.
SAMPLE_NOW = "2026-11-23T09:15:00+00:00"

_SHOP = {
    "name": "Zielony Ogród",
    "email": "pomoc@zielony-ogrod.pl",
    "phone": "+48 22 123 45 67",
    "url": "https://zielony-ogrod.pl",
}

_CUSTOMER = {
    "pl": {"customer_name": "Anna Kowalska", "timezone": "Europe/Warsaw"},
    "en": {"customer_name": "Emma Walker", "timezone": "Europe/London"},
}

#: Free text that callers pass through in the customer's language.
_WORDS = {
    "pl": {
        "delay_reason": "Przewoźnik ma opóźnienia w sortowni w Strykowie.",
        "ticket_subject": "Brak faktury do zamówienia",
        "resolution_note": "Środki wrócą na kartę użytą przy zakupie.",
        "feedback_comment": "Paczka przyszła uszkodzona, a nikt nie odbiera telefonu.",
        "item": "Donica ceramiczna 40 cm",
    },
    "en": {
        "delay_reason": "The carrier's sorting centre is running late.",
        "ticket_subject": "Missing invoice for my order",
        "resolution_note": "The money goes back to the card used for the purchase.",
        "feedback_comment": "The parcel arrived damaged and nobody answers the phone.",
        "item": "Ceramic planter 40 cm",
    },
}


def _money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "PLN"}


def _specifics(words: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The kind-specific keys of every sample."""
    unsubscribe = "https://zielony-ogrod.pl/aftersale/unsubscribe?token=eyJjIjoiQzEwMjQifQ.s1g"
    ticket = {
        "ticket_id": "T-4711",
        "channel": "email",
        "priority": "high",
        "subject": words["ticket_subject"],
        "customer": "Anna K. (a***a@e***.pl)",
        "due_at": "2026-11-23T10:00:00+00:00",
    }
    return {
        "order_confirmation": {
            "order_id": "ZO-2026-1042",
            "items": [
                {
                    "name": "Sekator nożycowy",
                    "quantity": 1,
                    "unit_price": _money("89.00"),
                    "sku": "SEK-200",
                },
                {
                    "name": "Rękawice ogrodowe",
                    "quantity": 2,
                    "unit_price": _money("24.50"),
                    "sku": "REK-M",
                },
                {
                    "name": "Donica ceramiczna 40 cm",
                    "quantity": 2,
                    "unit_price": _money("548.25"),
                    "sku": "DON-40",
                },
            ],
            "total": _money("1234.50"),
            "expected_delivery": "2026-11-25",
        },
        "order_shipped": {
            "order_id": "ZO-2026-1042",
            "carrier": "InPost",
            "tracking_number": "620000123456789012345678",
            "tracking_url": "https://inpost.pl/sledzenie-przesylek?number=620000123456789012345678",
            "estimated_delivery": "2026-11-25",
        },
        "shipment_delayed": {
            "order_id": "ZO-2026-1042",
            "reason": words["delay_reason"],
            "new_estimated_delivery": "2026-11-27",
            "next_update_by": None,
        },
        "return_instructions": {
            "order_id": "ZO-2026-1042",
            "return_id": "R-311",
            "return_kind": "withdrawal",
            "items": [{"sku": "DON-40", "quantity": 2}],
            "refund_within_days": 14,
        },
        "withdrawal_received": {
            "order_id": "ZO-2026-1042",
            "return_id": "WD-5f1c2a9e0b7d4c31",
            "items": [{"sku": "DON-40", "name": words["item"], "quantity": 2}],
            "received_at": "2026-11-23T09:14:05+00:00",
            "send_back_by": "2026-12-07T09:14:05+00:00",
            "refund_by": "2026-12-07T09:14:05+00:00",
        },
        "complaint_received": {
            "order_id": "ZO-2026-1042",
            "return_id": "R-312",
            "answer_by": "2026-12-07T09:15:00+00:00",
        },
        "return_received": {
            "order_id": "ZO-2026-1042",
            "return_id": "R-311",
            "return_kind": "withdrawal",
            "decision_by": "2026-12-07T09:15:00+00:00",
        },
        "return_resolved": {
            "order_id": "ZO-2026-1042",
            "return_id": "R-311",
            "outcome": "refunded",
            "refund_amount": _money("1234.50"),
            "note": words["resolution_note"],
        },
        "ticket_received": {
            "ticket_id": "T-4711",
            "subject": words["ticket_subject"],
            "reply_by": "2026-11-23T10:15:00+00:00",
        },
        "checkin": {
            "order_id": "ZO-2026-1042",
            "delivered_at": "2026-11-25T13:05:00+00:00",
            "csat_links": [
                {"score": score, "url": f"https://zielony-ogrod.pl/aftersale/csat/{score}?t=c7f3"}
                for score in range(1, 6)
            ],
            "help_url": "https://zielony-ogrod.pl/pomoc",
            "offer_more": True,
            "unsubscribe_url": unsubscribe,
        },
        "feedback_apology": {
            "order_id": "ZO-2026-1042",
            "discount_code": "PRZEPRASZAMY10",
            "discount_percent": 10,
            "discount_valid_until": "2026-12-25",
            "contact_by": "2026-11-24T09:15:00+00:00",
        },
        "review_request": {
            "order_id": "ZO-2026-1042",
            "review_url": "https://zielony-ogrod.pl/opinie?order=ZO-2026-1042",
            "unsubscribe_url": unsubscribe,
        },
        "delivery_overdue": {
            "order_id": "ZO-2026-1042",
            "customer": "Anna K. (a***a@e***.pl)",
            "estimated_delivery": "2026-11-25",
            "overdue_by": 8_100,
            "policy": "shipping.delay_grace",
        },
        "sla_warning": {**ticket, "remaining": 900, "policy": "sla.email.first_response"},
        "sla_breach": {
            **ticket,
            "late_by": 8_100,
            "level": 1,
            "policy": "sla.email.first_response",
        },
        "callback_overdue": {
            "ticket_id": "T-4711",
            "due_at": "2026-11-23T08:00:00+00:00",
            "late_by": 4_500,
            "agent": "Marta Nowak",
        },
        "complaint_deadline": {
            "return_id": "R-312",
            "order_id": "ZO-2026-1042",
            "deadline": "2026-12-07T09:15:00+00:00",
            "remaining": 4 * 86_400 + 3 * 3_600,
            "deemed_accepted_on": "2026-12-08",
        },
        "refund_deadline": {
            "return_id": "R-311",
            "order_id": "ZO-2026-1042",
            "deadline": "2026-12-07T09:15:00+00:00",
            "remaining": 86_400,
        },
        "withdrawal_notice": {
            "order_id": "ZO-2026-1042",
            "return_id": "WD-5f1c2a9e0b7d4c31",
            "customer": "c-1042 (a***a@e***.pl)",
            "items": [{"sku": "DON-40", "name": words["item"], "quantity": 2}],
            "received_at": "2026-11-23T09:14:05+00:00",
            "send_back_by": "2026-12-07T09:14:05+00:00",
            "refund_by": "2026-12-07T09:14:05+00:00",
        },
        "negative_feedback": {
            "order_id": "ZO-2026-1042",
            "customer": "Anna K. (a***a@e***.pl)",
            "score": 1,
            "scale": "csat",
            "comment": words["feedback_comment"],
            "ticket_id": "T-4712",
            "contact_by": "2026-11-24T09:15:00+00:00",
        },
    }


def sample_context(kind: str, locale: str) -> dict[str, Any]:
    """A fresh, realistic context for ``kind`` in ``locale`` ("pl" or "en")."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    lang = resolve_locale(locale)
    common: dict[str, Any] = {
        "locale": lang,
        "timezone": _CUSTOMER[lang]["timezone"],
        "shop": dict(_SHOP),
        "now": SAMPLE_NOW,
    }
    if kind in CUSTOMER_KINDS:
        common["customer_name"] = _CUSTOMER[lang]["customer_name"]
    specific = _specifics(_WORDS[lang])[kind]
    return {**common, **copy.deepcopy(specific)}
