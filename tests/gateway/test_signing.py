"""The signature scheme and the shop secrets file (pure functions)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from services.gateway.signing import ShopSecretsError, load_shop_secrets, sign_body


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_body() -> None:
    body = b'{"event_id": "e-1"}'
    expected = hmac.new(b"secret", b'1700000000.{"event_id": "e-1"}', hashlib.sha256).hexdigest()

    assert sign_body("secret", 1700000000, body) == f"sha256={expected}"
    assert sign_body("secret", "1700000000", body) == f"sha256={expected}"


def test_shop_secrets_are_read(tmp_path: Path) -> None:
    path = tmp_path / "shops.toml"
    path.write_text('shop-42 = "a"\n"shop 7" = "b"\n', encoding="utf-8")

    assert load_shop_secrets(path) == {"shop-42": "a", "shop 7": "b"}
    assert load_shop_secrets(None) == {}


def test_bad_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "shops.toml"
    path.write_text('shop-42 = "a"\nshop-7 = b\n', encoding="utf-8")

    with pytest.raises(ShopSecretsError, match=r"shops\.toml line 2: not a TOML file"):
        load_shop_secrets(path)


def test_a_secret_that_is_not_a_string_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "shops.toml"
    path.write_text('shop-42 = "a"\n\nshop-7 = 42\n', encoding="utf-8")

    with pytest.raises(ShopSecretsError, match=r"shops\.toml line 3: shop-7: the secret must be"):
        load_shop_secrets(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ShopSecretsError, match=r"missing\.toml: cannot read"):
        load_shop_secrets(tmp_path / "missing.toml")
