"""Each shop's secret, from the TOML file named by ``AFTERSALE_SHOP_SECRETS``.

The file holds one line per shop: ``shop-42 = "…"``. Webhooks to the shop are
signed with it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path


class ShopSecretsError(ValueError):
    """The shop secrets file cannot be used; the message says why."""


def load_shop_secrets(path: Path | None) -> Mapping[str, str]:
    """The secrets by shop id; empty when ``path`` is None."""
    if path is None:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ShopSecretsError(f"{path}: cannot read the shop secrets file: {exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ShopSecretsError(f"{path}: not a TOML file of shop secrets: {exc}") from exc
    secrets: dict[str, str] = {}
    for shop_id, secret in data.items():
        if not isinstance(secret, str) or not secret:
            raise ShopSecretsError(
                f'{path}: {shop_id}: the secret must be a non-empty string, e.g. {shop_id} = "…"'
            )
        secrets[shop_id] = secret
    return secrets
