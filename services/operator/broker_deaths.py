"""What the broker itself wrote on a message it dead-lettered. Pure.

A quorum queue dead-letters a message it handed out `x-delivery-limit` times
without an acknowledgement (a poison message that kills its consumer): it
reaches `aftersale.dead-letter` without our `x-aftersale-*` headers, only the
broker's `x-death` table, which says why, from which queue and under which
routing key it was first published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: x-death reasons in the operator's words.
REASONS = {
    "delivery_limit": "handed out {count} times and never acknowledged "
    "(x-delivery-limit of {queue}): each consumer that took it died or returned it",
    "rejected": "rejected by a consumer of {queue}",
    "expired": "expired in {queue}",
    "maxlen": "dropped by {queue}'s length limit",
}


@dataclass(frozen=True)
class BrokerDeath:
    reason: str
    queue: str
    exchange: str
    routing_key: str | None
    count: int
    time: datetime | None

    @property
    def error_code(self) -> str:
        return self.reason

    def explained(self) -> str:
        template = REASONS.get(self.reason, "dead-lettered by the broker ({reason}) from {queue}")
        return template.format(reason=self.reason, queue=self.queue, count=self.count)


def _text(value: Any) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def first_death(headers: dict[str, Any]) -> BrokerDeath | None:
    """The broker's record of the last time it dead-lettered this message (the
    first entry of `x-death`), or None when it never did."""
    deaths = headers.get("x-death")
    if not isinstance(deaths, list) or not deaths or not isinstance(deaths[0], dict):
        return None
    death = deaths[0]
    keys = death.get("routing-keys")
    count = death.get("count")
    moment = death.get("time")
    return BrokerDeath(
        reason=_text(death.get("reason", "unknown")),
        queue=_text(death.get("queue", "?")),
        exchange=_text(death.get("exchange", "")),
        routing_key=_text(keys[0]) if isinstance(keys, list) and keys else None,
        count=count if isinstance(count, int) else 1,
        time=moment if isinstance(moment, datetime) else None,
    )
