"""SMS, the shop's webhook and staff alert targets, against a real HTTP server on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.deliverer.channels import (
    HttpChannel,
    PermanentFailure,
    SmsChannel,
    TemporaryFailure,
    WebhookChannel,
)
from services.deliverer.channels.posting import post_json
from services.deliverer.deliverer import Deliverer
from services.runtime.policies import PolicyBook
from services.runtime.shop_secrets import ShopSecretsError, load_shop_secrets, signing_key
from services.runtime.store.models import Notification
from tests.deliverer.conftest import ManualClock, add_notification, load, transient
from tests.deliverer.sinks import HttpSink, Request

SECRETS = {"shop-42": "s3cret-of-shop-42"}
WEBHOOK_CONTENT = {
    "subject": "Zamówienie wysłane",
    "text": "Paczka jest w drodze.",
    "html": "<p>Paczka jest w drodze.</p>",
    "data": {"order_id": "ORD-1", "carrier": "InPost", "total": "1234.50"},
}


#: A secret written the Standard Webhooks way: base64 of random bytes after whsec_.
WHSEC = "whsec_" + base64.b64encode(bytes(range(7, 39))).decode()


def verify(secret: str, request: Request) -> bool:
    """The deprecated body-only signature (kept for existing integrations)."""
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.headers["X-Aftersale-Signature"])


def header(request: Request, name: str) -> str:
    """A received header, whatever the case of its name on the wire."""
    (value,) = [v for k, v in request.headers.items() if k.lower() == name.lower()]
    return value


def verified(key: str | bytes, request: Request) -> object:
    """What the shop's side of Standard Webhooks (the reference package) makes of it."""
    return Webhook(key).verify(request.body, request.headers)


def test_webhook_is_signed_per_standard_webhooks(http_sink: HttpSink) -> None:
    notification = transient(
        channel="webhook", recipient=http_sink.url + "/hooks/aftersale", content=WEBHOOK_CONTENT
    )
    before = int(time.time())
    WebhookChannel(SECRETS).send(notification)

    (request,) = http_sink.received()
    assert request.path == "/hooks/aftersale"
    # A plain secret is its UTF-8 bytes as the key.
    assert verified(b"s3cret-of-shop-42", request) == json.loads(request.body)
    assert header(request, "webhook-id") == notification.idempotency_key
    assert before <= int(header(request, "webhook-timestamp")) <= int(time.time())
    assert header(request, "webhook-signature").startswith("v1,")
    with pytest.raises(WebhookVerificationError):
        verified(b"another secret", request)
    assert verify("s3cret-of-shop-42", request)  # the old header is still there
    assert not verify("another secret", request)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Aftersale-Kind"] == "order_confirmation"
    assert request.headers["X-Aftersale-Key"] == notification.idempotency_key
    assert json.loads(request.body) == {
        "kind": "order_confirmation",
        "idempotency_key": notification.idempotency_key,
        "shop_id": "shop-42",
        "order_id": "ORD-1",
        "ticket_id": None,
        "locale": "pl",
        **WEBHOOK_CONTENT,
    }
    # UTF-8 as is, so the shop verifies the bytes it got, not a re-encoding.
    assert "Zamówienie".encode() in request.body


def test_a_whsec_secret_is_the_base64_decoded_key(http_sink: HttpSink) -> None:
    notification = transient(channel="webhook", recipient=http_sink.url, content=WEBHOOK_CONTENT)
    WebhookChannel({"shop-42": WHSEC}).send(notification)

    (request,) = http_sink.received()
    assert verified(WHSEC, request) == json.loads(request.body)
    assert signing_key(WHSEC) == bytes(range(7, 39))
    with pytest.raises(WebhookVerificationError):  # not the text of the secret
        verified(WHSEC.encode(), request)


