"""Returns: withdrawals, complaints (reklamacje) and exchanges."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from events.fields import Identifier, PositiveMoney, Quantity, Timestamp, WireModel, text

ReturnKind = Literal["withdrawal", "complaint", "exchange"]
ReturnOutcome = Literal["refunded", "replaced", "repaired", "rejected"]

Reason = Annotated[str, text(max_length=2000)]


class ReturnedItem(WireModel):
    sku: Identifier
    quantity: Quantity


#: Where a return request came from, when not from the shop's own systems:
#: `withdrawal_function` is the customer's "withdraw from contract here" button
#: on aftersale's order page (Directive 2011/83/EU, Article 11a).
ReturnSource = Literal["withdrawal_function"]


class ReturnRequestedData(WireModel):
    return_id: Identifier
    order_id: Identifier
    kind: ReturnKind
    reason: Reason | None = None
    items: list[ReturnedItem] = Field(min_length=1, max_length=1000)
    #: Optional (absent from the shop's own events); with `withdrawal_function`
    #: the refund deadline runs from this event, the withdrawal notice.
    source: ReturnSource | None = None


class ReturnReceivedData(WireModel):
    return_id: Identifier
    received_at: Timestamp


class ReturnResolvedData(WireModel):
    return_id: Identifier
    outcome: ReturnOutcome
    #: In the order's currency, which the event does not repeat: up to 4 decimals.
    refund_amount: PositiveMoney | None = None
    note: Reason | None = None
