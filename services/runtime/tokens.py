"""Signed, expiring tokens for links in messages (unsubscribe, survey answers).

A token is `base64url(json payload) "." base64url(HMAC-SHA256)`; the payload
carries its purpose and expiry, so a token made for one purpose is refused
for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any


class InvalidToken(ValueError):
    """Tampered, expired or meant for something else; the message says which."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())


def sign(secret: str, purpose: str, payload: dict[str, Any], expires_at: datetime) -> str:
    document = {**payload, "purpose": purpose, "exp": int(expires_at.timestamp())}
    body = _b64(json.dumps(document, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_mac(secret, body)}"


def verify(secret: str, purpose: str, token: str, now: datetime) -> dict[str, Any]:
    """The payload of a valid token; :class:`InvalidToken` otherwise."""
    body, _, mac = token.partition(".")
    if not body or not mac:
        raise InvalidToken("the link is incomplete")
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise InvalidToken("the link has been altered")
    try:
        document = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("the link is unreadable") from exc
    if document.get("purpose") != purpose:
        raise InvalidToken("the link is not meant for this")
    if int(document.get("exp", 0)) < now.timestamp():
        raise InvalidToken("the link has expired")
    return {k: v for k, v in document.items() if k not in ("purpose", "exp")}
