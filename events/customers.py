"""The customer as shops describe it, and `customer.updated`."""

from __future__ import annotations

from typing import Annotated

from events.fields import Email, Identifier, Locale, Phone, TimeZoneName, WireModel, line

#: What a customer block without `locale` or `timezone` means (SPEC section 3): the
#: one place the rest of the code takes these defaults from.
DEFAULT_LOCALE = "pl"
DEFAULT_TIMEZONE = "Europe/Warsaw"

#: A person's name: one line, any script.
PersonName = Annotated[str, line()]


class Customer(WireModel):
    """Who the order or ticket belongs to; contact data decides the channel."""

    customer_id: Identifier
    email: Email | None = None
    phone: Phone | None = None
    name: PersonName | None = None
    locale: Locale = DEFAULT_LOCALE
    timezone: TimeZoneName = DEFAULT_TIMEZONE
    marketing_consent: bool = False


class CustomerUpdated(WireModel):
    """Only the fields present are changed; `opted_out` stops non-transactional messages."""

    customer_id: Identifier
    email: Email | None = None
    phone: Phone | None = None
    name: PersonName | None = None
    locale: Locale | None = None
    timezone: TimeZoneName | None = None
    marketing_consent: bool | None = None
    opted_out: bool | None = None
