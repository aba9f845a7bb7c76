"""The withdrawal function's event: a `return.requested` of kind `withdrawal`
with `source: "withdrawal_function"`, published like any shop event.

Its ids come from the shop and the order, so a second confirmation of the same
order is the same event: the ingest records it once, nothing new happens.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import datetime

from events.text import CONTROL
from services.order_page.model import OrderFacts

SOURCE = "withdrawal_function"
#: Longest name the confirmation form takes.
MAX_NAME = 200
_CONTROL = re.compile(f"[{CONTROL}]")


def clean_name(name: str) -> str:
    """A name as typed, without control characters or runs of spaces (the
    contract refuses control characters in any text)."""
    return " ".join(_CONTROL.sub(" ", name).split())[:MAX_NAME]


def withdrawal_ids(shop_id: str, order_id: str) -> tuple[str, str]:
    """(event_id, return_id) of an order's withdrawal."""
    digest = hashlib.sha256(f"{shop_id}\x1f{order_id}".encode()).hexdigest()[:24]
    return f"withdrawal-{digest}", f"WD-{digest[:16]}"


def withdrawal_event(
    facts: OrderFacts, skus: Sequence[str], name: str, now: datetime, locale: str
) -> bytes:
    """The event for withdrawing from the items `skus` (all their quantity)."""
    event_id, return_id = withdrawal_ids(facts.shop_id, facts.order_id)
    chosen = set(skus)
    items = [
        {"sku": item["sku"], "quantity": item["quantity"]}
        for item in facts.items
        if item["sku"] in chosen
    ]
    given = clean_name(name)
    reason = ("Odstąpienie od umowy na stronie zamówienia" if locale == "pl"
              else "Withdrawal from the contract on the order page")  # fmt: skip
    if given and given != (facts.customer_name or ""):
        reason += f" ({given})"
    event = {
        "event_id": event_id,
        "type": "return.requested",
        "schema_version": 1,
        "occurred_at": now.isoformat(),
        "shop_id": facts.shop_id,
        "data": {
            "return_id": return_id,
            "order_id": facts.order_id,
            "kind": "withdrawal",
            "reason": reason,
            "items": items,
            "source": SOURCE,
        },
    }
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
