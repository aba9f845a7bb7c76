"""Policy sections beyond SPEC section 5: who the shop is and how messages go out.

`[contact]` is what customer messages say about reaching a person;
`[delivery]` picks the customer's channel; `[staff]` is the language of alerts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CustomerChannel = Literal["email", "sms", "webhook"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Model):
    shop_name: str = "Shop"
    email: str = "support@shop.example"
    phone: str = ""
    url: str = ""


class Delivery(_Model):
    #: The customer's channel is the first of these the customer (or shop) can take.
    prefer: tuple[CustomerChannel, ...] = ("email", "sms", "webhook")
    #: The shop's own endpoint for customer notifications (JSON POST, signed).
    webhook_url: str = ""
    #: Tries before a temporary failure becomes permanent.
    #: With back-off capped at 10 minutes, 440 tries span about three days.
    max_attempts: int = Field(default=440, ge=1, le=100_000)

    @field_validator("webhook_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f'"{value}" is not an http(s):// URL')
        return value


class Staff(_Model):
    #: Language of staff alerts.
    locale: Literal["pl", "en"] = "pl"
