"""Malformed link tokens on a real gateway: always 400 with a reason, nothing published."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from services.runtime import tokens
from tests.gateway.client import request, take_ingest
from tests.gateway.conftest import SECRET_KEY, RunningGateway

LATER = int(time.time()) + 86_400
UNSUBSCRIBE = {"shop": "shop-42", "customer": "c-1"}
SURVEY = {"shop": "shop-42", "customer": "c-1", "order": "ORD-1", "score": 5}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed(body: str) -> str:
    """`body` with a valid MAC: what only a holder of the key could make."""
    mac = _b64(hmac.new(SECRET_KEY.encode(), body.encode(), hashlib.sha256).digest())
    return f"{body}.{mac}"


def signed_document(document: Any) -> str:
    return signed(_b64(json.dumps(document).encode()))


def valid(purpose: str) -> str:
    payload = UNSUBSCRIBE if purpose == "unsubscribe" else SURVEY
    return tokens.sign(SECRET_KEY, purpose, payload, datetime.now(UTC) + timedelta(days=1))


def malformed(purpose: str) -> dict[str, tuple[str, str]]:
    """Name → (token as written in the URL path, the reason the page must give)."""
    payload = UNSUBSCRIBE if purpose == "unsubscribe" else SURVEY
    body, _, mac = valid(purpose).partition(".")

    def with_fields(**fields: Any) -> str:
        return signed_document({**payload, "purpose": purpose, "exp": LATER, **fields})

    return {
        "non-ASCII MAC": ("x.%C3%A9", "unreadable"),
        "non-ASCII body": (f"%C5%BC%C3%B3%C5%82w.{mac}", "unreadable"),
        "NUL": (f"{body}%00.{mac}", "unreadable"),
        "a slash": (f"{body}/x.{mac}", "unreadable"),
        "only a dot": (".", "incomplete"),
        "no MAC": (f"{body}.", "incomplete"),
        "no body": (f".{mac}", "incomplete"),
        "no dot": (body, "incomplete"),
        "two dots": (f"{body}.{mac}.{mac}", "unreadable"),
        "padding": (f"{body}==.{mac}", "unreadable"),
        "huge": ("A" * 9000 + f".{mac}", "too long"),
        "a wrong MAC": (f"{body}.{mac[:-2]}xx", "altered"),
        "base64 of a wrong length": (signed("A"), "unreadable"),
        "not JSON": (signed(_b64(b"{not json")), "unreadable"),
        "not UTF-8": (signed(_b64(b'{"exp": "\xff"}')), "unreadable"),
        "deeply nested JSON": (signed(_b64(b"[" * 2000 + b"]" * 2000)), "unreadable"),
        "a JSON list": (signed_document([payload, purpose, LATER]), "unreadable"),
        "a JSON string": (signed_document("unsubscribe"), "unreadable"),
        "exp a string": (with_fields(exp=str(LATER)), "unreadable"),
        "exp a list": (with_fields(exp=[LATER]), "unreadable"),
        "exp true": (with_fields(exp=True), "unreadable"),
        "exp a float": (with_fields(exp=LATER + 0.5), "unreadable"),
        "exp missing": (signed_document({**payload, "purpose": purpose}), "unreadable"),
        "exp past": (with_fields(exp=1), "expired"),
        "purpose a list": (with_fields(purpose=[purpose]), "not meant for this"),
        "shop a number": (with_fields(shop=42), "unreadable"),
        "customer a list": (with_fields(customer=["c-1"]), "unreadable"),
        "customer empty": (with_fields(customer=""), "unreadable"),
    }


SURVEY_ONLY: dict[str, dict[str, Any]] = {
    "score a string": {"score": "5"},
    "score true": {"score": True},
    "score 6": {"score": 6},
    "order a dict": {"order": {"id": "ORD-1"}},
}


def _refused(gateway: RunningGateway, method: str, prefix: str, purpose: str) -> list[str]:
    """What went wrong: one line per token that was not a clear 400."""
    cases = malformed(purpose)
    if purpose == "csat":
        for name, fields in SURVEY_ONLY.items():
            cases[name] = (signed_document({**SURVEY, "purpose": "csat", "exp": LATER,
                                            **fields}), "unreadable")  # fmt: skip
    wrong: list[str] = []
    for name, (token, reason) in cases.items():
        body = b"List-Unsubscribe=One-Click" if method == "POST" else None
        reply = request(f"{gateway.url}{prefix}{token}", method=method, body=body)
        if reply.status != 400 or reason not in reply.text:
            wrong.append(f"{method} {prefix}<{name}>: {reply.status} {reply.text[-300:]!r}")
    return wrong


def test_every_malformed_token_is_a_400_and_changes_nothing(
    gateway: RunningGateway, amqp_url: str
) -> None:
    wrong = [
        *_refused(gateway, "GET", "/u/", "unsubscribe"),
        *_refused(gateway, "POST", "/u/", "unsubscribe"),
        *_refused(gateway, "GET", "/f/", "csat"),
    ]

    assert wrong == []
    assert take_ingest(amqp_url) == []
    # The gateway kept running: good links still work afterwards.
    assert request(f"{gateway.url}/u/{valid('unsubscribe')}").status == 200
    assert request(f"{gateway.url}/f/{valid('csat')}").status == 200
    assert [d.routing_key for d in take_ingest(amqp_url)] == [
        "customer.updated",
        "feedback.received",
    ]


def test_the_reasons_are_given_in_polish_too(gateway: RunningGateway) -> None:
    reply = request(f"{gateway.url}/u/x.%C3%A9")
    assert reply.status == 400 and "link jest nieczytelny" in reply.text
    reply = request(f"{gateway.url}/u/{'A' * 9000}.x")
    assert reply.status == 400 and "link jest za długi" in reply.text
