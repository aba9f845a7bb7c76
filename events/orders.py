"""Order and shipment events."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import ConfigDict, Field, ModelWrapValidatorHandler, model_validator
from pydantic.json_schema import JsonSchemaValue

from events.customers import Customer
from events.fields import (
    Currency,
    DeliveryEstimate,
    Identifier,
    PositiveMoney,
    Quantity,
    Timestamp,
    Url,
    WireModel,
    line,
    text,
)
from events.money import amounts_in, decimals_by_currency

Reason = Annotated[str, text(max_length=2000)]


class OrderItem(WireModel):
    sku: Identifier
    name: Annotated[str, line(min_length=1, max_length=500)]
    quantity: Quantity
    unit_price: PositiveMoney
    category: Annotated[str, line(max_length=128)] | None = None


def _amounts(money: JsonSchemaValue) -> JsonSchemaValue:
    return {
        "properties": {
            "total": money,
            "items": {"items": {"properties": {"unit_price": money}}},
        }
    }


def _decimals_by_currency(schema: JsonSchemaValue) -> None:
    schema["allOf"] = decimals_by_currency(_amounts)


class OrderPlacedData(WireModel):
    model_config = ConfigDict(json_schema_extra=_decimals_by_currency)

    order_id: Identifier
    customer: Customer
    items: list[OrderItem] = Field(min_length=1, max_length=1000)
    total: PositiveMoney
    currency: Currency
    promised_delivery_by: DeliveryEstimate | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _amounts_in_currency(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        # The total and the prices may have as many decimals as `currency` has.
        with amounts_in(data.get("currency") if isinstance(data, dict) else None):
            return handler(data)


class OrderShippedData(WireModel):
    order_id: Identifier
    carrier: Annotated[str, line(min_length=1, max_length=128)]
    tracking_number: Annotated[str, line(min_length=1, max_length=128)]
    tracking_url: Url | None = None
    estimated_delivery: DeliveryEstimate


class ShipmentDelayedData(WireModel):
    order_id: Identifier
    reason: Reason | None = None
    new_estimated_delivery: DeliveryEstimate


class OrderDeliveredData(WireModel):
    order_id: Identifier
    delivered_at: Timestamp


class OrderCancelledData(WireModel):
    order_id: Identifier
    reason: Reason | None = None
