"""JSON POST over HTTP(S) with the outcome sorted into temporary and permanent failures.

Shared by the SMS, webhook and staff-alert channels. Redirects are not
followed (urllib would turn a POST into a GET); only http(s) URLs are allowed.

Signed posts follow the Standard Webhooks specification
(https://www.standardwebhooks.com/): ``webhook-id`` (the notification's
idempotency key, the same on every retry), ``webhook-timestamp`` (Unix
seconds when sent) and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">``. The key is the shop's secret: written
``whsec_<base64>`` it is the decoded bytes, as the specification says; any
other secret is used as its UTF-8 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from services.deliverer.channels.base import PermanentFailure, TemporaryFailure
from services.runtime.shop_secrets import WHSEC_PREFIX, ShopSecretsError, signing_key

#: Seconds to wait for the far end to connect and answer.
DEFAULT_TIMEOUT = 10.0
#: Statuses that say "later": too many requests, request timeout, and every 5xx.
_RETRYABLE = {408, 425, 429}
#: How much of an error response to keep in the reason.
_SNIPPET = 200

#: The signature of the body alone, from before Standard Webhooks. Deprecated:
#: a captured call verifies for ever; check the ``webhook-*`` headers instead.
SIGNATURE_HEADER = "X-Aftersale-Signature"
#: The Standard Webhooks headers.
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
STANDARD_SIGNATURE_HEADER = "webhook-signature"
#: How a secret written the Standard Webhooks way begins; base64 follows.
SECRET_PREFIX = WHSEC_PREFIX


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def json_bytes(body: Mapping[str, Any]) -> bytes:
    """The body as compact UTF-8 JSON: these exact bytes are sent and signed."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    """The value of ``X-Aftersale-Signature``: ``sha256=`` and the HMAC of the body."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signing_keys(secrets: Mapping[str, str]) -> dict[str, bytes]:
    """Each shop's HMAC key; a bad secret fails here, when the deliverer starts."""
    keys: dict[str, bytes] = {}
    for shop_id, secret in secrets.items():
        try:
            keys[shop_id] = signing_key(secret)
        except ShopSecretsError as exc:
            raise ShopSecretsError(f"AFTERSALE_SHOP_SECRETS: {shop_id}: {exc}") from None
    return keys


def standard_signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The value of ``webhook-signature``: ``v1,`` and the base64 HMAC of id, time and body."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(
    secret: str, key: bytes, message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The Standard Webhooks headers for ``body`` sent at ``timestamp``, and the old one."""
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        STANDARD_SIGNATURE_HEADER: standard_signature(key, message_id, timestamp, body),
        SIGNATURE_HEADER: signature(secret, body),
    }


def describe_url(url: str) -> str:
    """Scheme and host only: paths of incoming webhooks (Slack) are secrets."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}" + (f":{parts.port}" if parts.port else "")


def post_json(
    url: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> int:
    """POST ``body`` (JSON bytes) to ``url``; the status on 2xx.

    Raises :class:`TemporaryFailure` on connection problems, timeouts, 5xx, 408
    and 429, and :class:`PermanentFailure` on other statuses and unusable URLs.
    """
    target = describe_url(url)
    try:
        scheme = urlsplit(url).scheme
    except ValueError as exc:
        raise PermanentFailure(f"invalid URL: {exc}") from exc
    if scheme not in ("http", "https"):
        raise PermanentFailure(f"not an http(s) URL: {scheme or 'no scheme'}")
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("User-Agent", "aftersale")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with _opener.open(request, timeout=timeout) as response:
            status: int = response.status
            response.read(_SNIPPET)
    except urllib.error.HTTPError as exc:
        status = exc.code
        snippet = _read_snippet(exc)
        with_text = f"HTTP {status} from {target}" + (f": {snippet}" if snippet else "")
        if status >= 500 or status in _RETRYABLE:
            raise TemporaryFailure(with_text) from None
        if 300 <= status < 400:
            raise PermanentFailure(f"{with_text} (redirects are not followed)") from None
        raise PermanentFailure(with_text) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        why = getattr(exc, "reason", None) or exc
        raise TemporaryFailure(f"cannot reach {target}: {why}") from None
    except ValueError as exc:
        raise PermanentFailure(f"invalid URL: {exc}") from None
    if not 200 <= status < 300:
        raise PermanentFailure(f"HTTP {status} from {target}")
    return status


def _read_snippet(error: urllib.error.HTTPError) -> str:
    try:
        raw = error.read(_SNIPPET)
    except (OSError, http.client.HTTPException):
        return ""
    finally:
        error.close()
    return " ".join(raw.decode("utf-8", "replace").split())