def test_a_captured_webhook_cannot_be_replayed_or_altered(http_sink: HttpSink) -> None:
    notification = transient(channel="webhook", recipient=http_sink.url, content=WEBHOOK_CONTENT)
    six_minutes_ago = datetime.now(UTC) - timedelta(minutes=6)
    WebhookChannel(SECRETS, clock=lambda: six_minutes_ago).send(notification)
    WebhookChannel(SECRETS).send(notification)
    captured, fresh = http_sink.received()
    key = b"s3cret-of-shop-42"

    with pytest.raises(WebhookVerificationError, match="too old"):
        verified(key, captured)
    verified(key, fresh)
    sent_at = int(header(fresh, "webhook-timestamp"))
    for name, value in [("webhook-id", "another-id"), ("webhook-timestamp", str(sent_at - 1))]:
        headers = {k.lower(): v for k, v in fresh.headers.items()}
        altered = Request(fresh.path, {**headers, name: value}, fresh.body)
        with pytest.raises(WebhookVerificationError, match="No matching signature"):
            verified(key, altered)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verified(key, Request(fresh.path, fresh.headers, fresh.body.replace(b"ORD-1", b"ORD-2")))


@pytest.mark.parametrize("secret", ["whsec_", "whsec_not base64!", "whsec_===="])
def test_a_whsec_secret_that_is_not_base64_stops_the_channel_at_start(secret: str) -> None:
    with pytest.raises(
        ShopSecretsError, match=r"shop-42: a whsec_ secret must be followed by base64"
    ):
        WebhookChannel({"shop-42": secret})
    with pytest.raises(ShopSecretsError):
        HttpChannel({"shop-42": secret})


def test_webhook_without_a_shop_secret_is_not_sent(http_sink: HttpSink) -> None:
    notification = transient(channel="webhook", recipient=http_sink.url, shop_id="shop-7")
    with pytest.raises(PermanentFailure, match="no secret for shop 'shop-7'"):
        WebhookChannel(SECRETS).send(notification)
    assert http_sink.received() == []


@pytest.mark.parametrize(
    ("status", "failure"),
    [
        (200, None),
        (204, None),
        (500, TemporaryFailure),
        (503, TemporaryFailure),
        (429, TemporaryFailure),
        (400, PermanentFailure),
        (404, PermanentFailure),
        (410, PermanentFailure),
        (302, PermanentFailure),
    ],
)
def test_statuses_sort_into_temporary_and_permanent(
    http_sink: HttpSink, status: int, failure: type[Exception] | None
) -> None:
    http_sink.respond = lambda _request: status
    if failure is None:
        assert post_json(http_sink.url, b"{}") == status
    else:
        with pytest.raises(failure, match=f"HTTP {status}"):
            post_json(http_sink.url, b"{}")
    assert len(http_sink.received()) == 1  # redirects are not followed


def test_connection_problems_are_temporary() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(TemporaryFailure, match=r"cannot reach http://127\.0\.0\.1"):
        post_json(f"http://127.0.0.1:{port}/x", b"{}")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/x"
        with pytest.raises(TemporaryFailure, match="timed out"):
            post_json(url, b"{}", timeout=0.3)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "not a url"])
def test_only_http_urls_are_posted_to(url: str) -> None:
    with pytest.raises(PermanentFailure):
        post_json(url, b"{}")


def test_sms_body(http_sink: HttpSink) -> None:
    notification = transient(
        channel="sms", recipient="+48 600 100 200", content={"text": "Paczka dotrze jutro."}
    )
    SmsChannel(http_sink.url + "/sms").send(notification)
    (request,) = http_sink.received()
    assert request.path == "/sms"
    assert json.loads(request.body) == {
        "to": "+48 600 100 200",
        "text": "Paczka dotrze jutro.",
        "idempotency_key": notification.idempotency_key,
    }


def test_sms_failures(http_sink: HttpSink) -> None:
    sms = transient(channel="sms", recipient="+48600100200", content={"text": "Hej"})
    with pytest.raises(PermanentFailure, match=r"no SMS provider configured \(AFTERSALE_SMS_URL\)"):
        SmsChannel(None).send(sms)
    with pytest.raises(PermanentFailure, match="invalid phone number"):
        SmsChannel(http_sink.url).send(transient(channel="sms", recipient="call me maybe"))
    http_sink.respond = lambda _request: 503
    with pytest.raises(TemporaryFailure):
        SmsChannel(http_sink.url).send(sms)
    http_sink.respond = lambda _request: 422
    with pytest.raises(PermanentFailure, match="HTTP 422"):
        SmsChannel(http_sink.url).send(sms)


