"""`POST /v1/reports/{provider}` on a real server and store: each provider verified its
own way, its report in the suppression list; forged, unconfigured and malformed
reports refused with nothing recorded; a one-click unsubscribe lands there too."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from services.runtime import tokens
from services.runtime.store import suppressions
from services.runtime.store.engine import session_factory
from services.runtime.store.models import Customer
from tests.gateway.client import SHOP, Reply, request
from tests.gateway.conftest import SECRET_KEY, RunningGateway
from tests.support import reports
from tests.support.reports import Providers


@pytest.fixture
def providers(tmp_path: Path) -> Providers:
    return reports.providers_file(tmp_path)


@pytest.fixture
def gateway(
    amqp_url: str, start_gateway: Callable[..., RunningGateway], providers: Providers
) -> RunningGateway:
    return start_gateway(amqp_url, delivery_reports=providers.path)


@pytest.fixture
def store(gateway: RunningGateway) -> Iterator[Engine]:
    engine = create_engine(gateway.settings.database_url)
    yield engine
    engine.dispose()


def listed(store: Engine) -> dict[str, tuple[str, str]]:
    with session_factory(store)() as session:
        return {e.address: (e.reason, e.source) for e in suppressions.entries(session)}


def post(gateway: RunningGateway, path: str, body: bytes, headers: dict[str, str]) -> Reply:
    return request(gateway.url + path, method="POST", body=body, headers=headers)


def test_each_provider_reports_into_the_list(
    gateway: RunningGateway, providers: Providers, store: Engine
) -> None:
    json_headers = {"Content-Type": "application/json"}
    ses = post(gateway, f"/v1/reports/ses/{reports.SES_TOKEN}",
               reports.ses_bounce("Bounced@Example.com"), json_headers)  # fmt: skip
    assert ses.status == 200, ses.text
    assert ses.json() == {"suppressed": 1, "new": 1, "reasons": {"bounce": 1}}
    soft = reports.ses_bounce("later@example.com", "Transient")
    transient = post(gateway, f"/v1/reports/ses/{reports.SES_TOKEN}", soft, json_headers)
    assert transient.json()["suppressed"] == 0
    body, headers = reports.postmark_complaint("spam@example.com")
    assert post(gateway, "/v1/reports/postmark", body, headers).status == 200
    body, headers = providers.sendgrid([
        {"email": "gone@example.com", "event": "bounce", "type": "bounce", "status": "5.1.1"},
        {"email": "busy@example.com", "event": "bounce", "type": "blocked"},
    ])  # fmt: skip
    assert post(gateway, "/v1/reports/sendgrid", body, headers).json()["new"] == 1
    body, headers = reports.generic({"type": "complaint", "email": "x@example.com",
                                     "source": "mailgun"})  # fmt: skip
    assert post(gateway, "/v1/reports/generic", body, headers).status == 200
    assert listed(store) == {
        "bounced@example.com": ("bounce", "ses"),
        "spam@example.com": ("complaint", "postmark"),
        "gone@example.com": ("bounce", "sendgrid"),
        "x@example.com": ("complaint", "mailgun"),
    }
    # A provider's retry changes nothing.
    again = post(gateway, f"/v1/reports/ses/{reports.SES_TOKEN}",
                 reports.ses_bounce("bounced@example.com"), json_headers)  # fmt: skip
    assert again.json()["new"] == 0


def test_forged_reports_are_refused_and_record_nothing(
    gateway: RunningGateway, providers: Providers, store: Engine
) -> None:
    bounce = reports.ses_bounce("victim@example.com")
    wrong_token = post(gateway, "/v1/reports/ses/guessed-token-0123456", bounce, {})
    assert (wrong_token.status, wrong_token.json()["error"]) == (401, "bad_token")
    body, headers = reports.postmark_complaint("victim@example.com")
    bad_auth = base64.b64encode(f"{reports.POSTMARK_USER}:wrong".encode()).decode()
    forged = {**headers, "Authorization": f"Basic {bad_auth}"}
    refused = post(gateway, "/v1/reports/postmark", body, forged)
    assert (refused.status, refused.json()["error"]) == (401, "bad_credentials")
    assert post(gateway, "/v1/reports/postmark", body, {}).status == 401
    body, headers = providers.sendgrid([{"email": "victim@example.com", "event": "spamreport"}])
    tampered = body.replace(b"victim", b"victin")
    answer = post(gateway, "/v1/reports/sendgrid", tampered, headers)
    assert (answer.status, answer.json()["error"]) == (401, "bad_signature")
    body, headers = reports.generic({"type": "bounce", "email": "victim@example.com"})
    answer = post(gateway, "/v1/reports/generic", body + b" ", headers)
    assert (answer.status, answer.json()["error"]) == (401, "bad_signature")
    assert listed(store) == {}


def test_malformed_reports_say_why(gateway: RunningGateway, store: Engine) -> None:
    answer = post(gateway, f"/v1/reports/ses/{reports.SES_TOKEN}", b"{not json", {})
    assert (answer.status, answer.json()["error"]) == (400, "not_a_report")
    notification = json.dumps({"Type": "Notification", "Message": "[]"}).encode()
    answer = post(gateway, f"/v1/reports/ses/{reports.SES_TOKEN}", notification, {})
    assert answer.status == 400 and "SES notification" in answer.json()["message"]
    confirm = json.dumps({"Type": "SubscriptionConfirmation",
                          "SubscribeURL": "https://evil.example/confirm"}).encode()  # fmt: skip
    answer = post(gateway, f"/v1/reports/ses/{reports.SES_TOKEN}", confirm, {})
    assert answer.status == 400 and "amazonaws.com" in answer.json()["message"]
    body, headers = reports.generic({"type": "lost", "email": "a@example.com"})
    answer = post(gateway, "/v1/reports/generic", body, headers)
    assert answer.status == 400 and "type must be" in answer.json()["message"]
    assert listed(store) == {}


def test_an_unconfigured_provider_has_no_endpoint(
    amqp_url: str, start_gateway: Callable[..., RunningGateway]
) -> None:
    plain = start_gateway(amqp_url)
    answer = post(plain, "/v1/reports/postmark", b"{}", {})
    assert (answer.status, answer.json()["error"]) == (404, "not_configured")
    assert "AFTERSALE_DELIVERY_REPORTS" in answer.json()["message"]


def test_a_one_click_unsubscribe_lands_in_the_list(
    amqp_url: str, gateway: RunningGateway, store: Engine
) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.gateway.conftest import declare_topology

    declare_topology(amqp_url)
    with session_factory(store).begin() as session:
        session.add(Customer(shop_id=SHOP, customer_id="c-9", email="Leaving@Example.com",
                             updated_at=datetime.now(UTC)))  # fmt: skip
    token = tokens.sign(SECRET_KEY, "unsubscribe", {"shop": SHOP, "customer": "c-9"},
                        datetime.now(UTC) + timedelta(days=30))  # fmt: skip
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = request(f"{gateway.url}/u/{token}", method="POST",
                     body=b"List-Unsubscribe=One-Click", headers=form)  # fmt: skip
    assert answer.status == 200, answer.text
    assert listed(store) == {"leaving@example.com": ("unsubscribe", "one_click")}
