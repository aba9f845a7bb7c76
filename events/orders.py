"""Order and shipment events."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from events.customers import Customer
from events.fields import (
    Currency,
    DeliveryEstimate,
    Identifier,
    PositiveMoney,
    Quantity,
)


class OrderItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sku: Identifier
    name: str = Field(min_length=1, max_length=500)
    quantity: Quantity
    unit_price: PositiveMoney
    category: str | None = Field(default=None, max_length=128)


class OrderPlacedData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: Identifier
    customer: Customer
    items: list[OrderItem] = Field(min_length=1, max_length=1000)
    total: PositiveMoney
    currency: Currency
    promised_delivery_by: DeliveryEstimate | None = None


class OrderShippedData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: Identifier
    carrier: str = Field(min_length=1, max_length=128)
    tracking_number: str = Field(min_length=1, max_length=128)
    tracking_url: str | None = Field(default=None, max_length=2048, pattern=r"^https?://")
    estimated_delivery: DeliveryEstimate


class ShipmentDelayedData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: Identifier
    reason: str | None = Field(default=None, max_length=2000)
    new_estimated_delivery: DeliveryEstimate


class OrderDeliveredData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: Identifier
    delivered_at: AwareDatetime


class OrderCancelledData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: Identifier
    reason: str | None = Field(default=None, max_length=2000)
