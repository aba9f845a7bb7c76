"""How shops sign what they POST to the gateway, and where their secrets live.

The signature is ``X-Aftersale-Signature: sha256=<hex>``: the lowercase hex
HMAC-SHA256, keyed with the shop's secret (UTF-8), of the bytes
``f"{timestamp}."`` followed by the raw request body, where ``timestamp`` is
the value sent in ``X-Aftersale-Timestamp`` (Unix seconds, digits only).
"""

from __future__ import annotations

import hashlib
import hmac

from services.runtime.shop_secrets import ShopSecretsError, load_shop_secrets

__all__ = [
    "SHOP_HEADER",
    "SIGNATURE_HEADER",
    "SIGNATURE_PREFIX",
    "TIMESTAMP_HEADER",
    "ShopSecretsError",
    "load_shop_secrets",
    "sign_body",
    "signature_matches",
]

SHOP_HEADER = "X-Aftersale-Shop"
TIMESTAMP_HEADER = "X-Aftersale-Timestamp"
SIGNATURE_HEADER = "X-Aftersale-Signature"
SIGNATURE_PREFIX = "sha256="


def _digest(secret: str, timestamp: str, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_body(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Aftersale-Signature`` header value for ``body`` sent at ``timestamp``."""
    return SIGNATURE_PREFIX + _digest(secret, str(timestamp), body)


def signature_matches(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """Constant-time check of a ``sha256=<hex>`` header value."""
    expected = sign_body(secret, timestamp, body)
    return hmac.compare_digest(expected.encode(), header.strip().lower().encode())
