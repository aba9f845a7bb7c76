"""Whether and how a message reaches a customer (services.domain.reaching): tables."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.domain.policy_delivery import Delivery
from services.domain.reaching import OPTED_OUT, UNREACHABLE, Reach, reach_customer
from services.domain.views import CustomerView

ANNA = CustomerView("C-1", "Anna", "anna@example.pl", "+48600100200", "pl", "Europe/Warsaw",
                    marketing_consent=True, opted_out=False)  # fmt: skip
HOOK = "https://shop.example/hooks/notify"


@pytest.mark.parametrize(
    ("customer", "prefer", "webhook", "sms", "expected"),
    [
        (ANNA, ("email", "sms", "webhook"), "", True, ("email", "anna@example.pl")),
        (ANNA, ("sms", "email"), "", True, ("sms", "+48600100200")),
        (ANNA, ("sms", "email"), "", False, ("email", "anna@example.pl")),  # no SMS provider
        (replace(ANNA, email=None), ("email", "sms"), "", True, ("sms", "+48600100200")),
        (replace(ANNA, email=None, phone=None), ("email", "sms", "webhook"), HOOK, True,
         ("webhook", HOOK)),
        (replace(ANNA, email=None), ("email", "webhook"), "", True, ("none", "C-1")),
        (None, ("email",), HOOK, True, ("none", "unknown")),
    ],
)  # fmt: skip
def test_the_first_preferred_channel_the_customer_can_take(
    customer: CustomerView | None,
    prefer: tuple[str, ...],
    webhook: str,
    sms: bool,
    expected: tuple[str, str],
) -> None:
    delivery = Delivery(prefer=prefer, webhook_url=webhook)  # type: ignore[arg-type]
    reach = reach_customer(customer, "order_confirmation", delivery, sms_available=sms)
    assert (reach.channel, reach.recipient) == expected
    assert reach.held_back == (UNREACHABLE if expected[0] == "none" else None)


@pytest.mark.parametrize(
    ("kind", "opted_out", "suppress", "held_back", "refusable"),
    [
        ("order_confirmation", False, None, None, False),
        ("order_confirmation", True, None, None, False),  # transactional: sent even so
        ("review_request", False, None, None, True),  # carries an unsubscribe link
        ("review_request", True, None, OPTED_OUT, True),
        ("checkin", True, None, OPTED_OUT, True),
        ("order_shipped", False, "already delivered", "already delivered", False),
        ("checkin", True, "order cancelled", "order cancelled", True),  # the decision's reason
    ],
)
def test_opt_out_holds_back_only_what_the_customer_may_refuse(
    kind: str, opted_out: bool, suppress: str | None, held_back: str | None, refusable: bool
) -> None:
    customer = replace(ANNA, opted_out=opted_out)
    reach = reach_customer(customer, kind, Delivery(), suppress=suppress)
    assert reach == Reach("email", "anna@example.pl", held_back, refusable=refusable)
