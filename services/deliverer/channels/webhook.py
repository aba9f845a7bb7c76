"""The shop's own endpoint: a signed JSON POST per customer notification.

The body carries the notification's identity and its rendered text. It is
signed per Standard Webhooks (see :mod:`~services.deliverer.channels.posting`):
the shop verifies ``webhook-signature`` over ``webhook-id``,
``webhook-timestamp`` and the exact body bytes, refuses old timestamps, and
drops repeats by ``webhook-id`` (the ``idempotency_key``, also in the body).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.deliverer.channels.base import PermanentFailure
from services.deliverer.channels.posting import (
    DEFAULT_TIMEOUT,
    json_bytes,
    post_json,
    signed_headers,
    signing_keys,
)
from services.runtime.clock import Clock, utcnow
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
    """POSTs to the URL in ``recipient``, signed with the shop's secret (required).

    Raises ShopSecretsError at construction when a secret cannot be a key.
    """

    def __init__(
        self,
        shop_secrets: Mapping[str, str],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Clock = utcnow,
    ):
        self._secrets = shop_secrets
        self._keys = signing_keys(shop_secrets)
        self._timeout = timeout
        self._clock = clock

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
        headers.update(
            signed_headers(
                secret,
                self._keys[notification.shop_id],
                notification.idempotency_key,
                int(self._clock().timestamp()),
                body,
            )
        )
        post_json(notification.recipient, body, headers, timeout=self._timeout)
