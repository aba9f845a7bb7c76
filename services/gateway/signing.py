"""How shops sign what they POST to the gateway, and where their secrets live.

The signature is ``X-Aftersale-Signature: sha256=<hex>``: the lowercase hex
HMAC-SHA256, keyed with the shop's secret (UTF-8), of the bytes
``f"{timestamp}."`` followed by the raw request body, where ``timestamp`` is
the value sent in ``X-Aftersale-Timestamp`` (Unix seconds, digits only).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import tomllib
from pathlib import Path

SHOP_HEADER = "X-Aftersale-Shop"
TIMESTAMP_HEADER = "X-Aftersale-Timestamp"
SIGNATURE_HEADER = "X-Aftersale-Signature"
SIGNATURE_PREFIX = "sha256="

_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


class ShopSecretsError(ValueError):
    """The shop secrets file cannot be used; the message names the file and line."""


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


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*(\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def load_shop_secrets(path: Path | str | None) -> dict[str, str]:
    """Each shop's secret from a TOML file of lines ``shop-42 = "…"``; empty for None.

    Raises:
        ShopSecretsError: unreadable file, bad TOML, or a value that is not a
            non-empty string; the message names the file and, where known, the line.
    """
    if path is None:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ShopSecretsError(f"{path}: cannot read the shop secrets file: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ShopSecretsError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        where = f"{path} line {found.group(1)}" if found else str(path)
        reason = _TOML_LINE.sub("", str(exc)).strip()
        raise ShopSecretsError(
            f'{where}: not a TOML file of shop secrets ({reason}); write shop-42 = "secret"'
        ) from exc
    secrets: dict[str, str] = {}
    for shop_id, secret in data.items():
        if not isinstance(secret, str) or not secret.strip():
            line = _line_of(text, shop_id)
            where = f"{path} line {line}" if line else str(path)
            raise ShopSecretsError(
                f'{where}: {shop_id}: the secret must be a non-empty string, e.g. {shop_id} = "…"'
            )
        secrets[shop_id] = secret
    return secrets
