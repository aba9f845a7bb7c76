"""POST /v1/events signed per Standard Webhooks, checked against the official
`standardwebhooks` library's signatures: accepted; tampered, stale, unsigned and
replayed requests refused; several signatures for a key rotation."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from tests.gateway.client import SHOP, post_events, take_ingest
from tests.gateway.conftest import RunningGateway, declare_topology
from tests.support.factories import order_placed, to_bytes
from tests.support.ingest import queue_depth

KEY = base64.b64encode(b"thirty-two bytes of shop secret!").decode()
WHSEC = f"whsec_{KEY}"
INGEST = "aftersale.ingest"


@pytest.fixture
def shop_secrets_file(tmp_path: Path) -> Path:
    path = tmp_path / "shops.toml"
    path.write_text(f'{SHOP} = "{WHSEC}"\n"shop-7" = "plain-secret-of-shop-7"\n', encoding="utf-8")
    return path


@pytest.fixture
def gateway(amqp_url: str, start_gateway: Callable[..., RunningGateway]) -> RunningGateway:
    declare_topology(amqp_url)
    return start_gateway(amqp_url)


def headers_for(
    body: bytes,
    *,
    msg_id: str = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
    secret: str = WHSEC,
    shop: str = SHOP,
    at: int | None = None,
) -> dict[str, str]:
    stamp = int(time.time()) if at is None else at
    signature = Webhook(secret).sign(msg_id, datetime.fromtimestamp(stamp, UTC), body.decode())
    return {"Content-Type": "application/json", "X-Aftersale-Shop": shop,
            "webhook-id": msg_id, "webhook-timestamp": str(stamp),
            "webhook-signature": signature}  # fmt: skip


def test_a_standard_webhooks_request_is_accepted_once(
    gateway: RunningGateway, amqp_url: str
) -> None:
    body = to_bytes(order_placed())
    headers = headers_for(body)
    assert post_events(gateway.url, body, headers).status == 202
    [queued] = take_ingest(amqp_url)
    assert json.loads(queued.body)["event_id"] == json.loads(body)["event_id"]
    again = post_events(gateway.url, body, headers)
    assert (again.status, again.json()["error"]) == (401, "replayed")
    # The webhook-id is the replay key: the same id with a new signature is a replay too.
    later = headers_for(body, at=int(time.time()) + 1)
    assert post_events(gateway.url, body, later).json()["error"] == "replayed"
    assert queue_depth(amqp_url, INGEST) == 0


def test_a_plain_secret_signs_as_its_utf8_bytes(gateway: RunningGateway) -> None:
    body = to_bytes(order_placed(shop_id="shop-7"))
    raw = "whsec_" + base64.b64encode(b"plain-secret-of-shop-7").decode()
    reply = post_events(gateway.url, body, headers_for(body, secret=raw, shop="shop-7"))
    assert reply.status == 202, reply.text


def test_during_a_key_rotation_any_listed_signature_will_do(gateway: RunningGateway) -> None:
    body = to_bytes(order_placed())
    headers = headers_for(body, msg_id="msg_rotation")
    old_key = "whsec_" + base64.b64encode(b"the key before the rotation....").decode()
    stale = headers_for(body, msg_id="msg_rotation", secret=old_key)["webhook-signature"]
    headers["webhook-signature"] = f"{stale} v2,ignored {headers['webhook-signature']}"
    assert post_events(gateway.url, body, headers).status == 202


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("body", "bad_signature"),
        ("id", "bad_signature"),
        ("other key", "bad_signature"),
        ("no id", "missing_webhook_id"),
        ("garbled", "malformed_signature"),
        ("old", "stale_timestamp"),
        ("no timestamp", "missing_timestamp"),
    ],
)
def test_a_tampered_or_incomplete_request_is_refused(
    change: str, error: str, gateway: RunningGateway, amqp_url: str
) -> None:
    body = to_bytes(order_placed())
    headers = headers_for(body, msg_id=f"msg_{change.replace(' ', '_')}")
    if change == "body":
        body = body.replace(b"104.30", b"1.00")
    elif change == "id":
        headers["webhook-id"] = "msg_another"
    elif change == "other key":
        other = "whsec_" + base64.b64encode(b"somebody else's key, 32 bytes!!").decode()
        headers = headers_for(body, msg_id="msg_other", secret=other)
    elif change == "no id":
        del headers["webhook-id"]
    elif change == "garbled":
        headers["webhook-signature"] = "v1,not-base64"
    elif change == "old":
        headers = headers_for(body, msg_id="msg_old", at=int(time.time()) - 3600)
    elif change == "no timestamp":
        del headers["webhook-timestamp"]
    reply = post_events(gateway.url, body, headers)
    assert (reply.status, reply.json()["error"]) == (401, error)
    assert queue_depth(amqp_url, INGEST) == 0
