"""A ticket nobody answers climbs the escalation ladder on real sinks; one
answered in time raises nothing. Policy durations are seconds."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from services.publishing.publisher import EventPublisher
from services.runtime.policies import parse_policies
from services.runtime.settings import Settings
from services.runtime.store.models import Ticket
from tests.support import factories
from tests.support.http_sink import http_sink
from tests.support.polling import wait_until
from tests.support.smtp import body_text, smtp_sink
from tests.support.system import running_system

POLICIES = """
[sla.email]
first_response = "4s"
hard_limit = "7s"
warn_before = "2s"

[escalation]
level1 = ["mailto:lead@shop.example", "{hook}/level1"]
level2 = ["mailto:manager@shop.example", "{hook}/level2"]
repeat_every = "3s"
"""


def test_an_unanswered_ticket_escalates_and_an_answered_one_does_not(
    amqp_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    ignored = factories.ticket_opened("tkt-ignored")
    answered = factories.ticket_opened("tkt-answered")
    reply = factories.envelope(
        "ticket.replied",
        {"ticket_id": "tkt-answered", "author": "agent", "replied_at": answered["occurred_at"]},
    )
    with smtp_sink() as (inbox, port), http_sink() as hook:
        policies = parse_policies(POLICIES.format(hook=hook.url))
        settings = Settings(
            amqp_url=amqp_url,
            database_url=sqlite_url,
            smtp_url=f"smtp://127.0.0.1:{port}",
            secret_key="test",
            scheduler_tick="0.1s",
        )
        with running_system(settings, policies) as system:
            with EventPublisher(amqp_url) as publisher:
                for event in (ignored, answered, reply):
                    event["occurred_at"] = _now_iso()
                    assert publisher.publish_event(event) == "confirmed"

            def reminders() -> int:
                return sum(
                    1 for b in hook.bodies() if b["kind"] == "sla_breach" and b["level"] == 2
                )

            wait_until(lambda: reminders() >= 2, timeout=40, what="level 2 and a reminder")
            with system.sessions() as session:
                level = session.scalar(
                    select(Ticket.escalation_level).where(Ticket.ticket_id == "tkt-ignored")
                )
    posts = hook.bodies()
    assert {b["ticket_id"] for b in posts} == {"tkt-ignored"}, "the answered ticket stayed quiet"
    ladder = [(b["kind"], b["level"]) for b in posts]
    assert ladder[:3] == [("sla_warning", 1), ("sla_breach", 1), ("sla_breach", 2)]
    assert all("tkt-ignored" in b["text"] for b in posts)
    assert {r.path for r in hook.received} == {"/level1", "/level2"}
    assert level == 2
    staff_mail = [
        m for m in inbox.messages if m["X-Aftersale-Kind"] in ("sla_warning", "sla_breach")
    ]
    assert {m["To"] for m in staff_mail} == {"lead@shop.example", "manager@shop.example"}
    assert all("tkt-ignored" in body_text(m) for m in staff_mail)
    assert all("tkt-answered" not in body_text(m) for m in staff_mail)
    warning = next(m for m in staff_mail if m["X-Aftersale-Kind"] == "sla_warning")
    assert "sla.email.first_response" in body_text(warning)


def _now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()
