"""Who is calling: the shop's HMAC signature and a fresh timestamp (replays: `replays`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from services.gateway.signing import (
    SHOP_HEADER,
    SIGNATURE_HEADER,
    SIGNATURE_PREFIX,
    TIMESTAMP_HEADER,
    signature_matches,
)

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


def check_headers(headers: Mapping[str, str], secrets: Mapping[str, str], now: float) -> Caller:
    """Shop, timestamp and signature headers present, known and in the window."""
    shop = headers.get(SHOP_HEADER, "").strip()
    if not shop:
        raise Unauthorized("missing_shop", f"the {SHOP_HEADER} header is missing")
    secret = secrets.get(shop)
    if secret is None:
        raise Unauthorized("unknown_shop", f"unknown shop {shop!r}: no secret is configured")
    signature = headers.get(SIGNATURE_HEADER, "").strip()
    if not signature:
        raise Unauthorized("missing_signature", f"the {SIGNATURE_HEADER} header is missing")
    if not _SIGNATURE.match(signature):
        raise Unauthorized(
            "malformed_signature",
            f"the {SIGNATURE_HEADER} header must be {SIGNATURE_PREFIX}<64 hex digits>",
        )
    timestamp = headers.get(TIMESTAMP_HEADER, "").strip()
    if not timestamp:
        raise Unauthorized("missing_timestamp", f"the {TIMESTAMP_HEADER} header is missing")
    if not _DIGITS.match(timestamp):
        raise Unauthorized(
            "malformed_timestamp", f"the {TIMESTAMP_HEADER} header must be Unix seconds"
        )
    skew = int(timestamp) - now
    if abs(skew) > TOLERANCE_SECONDS:
        direction = "in the future" if skew > 0 else "old"
        raise Unauthorized(
            "stale_timestamp",
            f"stale timestamp: {abs(int(skew))} s {direction}, the window is "
            f"±{TOLERANCE_SECONDS} s; sign each request with the current time",
        )
    return Caller(shop_id=shop, secret=secret, timestamp=timestamp, signature=signature)


def check_signature(caller: Caller, body: bytes) -> None:
    if not signature_matches(caller.secret, caller.timestamp, body, caller.signature):
        raise Unauthorized(
            "bad_signature",
            f"bad signature: {SIGNATURE_HEADER} is not the HMAC-SHA256 of "
            f'"{{timestamp}}." + body with the secret of shop {caller.shop_id!r}',
        )
