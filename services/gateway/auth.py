"""Who is calling: the shop's HMAC signature and a fresh timestamp (replays: `replays`).

Two schemes, by the headers a request carries: ours (`X-Aftersale-Signature`,
`X-Aftersale-Timestamp`) and Standard Webhooks (`webhook-id`,
`webhook-timestamp`, `webhook-signature`); the shop is `X-Aftersale-Shop` in both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from services.gateway import standard_webhooks as sw
from services.gateway.signing import (
    SHOP_HEADER,
    SIGNATURE_HEADER,
    SIGNATURE_PREFIX,
    TIMESTAMP_HEADER,
    signature_matches,
)
from services.runtime.shop_secrets import ShopSecretsError, signing_key

#: How far a request's timestamp may be from the gateway's clock, either way.
TOLERANCE_SECONDS = 300

_DIGITS = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^sha256=[0-9a-fA-F]{64}$")


class Unauthorized(Exception):
    """401: the request is not provably from the shop it names; `reason` says why."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Caller:
    """Headers that passed the cheap checks; the body is verified later."""

    shop_id: str
    secret: str
    timestamp: str
    signature: str
    #: Standard Webhooks: the request's `webhook-id`; empty for our own scheme.
    webhook_id: str = ""

    @property
    def replay_key(self) -> str:
        """What makes a request the same request: our signature, or the webhook-id."""
        return f"webhook-id:{self.webhook_id}" if self.webhook_id else self.signature


def check_headers(headers: Mapping[str, str], secrets: Mapping[str, str], now: float) -> Caller:
    """Shop, timestamp and signature headers present, known and in the window."""
    shop = headers.get(SHOP_HEADER, "").strip()
    if not shop:
        raise Unauthorized("missing_shop", f"the {SHOP_HEADER} header is missing")
    secret = secrets.get(shop)
    if secret is None:
        raise Unauthorized("unknown_shop", f"unknown shop {shop!r}: no secret is configured")
    signature = headers.get(SIGNATURE_HEADER, "").strip()
    if not signature and sw.SIGNATURE_HEADER in headers:
        return standard_webhooks_caller(headers, shop, secret, now)
    if not signature:
        raise Unauthorized(
            "missing_signature",
            f"the {SIGNATURE_HEADER} header is missing (or sign with Standard Webhooks: "
            f"{sw.ID_HEADER}, {sw.TIMESTAMP_HEADER}, {sw.SIGNATURE_HEADER})",
        )
    if not _SIGNATURE.match(signature):
        raise Unauthorized(
            "malformed_signature",
            f"the {SIGNATURE_HEADER} header must be {SIGNATURE_PREFIX}<64 hex digits>",
        )
    timestamp = _fresh_timestamp(headers, TIMESTAMP_HEADER, now)
    return Caller(shop_id=shop, secret=secret, timestamp=timestamp, signature=signature)


def standard_webhooks_caller(
    headers: Mapping[str, str], shop: str, secret: str, now: float
) -> Caller:
    """The caller of a request signed per Standard Webhooks (its headers checked)."""
    webhook_id = headers.get(sw.ID_HEADER, "").strip()
    if not webhook_id:
        raise Unauthorized("missing_webhook_id", f"the {sw.ID_HEADER} header is missing")
    if not sw.valid_id(webhook_id):
        raise Unauthorized(
            "malformed_webhook_id", f"the {sw.ID_HEADER} header must be 1-255 printable characters"
        )
    signature = headers.get(sw.SIGNATURE_HEADER, "").strip()
    if not sw.signatures(signature):
        raise Unauthorized(
            "malformed_signature",
            f"the {sw.SIGNATURE_HEADER} header must hold v1,<base64 HMAC-SHA256> signatures",
        )
    timestamp = _fresh_timestamp(headers, sw.TIMESTAMP_HEADER, now)
    return Caller(shop_id=shop, secret=secret, timestamp=timestamp, signature=signature,
                  webhook_id=webhook_id)  # fmt: skip


def _fresh_timestamp(headers: Mapping[str, str], name: str, now: float) -> str:
    timestamp = headers.get(name, "").strip()
    if not timestamp:
        raise Unauthorized("missing_timestamp", f"the {name} header is missing")
    if not _DIGITS.match(timestamp):
        raise Unauthorized("malformed_timestamp", f"the {name} header must be Unix seconds")
    skew = int(timestamp) - now
    if abs(skew) > TOLERANCE_SECONDS:
        direction = "in the future" if skew > 0 else "old"
        raise Unauthorized(
            "stale_timestamp",
            f"stale timestamp: {abs(int(skew))} s {direction}, the window is "
            f"±{TOLERANCE_SECONDS} s; sign each request with the current time",
        )
    return timestamp


def check_signature(caller: Caller, body: bytes) -> None:
    if caller.webhook_id:
        _check_standard(caller, body)
        return
    if not signature_matches(caller.secret, caller.timestamp, body, caller.signature):
        raise Unauthorized(
            "bad_signature",
            f"bad signature: {SIGNATURE_HEADER} is not the HMAC-SHA256 of "
            f'"{{timestamp}}." + body with the secret of shop {caller.shop_id!r}',
        )


def _check_standard(caller: Caller, body: bytes) -> None:
    try:
        key = signing_key(caller.secret)
    except ShopSecretsError:
        key = b""
    if not key or not sw.matches(key, caller.webhook_id, caller.timestamp, body, caller.signature):
        raise Unauthorized(
            "bad_signature",
            f"bad signature: no v1 signature in {sw.SIGNATURE_HEADER} is the HMAC-SHA256 of "
            f'"{{webhook-id}}.{{webhook-timestamp}}." + body with the key of shop '
            f"{caller.shop_id!r} (whsec_<base64> decoded, else the secret's UTF-8 bytes)",
        )
