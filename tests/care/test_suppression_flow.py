"""Delivery reports change what is sent, end to end on a real broker, store, SMTP
server, SMS provider and gateway: an SES permanent bounce, a Postmark spam complaint
and a SendGrid bounce each suppress the address; the next check-in to it is recorded
as suppressed with the reason; a transactional message goes by SMS when the customer
has a phone; a mail server's 5.1.1 refusal joins the list by itself."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import Envelope
from sqlalchemy import select

from services.runtime.policies import parse_policies
from services.runtime.settings import Settings
from services.runtime.store import suppressions
from services.runtime.store.models import DeliveryAttempt, Notification
from services.runtime.store.timeline import order_timeline
from tests.care.test_checkins_and_feedback import POLICIES, now_iso, publish
from tests.support import factories, reports
from tests.support.http_sink import http_sink
from tests.support.polling import wait_until
from tests.support.smtp import Inbox, free_port, smtp_server, smtp_sink
from tests.support.system import System, running_system


def post(url: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    with urllib.request.urlopen(req, timeout=10) as answer:
        assert answer.status == 200
        return dict(json.loads(answer.read()))


def placed(customer_id: str, order_id: str, **customer: Any) -> dict[str, Any]:
    event = factories.order_placed(order_id, occurred_at=now_iso())
    event["data"]["customer"] = factories.customer(
        customer_id, email=f"{customer_id}@example.com", marketing_consent=True, **customer
    )
    return event


def delivered(order_id: str) -> dict[str, Any]:
    return factories.envelope("order.delivered", {"order_id": order_id, "delivered_at": now_iso()})


def outbox(system: System, kind: str, order_id: str) -> Notification | None:
    with system.sessions() as session:
        return session.scalar(
            select(Notification).where(Notification.kind == kind, Notification.order_id == order_id)
        )


def settled(system: System, kind: str, order_id: str) -> bool:
    row = outbox(system, kind, order_id)
    return row is not None and row.status != "pending"


def test_reports_suppress_check_ins_and_send_transactional_mail_by_sms(
    amqp_url: str, database_url: str, tmp_path: Path
) -> None:
    providers = reports.providers_file(tmp_path)
    customers = {"c-ses": "ses", "c-pm": "postmark", "c-sg": "sendgrid"}
    with smtp_sink() as (inbox, smtp_port), http_sink() as sms:
        port = free_port()
        settings = Settings(
            amqp_url=amqp_url,
            database_url=database_url,
            smtp_url=f"smtp://127.0.0.1:{smtp_port}",
            sms_url=sms.url + "/send",
            secret_key="test-secret",
            scheduler_tick="0.1s",
            http_addr=f"127.0.0.1:{port}",
            public_url=f"http://127.0.0.1:{port}",
            delivery_reports=providers.path,
        )
        with running_system(settings, parse_policies(POLICIES), gateway=True) as system:
            publish(amqp_url, [placed("c-ses", "o-ses", phone="+48600100200"),
                               placed("c-pm", "o-pm"), placed("c-sg", "o-sg")])  # fmt: skip
            wait_until(lambda: len(inbox.of_kind("order_confirmation")) == 3, timeout=30,
                       what="three confirmations")  # fmt: skip
            base = settings.public_url + "/v1/reports"
            json_headers = {"Content-Type": "application/json"}
            post(f"{base}/ses/{reports.SES_TOKEN}", reports.ses_bounce("c-ses@example.com"),
                 json_headers)  # fmt: skip
            post(f"{base}/postmark", *reports.postmark_complaint("c-pm@example.com"))
            post(f"{base}/sendgrid", *providers.sendgrid(
                [{"email": "c-sg@example.com", "event": "bounce", "type": "bounce"}]))  # fmt: skip
            # The transactional shipment notice: by SMS where there is a phone.
            publish(amqp_url, [factories.order_shipped(o) for o in ("o-ses", "o-pm", "o-sg")])
            wait_until(lambda: all(settled(system, "order_shipped", o)
                                   for o in ("o-ses", "o-pm", "o-sg")),
                       timeout=30, what="the shipment notices")  # fmt: skip
            publish(amqp_url, [delivered(o) for o in ("o-ses", "o-pm", "o-sg")])
            wait_until(lambda: all(settled(system, "checkin", o)
                                   for o in ("o-ses", "o-pm", "o-sg")),
                       timeout=30, what="the check-ins")  # fmt: skip
            rows = {o: outbox(system, "checkin", o) for o in ("o-ses", "o-pm", "o-sg")}
            shipped = {o: outbox(system, "order_shipped", o) for o in ("o-ses", "o-pm", "o-sg")}
            with system.sessions() as session:
                timeline = order_timeline(session, "o-ses")
                listed = suppressions.find(session, [f"{c}@example.com" for c in customers])
    assert {a: (e.reason, e.source) for a, e in listed.items()} == {
        "c-ses@example.com": ("bounce", "ses"),
        "c-pm@example.com": ("complaint", "postmark"),
        "c-sg@example.com": ("bounce", "sendgrid"),
    }
    for order, (reason, source) in {"o-ses": ("bounce", "ses"), "o-pm": ("complaint", "postmark"),
                                    "o-sg": ("bounce", "sendgrid")}.items():  # fmt: skip
        row = rows[order]
        assert row is not None and row.status == "suppressed"
        assert row.failure_reason is not None
        assert row.failure_reason.startswith(f"suppressed ({reason}, {source})")
    assert inbox.of_kind("checkin") == [] and inbox.of_kind("order_shipped") == []
    ses_shipped = shipped["o-ses"]
    assert ses_shipped is not None
    assert (ses_shipped.channel, ses_shipped.status) == ("sms", "sent")
    [text] = sms.bodies()
    assert text["to"] == "+48600100200"
    for order in ("o-pm", "o-sg"):  # no phone, no shop webhook: recorded, with why
        row = shipped[order]
        assert row is not None and row.status == "suppressed"
        assert row.failure_reason and "no other channel reaches the customer" in row.failure_reason
    said = [f"{e.what} {e.detail}" for e in timeline]
    assert any("order_shipped rerouted" in s and "sent by SMS instead" in s for s in said), said
    assert any("checkin suppressed" in s and "(bounce, ses)" in s for s in said), said


class Refusing(Inbox):
    """Refuses RCPT for addresses starting "gone" (5.1.1) and "relay" (5.7.1)."""

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Envelope, address: str, _options: Any
    ) -> str:
        if address.startswith("gone"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address.startswith("relay"):
            return "550 5.7.1 Relaying denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_mail_server_refusing_the_address_suppresses_it(
    amqp_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    inbox = Refusing()
    with smtp_server(inbox) as smtp_port:
        settings = Settings(
            amqp_url=amqp_url,
            database_url=sqlite_url,
            smtp_url=f"smtp://127.0.0.1:{smtp_port}",
            secret_key="t",
            outbox_dir=tmp_path / "outbox",
        )
        with running_system(settings, parse_policies("")) as system:
            publish(amqp_url, [placed("gone", "o-gone"), placed("relay", "o-relay")])
            wait_until(lambda: settled(system, "order_confirmation", "o-gone")
                       and settled(system, "order_confirmation", "o-relay"),
                       timeout=30, what="both refusals")  # fmt: skip
            with system.sessions() as session:
                listed = suppressions.find(session, ["gone@example.com", "relay@example.com"])
                attempts = dict(
                    session.execute(
                        select(Notification.recipient, DeliveryAttempt.outcome).join(
                            Notification, Notification.id == DeliveryAttempt.notification_pk
                        )
                    ).all()
                )
                rows = {n.recipient: n for n in session.scalars(select(Notification))}
    # The bad mailbox joins the list; a relaying refusal is the sender's problem, not the
    # address's, and changes nothing.
    assert list(listed) == ["gone@example.com"]
    entry = listed["gone@example.com"]
    assert (entry.reason, entry.source) == ("rejected", "smtp")
    assert entry.detail and "5.1.1" in entry.detail
    # The refused confirmation is screened again at once: no phone, no webhook, so it is
    # recorded as suppressed with the reason; the relaying refusal simply failed.
    assert attempts == {"gone@example.com": "retry", "relay@example.com": "failed"}
    gone, relay = rows["gone@example.com"], rows["relay@example.com"]
    assert gone.status == "suppressed" and gone.failure_reason is not None
    assert gone.failure_reason.startswith("suppressed (rejected, smtp)")
    assert "no other channel reaches the customer" in gone.failure_reason
    assert relay.status == "failed"
