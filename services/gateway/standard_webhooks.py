"""Requests signed per the Standard Webhooks specification (https://www.standardwebhooks.com/).

``webhook-id`` (the replay key), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">``, several during a key rotation (any one that
matches will do). The key is the shop's secret: ``whsec_<base64>`` decoded,
any other secret as its UTF-8 bytes (as for the webhooks aftersale sends).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"

#: Printable ASCII without spaces, as the specification's ids are.
_ID = re.compile(r"^[\x21-\x7e]{1,255}$")
#: One `v1,<base64 of 32 bytes>` signature.
_V1 = re.compile(r"^v1,[A-Za-z0-9+/]{43}=$")


def valid_id(webhook_id: str) -> bool:
    return bool(_ID.match(webhook_id))


def signatures(header: str) -> list[str]:
    """The well-formed v1 signatures of the header (others are ignored, as the
    specification lets a receiver ignore versions it does not know)."""
    return [part for part in header.split() if _V1.match(part)]


def sign(key: bytes, webhook_id: str, timestamp: str, body: bytes) -> str:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def matches(key: bytes, webhook_id: str, timestamp: str, body: bytes, header: str) -> bool:
    """Constant-time check of every v1 signature in the header against the body."""
    expected = sign(key, webhook_id, timestamp, body).encode()
    found = False
    for candidate in signatures(header):
        found |= hmac.compare_digest(candidate.encode(), expected)
    return found
