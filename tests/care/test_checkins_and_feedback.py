"""Check-ins at the right moment (and not at the wrong one), and one-click answers
that turn an unhappy customer around — on a real broker, store, SMTP and gateway."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import func, select

from services.publishing.publisher import EventPublisher
from services.runtime.policies import parse_policies
from services.runtime.settings import Settings
from services.runtime.store.models import EventRecord, Notification, Ticket, Timer
from tests.support import factories
from tests.support.polling import wait_until
from tests.support.smtp import Inbox, body_text, free_port, smtp_sink
from tests.support.system import System, running_system

POLICIES = """
[checkins]
after_delivery = "2s"
min_interval = "30d"
quiet_hours = ""
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def order_for(customer_id: str, order_id: str, consent: bool = True) -> list[dict[str, Any]]:
    placed = factories.order_placed(order_id, occurred_at=now_iso())
    placed["data"]["customer"] = factories.customer(
        customer_id, email=f"{customer_id}@example.com", marketing_consent=consent
    )
    delivered = factories.envelope(
        "order.delivered", {"order_id": order_id, "delivered_at": now_iso()}
    )
    return [placed, delivered]


def publish(amqp_url: str, events: list[dict[str, Any]]) -> None:
    with EventPublisher(amqp_url) as publisher:
        for event in events:
            assert publisher.publish_event(event) == "confirmed"


def settings_for(amqp_url: str, database_url: str, smtp_port: int) -> Settings:
    port = free_port()
    return Settings(
        amqp_url=amqp_url,
        database_url=database_url,
        smtp_url=f"smtp://127.0.0.1:{smtp_port}",
        secret_key="test-secret",
        scheduler_tick="0.1s",
        http_addr=f"127.0.0.1:{port}",
        public_url=f"http://127.0.0.1:{port}",
    )


def checkin_to(inbox: Inbox, address: str) -> list[EmailMessage]:
    return [m for m in inbox.of_kind("checkin") if m["To"] == address]


def suppressed_reason(system: System, order_id: str) -> str | None:
    with system.sessions() as session:
        return session.scalar(
            select(Notification.failure_reason).where(
                Notification.kind == "checkin",
                Notification.order_id == order_id,
                Notification.status == "suppressed",
            )
        )


def test_check_ins_come_after_delivery_but_not_too_often_nor_during_a_return(
    amqp_url: str, sqlite_url: str
) -> None:
    with smtp_sink() as (inbox, port):
        settings = settings_for(amqp_url, sqlite_url, port)
        with running_system(settings, parse_policies(POLICIES)) as system:
            publish(amqp_url, order_for("anna", "ord-1"))
            wait_until(lambda: checkin_to(inbox, "anna@example.com"), timeout=30, what="check-in")
            # A second delivery for Anna within min_interval: recorded, not sent.
            publish(amqp_url, order_for("anna", "ord-2"))
            reason = wait_until(lambda: suppressed_reason(system, "ord-2"), timeout=30,
                                what="the suppressed check-in")  # fmt: skip
            assert "checkins.min_interval" in reason
            # Bob opens a return before his check-in is due: none, with the reason.
            placed, delivered = order_for("bob", "ord-3")
            requested = factories.envelope("return.requested", {
                "return_id": "ret-3", "order_id": "ord-3", "kind": "withdrawal",
                "items": [{"sku": "MUG-1", "quantity": 1}]})  # fmt: skip
            publish(amqp_url, [placed, delivered, requested])
            reason = wait_until(lambda: suppressed_reason(system, "ord-3"), timeout=30,
                                what="Bob's suppressed check-in")  # fmt: skip
            assert "ret-3" in reason
    assert len(checkin_to(inbox, "anna@example.com")) == 1
    assert checkin_to(inbox, "bob@example.com") == []


def links_in(message: EmailMessage) -> dict[int, str]:
    found = re.findall(r"(\d) \([^)]*\): (http://\S+/f/\S+)", body_text(message))
    return {int(score): url for score, url in found}


def follow(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_one_click_answer_of_one_turns_into_apology_ticket_and_alert(
    amqp_url: str, sqlite_url: str
) -> None:
    with smtp_sink() as (inbox, port):
        settings = settings_for(amqp_url, sqlite_url, port)
        with running_system(settings, parse_policies(POLICIES), gateway=True) as system:
            publish(amqp_url, order_for("cecylia", "ord-sad") + order_for("dawid", "ord-glad"))
            sad = wait_until(lambda: checkin_to(inbox, "cecylia@example.com"), timeout=30)[0]
            glad = wait_until(lambda: checkin_to(inbox, "dawid@example.com"), timeout=30)[0]
            sad_links, glad_links = links_in(sad), links_in(glad)
            assert sorted(sad_links) == [1, 2, 3, 4, 5]

            def events() -> int:
                with system.sessions() as session:
                    return int(session.scalar(select(func.count()).select_from(EventRecord)) or 0)

            before = events()
            tampered = sad_links[1][:-3] + ("AAA" if not sad_links[1].endswith("AAA") else "BBB")
            status, page = follow(tampered)
            assert status == 400 and "altered" in page
            status, page = follow(sad_links[1])
            assert status == 200 and "1/5" in page
            apology = wait_until(lambda: inbox.of_kind("feedback_apology"), timeout=30)[0]
            assert apology["To"] == "cecylia@example.com"
            assert re.search(r"SORRY-[A-Z2-7]{10}", body_text(apology))
            alert = wait_until(lambda: inbox.of_kind("negative_feedback"), timeout=30)[0]
            assert alert["To"] == "support-lead@shop.example"
            follow(glad_links[5])
            review = wait_until(lambda: inbox.of_kind("review_request"), timeout=30)[0]
            assert review["To"] == "dawid@example.com"
            assert "https://shop.example/reviews" in body_text(review)
            assert events() == before + 2  # the two answers; the tampered link added nothing
            with system.sessions() as session:
                ticket = session.scalars(select(Ticket).where(Ticket.priority == "high")).one()
                clocks = session.scalars(
                    select(Timer.kind).where(Timer.subject_id.startswith(ticket.ticket_id))
                ).all()
    assert ticket.order_id == "ord-sad" and ticket.reply_due_at is not None
    assert {"sla_warning", "sla_breach"} <= set(clocks)
    assert inbox.of_kind("review_request")[0]["To"] != "cecylia@example.com"
