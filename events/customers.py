"""The customer as shops describe it, and `customer.updated`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from events.fields import Email, Identifier, Locale, Phone, TimeZoneName


class Customer(BaseModel):
    """Who the order or ticket belongs to; contact data decides the channel."""

    model_config = ConfigDict(extra="ignore")

    customer_id: Identifier
    email: Email | None = None
    phone: Phone | None = None
    name: str | None = None
    locale: Locale = "pl"
    timezone: TimeZoneName = "Europe/Warsaw"
    marketing_consent: bool = False


class CustomerUpdated(BaseModel):
    """Only the fields present are changed; `opted_out` stops non-transactional messages."""

    model_config = ConfigDict(extra="ignore")

    customer_id: Identifier
    email: Email | None = None
    phone: Phone | None = None
    name: str | None = None
    locale: Locale | None = None
    timezone: TimeZoneName | None = None
    marketing_consent: bool | None = None
    opted_out: bool | None = None
