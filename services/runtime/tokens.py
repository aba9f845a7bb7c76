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
import re
from datetime import datetime
from typing import Any


class InvalidToken(ValueError):
    """Tampered, expired or meant for something else; the message says which."""


#: Longest token read at all (characters); the ones we make are far shorter.
MAX_TOKEN_CHARS = 8192
#: Both halves of a token are base64url without padding.
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


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


def _document(body: str) -> dict[str, Any]:
    try:
        document = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidToken("the link is unreadable") from exc
    if not isinstance(document, dict):
        raise InvalidToken("the link is unreadable")
    return document


def verify(secret: str, purpose: str, token: str, now: datetime) -> dict[str, Any]:
    """The payload of a valid token; :class:`InvalidToken` otherwise.

    Anything malformed (any characters, any length, any JSON inside) ends in
    :class:`InvalidToken`, never in another exception.
    """
    if len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("the link is too long")
    body, _, mac = token.partition(".")
    if not body or not mac:
        raise InvalidToken("the link is incomplete")
    if not (_BASE64URL.fullmatch(body) and _BASE64URL.fullmatch(mac)):
        # Also keeps non-ASCII text away from compare_digest, which refuses it.
        raise InvalidToken("the link is unreadable")
    if not hmac.compare_digest(mac.encode(), _mac(secret, body).encode()):
        raise InvalidToken("the link has been altered")
    document = _document(body)
    if document.get("purpose") != purpose:
        raise InvalidToken("the link is not meant for this")
    expires = document.get("exp")
    if type(expires) is not int:  # bool is an int too, and not an expiry
        raise InvalidToken("the link is unreadable")
    if expires < now.timestamp():
        raise InvalidToken("the link has expired")
    return {k: v for k, v in document.items() if k not in ("purpose", "exp")}
