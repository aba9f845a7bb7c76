"""The order page over HTTP from a real gateway on loopback: what it shows, in the
customer's language, escaped; what a bad link gets (404, nothing); when the
withdrawal button shows."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.order_page.withdrawal import clean_name
from services.runtime.settings import Settings
from tests.operator_page.support import http, running_gateway
from tests.order_page.support import SECRET, order_story, page_url


def settings_for(
    amqp_url: str, database_url: str, tmp: Path, policies: Path | None = None
) -> Settings:
    return Settings(amqp_url=amqp_url, database_url=database_url, http_addr="127.0.0.1:0",
                    public_url="http://gateway.test", secret_key=SECRET, outbox_dir=tmp,
                    policies=policies)  # fmt: skip


@pytest.fixture
def gateway(amqp_url: str, database_url: str, tmp_path: Path) -> Iterator[str]:
    with running_gateway(settings_for(amqp_url, database_url, tmp_path)) as url:
        yield url


def visible(body: bytes) -> str:
    text = re.sub(r"<style.*?</style>|<[^>]+>", " ", body.decode(), flags=re.S)
    return " ".join(html.unescape(text).replace("\u00a0", " ").replace("\u202f", " ").split())


def test_the_page_shows_every_stage_with_its_date_in_polish(
    gateway: str, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    order_story(sessions, database_url, tmp_path, "ZO-1", locale="pl")
    reply = http(page_url(gateway, "ZO-1"))
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert "script-src" not in reply.headers["content-security-policy"]  # no script at all
    text = visible(reply.body)
    for expected in (
        "Zamówienie ZO-1",
        "Kubek",
        "Herbata",
        "Razem",
        "104,30 zł",
        "Złożone",
        "Wysłane",
        "InPost (6200123456789)",
        "Śledź paczkę",
        "Poprzedni termin",
        "Nowy termin dostawy",
        "Opóźnienie w sortowni <b>przewoźnika</b>",
        "Dostarczone",
        "Reklamacja ZO-1-R1",
        "Odpowiemy do",
        "Zgłoszenie ZO-1-T1",
        "Kontakt ze sklepem",
        "support@shop.example",
        "Odstąp od umowy tutaj",
        "Możesz odstąpić od umowy bez podawania przyczyny do",
    ):
        assert expected in text, (expected, text)
    assert b"<del>" in reply.body  # the first estimate, crossed out
    assert "<b>przewoźnika</b>".encode() not in reply.body  # escaped, shown as written
    assert b'href="https://inpost.pl/sledzenie-przesylek?number=6200123456789"' in reply.body


def test_an_english_customer_reads_english_and_a_late_estimate_is_said_to_be_late(
    gateway: str, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    order_story(sessions, database_url, tmp_path, "ZO-2", locale="en", delivered_days_ago=None,
                complaint=False, ticket=False)  # fmt: skip
    text = visible(http(page_url(gateway, "ZO-2")).body)
    assert "Order ZO-2" in text and "Expected delivery" not in text
    assert "New delivery date" in text and "Late: it was due by" in text
    assert "Delivery: on its way" in text
    # Before delivery a customer may already withdraw.
    assert "before delivery too" in text and "Withdraw from contract here" in text


@pytest.mark.parametrize("how", ["altered", "other key", "other purpose", "unknown order", "junk"])
def test_a_bad_link_gets_404_and_nothing_of_any_order(
    how: str, gateway: str, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    order_story(sessions, database_url, tmp_path, "ZO-3")
    good = page_url(gateway, "ZO-3")
    token = good.rsplit("/", 1)[1]
    bad = {
        "altered": good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        "other key": page_url(gateway, "ZO-3", secret="someone else's key"),
        "other purpose": f"{gateway}/o/{token.replace('.', 'x.', 1)}",
        "unknown order": page_url(gateway, "ZO-404"),
        "junk": f"{gateway}/o/%00%ff../../etc",
    }[how]
    for url in (bad, bad + "/withdraw"):
        reply = http(url)
        assert reply.status == 404, (how, url)
        assert b"ZO-3" not in reply.body and b"Kubek" not in reply.body
    assert http(bad + "/withdraw", method="POST", data=b"sku=MUG-1").status == 404


def test_after_the_period_the_button_is_gone_and_the_page_says_when_it_ended(
    gateway: str, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    order_story(sessions, database_url, tmp_path, "ZO-4", delivered_days_ago=20, complaint=False)
    text = visible(http(page_url(gateway, "ZO-4")).body)
    assert "Termin na odstąpienie od umowy minął" in text
    assert "Odstąp od umowy tutaj" not in text
    form = http(page_url(gateway, "ZO-4") + "/withdraw")
    assert form.status == 409 and b'name="sku"' not in form.body


def test_a_shop_with_its_own_withdrawal_function_shows_no_button(
    amqp_url: str, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    policies = tmp_path / "policies.toml"
    policies.write_text('[shop."shop-42".withdrawal]\nfunction = false\n')
    order_story(sessions, database_url, tmp_path, "ZO-5")
    with running_gateway(settings_for(amqp_url, database_url, tmp_path, policies)) as url:
        reply = http(page_url(url, "ZO-5"))
        assert reply.status == 200 and b"Odst\xc4\x85p od umowy tutaj" not in reply.body
        assert b'id="withdrawal"' not in reply.body
        assert http(page_url(url, "ZO-5") + "/withdraw").status == 409


def test_a_form_that_cannot_be_read_gets_400_and_publishes_nothing(
    gateway: str, database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    order_story(sessions, database_url, tmp_path, "ZO-6")
    url = page_url(gateway, "ZO-6") + "/withdraw"
    too_many = "&".join(f"sku=S{n}" for n in range(2500)).encode()
    assert http(url, method="POST", data=too_many).status == 400
    assert http(url, method="POST", data=b"sku=MUG-1&name=" + b"x" * 70_000).status == 400
    assert http(url, method="POST", data=b"sku=NOT-OURS").status == 400  # no item of the order


def test_a_name_is_kept_without_control_characters() -> None:
    assert clean_name("Anna\x01 \x7fKowalska\u0085\n") == "Anna Kowalska"
    assert len(clean_name("x" * 500)) == 200
