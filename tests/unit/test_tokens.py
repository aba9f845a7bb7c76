"""Signed, expiring link tokens: what is refused, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.runtime import tokens

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PAYLOAD = {"shop": "shop-42", "customer": "c-1"}


def make(purpose: str = "unsubscribe", expires: datetime = NOW + timedelta(days=1)) -> str:
    return tokens.sign("secret", purpose, PAYLOAD, expires)


def test_a_valid_token_gives_its_payload_back() -> None:
    assert tokens.verify("secret", "unsubscribe", make(), NOW) == PAYLOAD


@pytest.mark.parametrize(
    ("token", "secret", "purpose", "now", "reason"),
    [
        (make()[:-2] + "xx", "secret", "unsubscribe", NOW, "altered"),
        (make(), "another secret", "unsubscribe", NOW, "altered"),
        (make(), "secret", "csat", NOW, "not meant for this"),
        (make(expires=NOW - timedelta(seconds=1)), "secret", "unsubscribe", NOW, "expired"),
        ("no-dot-at-all", "secret", "unsubscribe", NOW, "incomplete"),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(
    token: str, secret: str, purpose: str, now: datetime, reason: str
) -> None:
    with pytest.raises(tokens.InvalidToken, match=reason):
        tokens.verify(secret, purpose, token, now)


def test_a_payload_cannot_be_swapped_under_a_valid_signature() -> None:
    body, _, mac = make().partition(".")
    other_body, _, _ = tokens.sign("secret", "unsubscribe", {"shop": "x", "customer": "y"},
                                   NOW + timedelta(days=1)).partition(".")  # fmt: skip
    with pytest.raises(tokens.InvalidToken, match="altered"):
        tokens.verify("secret", "unsubscribe", f"{other_body}.{mac}", NOW)
    assert body != other_body
