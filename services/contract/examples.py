"""One realistic, valid example envelope per event type (a Polish shop, `shop-42`)."""

from __future__ import annotations

import copy
from typing import Any

from events import EVENT_MODELS, SCHEMA_VERSION

SHOP_ID = "shop-42"
ORDER_ID = "PL-2026-000981"
CUSTOMER_ID = "cust-7781"
TICKET_ID = "T-30417"
RETURN_ID = "RET-2026-0147"

_CUSTOMER: dict[str, Any] = {
    "customer_id": CUSTOMER_ID,
    "email": "zofia.wisniewska@example.pl",
    "phone": "+48 601 234 567",
    "name": "Zofia Wiśniewska",
    "locale": "pl",
    "timezone": "Europe/Warsaw",
    "marketing_consent": True,
}

#: (occurred_at, data) of each example, in the order of the contract.
_EXAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "order.placed": (
        "2026-11-23T10:15:00+01:00",
        {
            "order_id": ORDER_ID,
            "customer": _CUSTOMER,
            "items": [
                {
                    "sku": "KET-2200-BLK",
                    "name": "Czajnik elektryczny 2200 W, czarny",
                    "quantity": 2,
                    "unit_price": "522.25",
                    "category": "agd",
                },
                {
                    "sku": "MUG-SET-6",
                    "name": "Zestaw kubków ceramicznych (6 szt.)",
                    "quantity": 1,
                    "unit_price": "190.00",
                    "category": "kuchnia",
                },
            ],
            "total": "1234.50",
            "currency": "PLN",
            "promised_delivery_by": "2026-11-26",
        },
    ),
    "order.shipped": (
        "2026-11-24T09:40:00+01:00",
        {
            "order_id": ORDER_ID,
            "carrier": "InPost",
            "tracking_number": "620000000123456789012345",
            "tracking_url": (
                "https://inpost.pl/sledzenie-przesylek?number=620000000123456789012345"
            ),
            "estimated_delivery": "2026-11-26",
        },
    ),
    "shipment.delayed": (
        "2026-11-25T16:05:00+01:00",
        {
            "order_id": ORDER_ID,
            "reason": "Opóźnienie w sortowni przewoźnika",
            "new_estimated_delivery": "2026-11-28T18:00:00+01:00",
        },
    ),
    "order.delivered": (
        "2026-11-28T13:22:00+01:00",
        {"order_id": ORDER_ID, "delivered_at": "2026-11-28T13:20:41+01:00"},
    ),
    "order.cancelled": (
        "2026-11-23T11:02:00+01:00",
        {"order_id": "PL-2026-000982", "reason": "Klientka zrezygnowała przed wysyłką"},
    ),
    "return.requested": (
        "2026-12-02T19:03:00+01:00",
        {
            "return_id": RETURN_ID,
            "order_id": ORDER_ID,
            "kind": "complaint",
            "reason": "Czajnik przecieka przy podstawie",
            "items": [{"sku": "KET-2200-BLK", "quantity": 1}],
        },
    ),
    "return.received": (
        "2026-12-05T11:30:00+01:00",
        {"return_id": RETURN_ID, "received_at": "2026-12-05T11:27:12+01:00"},
    ),
    "return.resolved": (
        "2026-12-07T14:10:00+01:00",
        {
            "return_id": RETURN_ID,
            "outcome": "refunded",
            "refund_amount": "522.25",
            "note": "Zwrot na kartę w ciągu 3 dni roboczych",
        },
    ),
    "feedback.received": (
        "2026-12-08T20:45:00+01:00",
        {
            "feedback_id": "fb-55120",
            "order_id": ORDER_ID,
            "customer_id": CUSTOMER_ID,
            "scale": "nps10",
            "score": 9,
            "comment": "Szybka dostawa i sprawnie załatwiona reklamacja.",
            "channel": "survey",
        },
    ),
    "ticket.opened": (
        "2026-11-25T08:12:00+01:00",
        {
            "ticket_id": TICKET_ID,
            "customer": _CUSTOMER,
            "channel": "email",
            "priority": "high",
            "subject": "Gdzie jest moja paczka?",
            "order_id": ORDER_ID,
        },
    ),
    "ticket.replied": (
        "2026-11-25T08:31:00+01:00",
        {"ticket_id": TICKET_ID, "author": "agent", "replied_at": "2026-11-25T08:30:55+01:00"},
    ),
    "ticket.resolved": (
        "2026-11-28T13:40:00+01:00",
        {"ticket_id": TICKET_ID, "resolved_at": "2026-11-28T13:39:20+01:00"},
    ),
    "callback.promised": (
        "2026-11-25T08:32:00+01:00",
        {"ticket_id": TICKET_ID, "due_at": "2026-11-25T15:00:00+01:00", "agent": "Marta K."},
    ),
    "callback.completed": (
        "2026-11-25T14:52:00+01:00",
        {"ticket_id": TICKET_ID, "completed_at": "2026-11-25T14:51:03+01:00"},
    ),
    "customer.updated": (
        "2026-12-10T09:00:00+01:00",
        {"customer_id": CUSTOMER_ID, "phone": "+48 601 234 568", "marketing_consent": False},
    ),
}


def example_envelope(event_type: str) -> dict[str, Any]:
    """A valid envelope of `event_type`, as a shop would publish it (a fresh copy)."""
    occurred_at, data = _EXAMPLES[event_type]
    number = list(EVENT_MODELS).index(event_type) + 1
    return {
        "event_id": f"01JDA7Q3M5X8N2V6C9B4K1T0{number:02d}",
        "type": event_type,
        "schema_version": SCHEMA_VERSION,
        "occurred_at": occurred_at,
        "shop_id": SHOP_ID,
        "data": copy.deepcopy(data),
    }


def example_envelopes() -> dict[str, dict[str, Any]]:
    """One example per event type, in the order of the contract."""
    return {event_type: example_envelope(event_type) for event_type in EVENT_MODELS}
