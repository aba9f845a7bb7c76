"""Staff alert targets over HTTP (``http(s)://`` escalation targets, e.g. Slack).

The content's ``payload`` is posted as JSON as it is (it has a Slack-compatible
``text`` field); signed like webhooks (Standard Webhooks headers, the
notification's idempotency key as ``webhook-id``) when the shop has a secret.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.deliverer.channels.base import PermanentFailure
from services.deliverer.channels.posting import (
    DEFAULT_TIMEOUT,
    json_bytes,
    post_json,
    signed_headers,
    signing_keys,
)
from services.deliverer.channels.webhook import identity_headers
from services.runtime.clock import Clock, utcnow
from services.runtime.store.models import Notification


class HttpChannel:
    """POSTs ``content["payload"]`` to the URL in ``recipient``."""

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
        payload = (notification.content or {}).get("payload")
        if not isinstance(payload, dict):
            raise PermanentFailure('the notification has no "payload" object to post')
        body = json_bytes(payload)
        headers = identity_headers(notification)
        secret = self._secrets.get(notification.shop_id)
        if secret:
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
