"""SMS through a provider's HTTP endpoint (``AFTERSALE_SMS_URL``), one JSON POST each.

Body: ``{"to": phone, "text": text, "idempotency_key": key}``; the provider
may use the key to drop a repeat.
"""

from __future__ import annotations

import re

from services.deliverer.channels.base import PermanentFailure
from services.deliverer.channels.posting import DEFAULT_TIMEOUT, json_bytes, post_json
from services.deliverer.channels.webhook import identity_headers
from services.runtime.store.models import Notification

#: Digits with the usual separators, optionally starting with "+" (E.164 has 8–15 digits).
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{5,24}")


def is_phone_number(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    return bool(_PHONE.fullmatch(value.strip())) and 6 <= len(digits) <= 15


class SmsChannel:
    """Hands the text to the SMS provider at ``sms_url`` (None: SMS cannot be sent)."""

    def __init__(self, sms_url: str | None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._url = sms_url
        self._timeout = timeout

    def send(self, notification: Notification) -> None:
        if not self._url:
            raise PermanentFailure("no SMS provider configured (AFTERSALE_SMS_URL)")
        if not is_phone_number(notification.recipient):
            raise PermanentFailure("invalid phone number")
        text = (notification.content or {}).get("text")
        if not isinstance(text, str) or not text:
            raise PermanentFailure('the notification has no "text" to send')
        body = json_bytes(
            {
                "to": notification.recipient.strip(),
                "text": text,
                "idempotency_key": notification.idempotency_key,
            }
        )
        post_json(self._url, body, identity_headers(notification), timeout=self._timeout)
