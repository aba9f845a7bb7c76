"""The shop's own endpoint: a signed JSON POST per customer notification.

The body carries the notification's identity and its rendered text; the shop
verifies ``X-Aftersale-Signature: sha256=<hex>``, an HMAC-SHA256 of the exact
body bytes with the shop's secret, and may drop repeats by ``idempotency_key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.deliverer.channels.base import PermanentFailure
from services.deliverer.channels.posting import (
    DEFAULT_TIMEOUT,
    SIGNATURE_HEADER,
    json_bytes,
    post_json,
    signature,
)
from services.runtime.store.models import Notification


def webhook_body(notification: Notification) -> dict[str, Any]:
    """What the shop receives (content fields: subject, text, html, data)."""
    content = notification.content or {}
    return {
        "kind": notification.kind,
        "idempotency_key": notification.idempotency_key,
        "shop_id": notification.shop_id,
        "order_id": notification.order_id,
        "ticket_id": notification.ticket_id,
        "locale": notification.locale,
        "subject": content.get("subject"),
        "text": content.get("text"),
        "html": content.get("html"),
        "data": content.get("data") or {},
    }


def identity_headers(notification: Notification) -> dict[str, str]:
    return {
        "X-Aftersale-Kind": notification.kind,
        "X-Aftersale-Key": notification.idempotency_key,
    }


class WebhookChannel:
    """POSTs to the URL in ``recipient``, signed with the shop's secret (required)."""

    def __init__(self, shop_secrets: Mapping[str, str], *, timeout: float = DEFAULT_TIMEOUT):
        self._secrets = shop_secrets
        self._timeout = timeout

    def send(self, notification: Notification) -> None:
        secret = self._secrets.get(notification.shop_id)
        if not secret:
            # An unsigned webhook cannot be trusted by the shop, so none is sent.
            raise PermanentFailure(
                f"no secret for shop {notification.shop_id!r} in AFTERSALE_SHOP_SECRETS;"
                " webhooks are always signed"
            )
        body = json_bytes(webhook_body(notification))
        headers = identity_headers(notification)
        headers[SIGNATURE_HEADER] = signature(secret, body)
        post_json(notification.recipient, body, headers, timeout=self._timeout)
