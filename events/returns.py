"""Returns: withdrawals, complaints (reklamacje) and exchanges."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from events.fields import Identifier, PositiveMoney, Quantity

ReturnKind = Literal["withdrawal", "complaint", "exchange"]
ReturnOutcome = Literal["refunded", "replaced", "repaired", "rejected"]


class ReturnedItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sku: Identifier
    quantity: Quantity


class ReturnRequestedData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    return_id: Identifier
    order_id: Identifier
    kind: ReturnKind
    reason: str | None = Field(default=None, max_length=2000)
    items: list[ReturnedItem] = Field(min_length=1, max_length=1000)


class ReturnReceivedData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    return_id: Identifier
    received_at: AwareDatetime


class ReturnResolvedData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    return_id: Identifier
    outcome: ReturnOutcome
    refund_amount: PositiveMoney | None = None
    note: str | None = Field(default=None, max_length=2000)
