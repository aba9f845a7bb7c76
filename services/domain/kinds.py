"""The kinds of message aftersale sends, and which of them are which."""

from __future__ import annotations

__all__ = [
    "CUSTOMER_KINDS",
    "KINDS",
    "LOCALES",
    "MARKETING_KINDS",
    "STAFF_KINDS",
    "TRANSACTIONAL_KINDS",
]

#: Message locales with templates; Polish is the default.
LOCALES = ("pl", "en")

#: Messages sent because of something the customer did or is owed: they go out
#: even to customers who opted out, and carry no unsubscribe link.
TRANSACTIONAL_KINDS = (
    "order_confirmation",
    "order_shipped",
    "shipment_delayed",
    "return_instructions",
    "complaint_received",
    "return_received",
    "return_resolved",
    "ticket_received",
    "feedback_apology",
    "withdrawal_received",
)

#: Customer messages the customer may refuse: each must carry an unsubscribe link.
MARKETING_KINDS = ("checkin", "review_request")

#: Every message to a customer.
CUSTOMER_KINDS = TRANSACTIONAL_KINDS + MARKETING_KINDS

#: Alerts to support staff (email and Slack-compatible webhooks).
STAFF_KINDS = (
    "delivery_overdue",
    "sla_warning",
    "sla_breach",
    "callback_overdue",
    "complaint_deadline",
    "refund_deadline",
    "negative_feedback",
    "withdrawal_notice",
)

#: Every kind of message.
KINDS = CUSTOMER_KINDS + STAFF_KINDS
