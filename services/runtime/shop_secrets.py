"""Each shop's secret, from the TOML file named by ``AFTERSALE_SHOP_SECRETS``.

One line per shop, ``shop-42 = "…"``: the gateway checks the signatures of a
shop's requests with it, and the deliverer signs the shop's webhooks. A secret
written ``whsec_<base64>`` (Standard Webhooks) signs webhooks with the decoded
bytes; any other secret with its UTF-8 bytes.
"""

from __future__ import annotations

import base64
import binascii
import re
import tomllib
from pathlib import Path

_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


#: How a secret written the Standard Webhooks way begins; base64 follows.
WHSEC_PREFIX = "whsec_"


class ShopSecretsError(ValueError):
    """The shop secrets file cannot be used; the message names the file and line."""


def signing_key(secret: str) -> bytes:
    """The HMAC key of a secret for webhooks: ``whsec_<base64>`` decoded, else UTF-8.

    Raises:
        ShopSecretsError: a ``whsec_`` secret that is not base64, or is empty.
    """
    if not secret.startswith(WHSEC_PREFIX):
        return secret.encode("utf-8")
    encoded = secret.removeprefix(WHSEC_PREFIX).strip()
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise ShopSecretsError(
            f"a {WHSEC_PREFIX} secret must be followed by base64 (e.g. {WHSEC_PREFIX}"
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw); write any other secret without the prefix"
        )
    return key


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
        try:
            signing_key(secret)
        except ShopSecretsError as exc:
            line = _line_of(text, shop_id)
            where = f"{path} line {line}" if line else str(path)
            raise ShopSecretsError(f"{where}: {shop_id}: {exc}") from None
        secrets[shop_id] = secret
    return secrets