def test_staff_alert_posts_the_payload_signed_when_the_shop_has_a_secret(
    http_sink: HttpSink,
) -> None:
    payload = {"text": ":rotating_light: Ticket T-9 is 2 h late", "ticket_id": "T-9", "level": 2}
    alert = transient(
        channel="http", kind="sla_breach", recipient=http_sink.url, content={"payload": payload}
    )
    HttpChannel(SECRETS).send(alert)
    HttpChannel({}).send(alert)
    signed, unsigned = http_sink.received()
    assert json.loads(signed.body) == payload
    assert verified(b"s3cret-of-shop-42", signed) == payload
    assert header(signed, "webhook-id") == alert.idempotency_key
    assert verify("s3cret-of-shop-42", signed)
    assert "X-Aftersale-Signature" not in unsigned.headers
    assert not any(name.lower().startswith("webhook-") for name in unsigned.headers)
    assert unsigned.headers["X-Aftersale-Kind"] == "sla_breach"


def test_shop_secrets_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text('shop-42 = "abc"\n"shop 7" = "def"\n')
    assert load_shop_secrets(path) == {"shop-42": "abc", "shop 7": "def"}
    assert load_shop_secrets(None) == {}
    path.write_text('shop-42 = "abc"\nshop-7 = "whsec_not base64!"\n')
    with pytest.raises(ShopSecretsError, match="line 2: shop-7: a whsec_ secret must be"):
        load_shop_secrets(path)
    path.write_text(f'shop-42 = "{WHSEC}"\n')
    assert load_shop_secrets(path) == {"shop-42": WHSEC}
    path.write_text("shop-42 = 42\n")
    with pytest.raises(ShopSecretsError, match="shop-42: the secret must be a non-empty string"):
        load_shop_secrets(path)
    with pytest.raises(ShopSecretsError, match="cannot read"):
        load_shop_secrets(tmp_path / "missing.toml")


def test_webhook_500_is_retried_and_400_fails(
    sessions: sessionmaker[Session], http_sink: HttpSink, clock: ManualClock
) -> None:
    answers = {"/flaky": [500, 500, 200], "/broken": [400]}
    http_sink.respond = lambda request: answers[request.path].pop(0)
    deliverer = Deliverer(sessions, {"webhook": WebhookChannel(SECRETS)}, PolicyBook(), clock)
    flaky = add_notification(
        sessions, clock(), channel="webhook", recipient=http_sink.url + "/flaky",
        content=WEBHOOK_CONTENT,
    )  # fmt: skip
    broken = add_notification(
        sessions, clock(), channel="webhook", recipient=http_sink.url + "/broken",
        content=WEBHOOK_CONTENT,
    )  # fmt: skip

    assert deliverer.deliver_due() == 2
    for _ in range(3):
        clock.advance(minutes=11)
        deliverer.deliver_due()

    row = load(sessions, flaky)
    assert (row.status, row.attempts, row.outcomes) == ("sent", 3, ["retry", "retry", "sent"])
    assert row.details[0] is not None and "HTTP 500" in row.details[0]
    row = load(sessions, broken)
    assert (row.status, row.attempts, row.outcomes) == ("failed", 1, ["failed"])
    assert row.failure_reason is not None and "HTTP 400" in row.failure_reason
    assert [r.path for r in http_sink.received()].count("/broken") == 1
    # Every try of one notification has the same webhook-id, so the shop can
    # drop repeats; each is signed on its own and verifies.
    tries = [r for r in http_sink.received() if r.path == "/flaky"]
    assert {header(r, "webhook-id") for r in tries} == {row_key(sessions, flaky)}
    for sent in tries:
        verified(b"s3cret-of-shop-42", sent)


def test_sms_without_provider_fails_with_a_clear_reason(
    sessions: sessionmaker[Session], clock: ManualClock
) -> None:
    deliverer = Deliverer(sessions, {"sms": SmsChannel(None)}, PolicyBook(), clock)
    notification_id = add_notification(
        sessions, clock(), channel="sms", recipient="+48600100200", content={"text": "Hej"}
    )
    assert deliverer.deliver_due() == 1
    row = load(sessions, notification_id)
    assert row.status == "failed"
    assert row.failure_reason == "no SMS provider configured (AFTERSALE_SMS_URL)"


def row_key(sessions: sessionmaker[Session], notification_id: int) -> str:
    with sessions() as session:
        row = session.get(Notification, notification_id)
        assert row is not None
        return row.idempotency_key
