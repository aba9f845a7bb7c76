"""What a suppressed email address means for one message: a pure decision.

A customer's email to a suppressed address is not sent. A non-transactional
one is recorded as suppressed; a transactional one (an order confirmation, a
return's instructions: what the customer must get) takes the next channel the
customer can take, in the shop's ``delivery.prefer`` order (SMS when there is
a phone and a provider, the shop's webhook), or is recorded as suppressed
when there is none. An unsubscribe stops only non-transactional mail. Staff
alerts are not screened: their addresses are the shop's own configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.runtime.store.suppressions import Entry


@dataclass(frozen=True)
class Reroute:
    """Send it by another channel instead; ``why`` goes into the timeline."""

    channel: str
    recipient: str
    why: str


@dataclass(frozen=True)
class Suppress:
    """Do not send it; ``reason`` is the row's failure reason."""

    reason: str


def route_around(
    entry: Entry | None,
    *,
    channel: str,
    for_customer: bool,
    transactional: bool,
    prefer: Sequence[str],
    phone: str | None,
    sms_available: bool,
    webhook_url: str | None,
) -> Reroute | Suppress | None:
    """None: send the message as it is; else what to do instead."""
    if entry is None or channel != "email" or not for_customer:
        return None
    if not transactional:
        return Suppress(entry.why())
    if not entry.stops_transactional:
        return None
    for other in prefer:
        if other == "sms" and phone and sms_available:
            return Reroute("sms", phone, f"email address {entry.why()}; sent by SMS instead")
        if other == "webhook" and webhook_url:
            return Reroute(
                "webhook", webhook_url, f"email address {entry.why()}; sent to the shop's webhook"
            )
    return Suppress(f"{entry.why()}; no other channel reaches the customer")
