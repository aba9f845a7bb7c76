"""An order's life through the real system: the right emails, in the right
language, with the right dates, exactly once — and a late parcel noticed
without any delay event."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from services.publishing.publisher import EventPublisher
from services.runtime.policies import parse_policies
from services.runtime.rendering.formatting import babel_locale
from services.runtime.settings import Settings
from services.runtime.store.models import HandledEvent, Notification, Timer
from tests.support import factories
from tests.support.polling import wait_until
from tests.support.smtp import body_text, smtp_sink
from tests.support.system import running_system


def settings_for(amqp_url: str, database_url: str, smtp_port: int, tmp_path: Path) -> Settings:
    return Settings(
        amqp_url=amqp_url,
        database_url=database_url,
        smtp_url=f"smtp://127.0.0.1:{smtp_port}",
        outbox_dir=tmp_path / "outbox",
        secret_key="test-secret",
        scheduler_tick="0.1s",
        public_url="http://shop.test:8080",
    )


#: Days from today: the shipping estimate, the promise, the new estimate after
#: the delay. Relative, so no check fires merely because the suite runs late.
ESTIMATE, PROMISE, NEW_ESTIMATE = 3, 4, 5


def life(order_id: str, locale: str) -> list[dict[str, Any]]:
    customer = factories.customer(f"c-{order_id}", locale=locale, name="Zofia Nowak")
    placed = factories.order_placed(order_id)
    placed["data"]["customer"] = customer
    placed["data"]["promised_delivery_by"] = factories.days_ahead(PROMISE)
    shipped = factories.order_shipped(order_id)
    shipped["data"]["estimated_delivery"] = factories.days_ahead(ESTIMATE)
    delayed = factories.envelope(
        "shipment.delayed",
        {
            "order_id": order_id,
            "reason": "burza śnieżna",
            "new_estimated_delivery": factories.days_ahead(NEW_ESTIMATE),
        },
    )
    delivered = factories.envelope(
        "order.delivered",
        {"order_id": order_id, "delivered_at": datetime.now(UTC).isoformat(timespec="seconds")},
    )
    return [placed, shipped, delayed, delivered]


def publish(amqp_url: str, events: list[dict[str, Any]]) -> None:
    with EventPublisher(amqp_url) as publisher:
        for event in events:
            assert publisher.publish_event(event) == "confirmed"


def expected(locale: str) -> dict[str, list[str]]:
    """The facts each email must state, dates written as the customer reads them."""

    def day(days: int) -> str:
        moment = date.fromisoformat(factories.days_ahead(days))
        return format_date(moment, "long", locale=babel_locale(locale))

    total = "104,30" if locale == "pl" else "104.30"
    return {
        "order_confirmation": [day(PROMISE), total],
        "order_shipped": [day(ESTIMATE), "6200123456789", "InPost"],
        "shipment_delayed": [day(NEW_ESTIMATE), "burza śnieżna"],
    }


@pytest.mark.parametrize("locale", ["pl", "en"])
def test_an_order_life_brings_each_email_once_in_the_customer_language(
    amqp_url: str, sqlite_url: str, tmp_path: Path, locale: str
) -> None:
    with smtp_sink() as (inbox, port):
        settings = settings_for(amqp_url, sqlite_url, port, tmp_path)
        with running_system(settings, parse_policies("")) as system:
            publish(amqp_url, life("ord-life", locale))
            wait_until(lambda: len(inbox.messages) >= 3, timeout=30, what="three emails")
            wait_until(lambda: _settled(system, "ord-life", 4), what="all handled")
    assert sorted(inbox.kinds()) == sorted(expected(locale))
    for kind, facts in expected(locale).items():
        [message] = inbox.of_kind(kind)
        assert message["To"] == "jan.kowalski@example.com"
        text = body_text(message).replace("\u00a0", " ").replace("\u202f", " ")
        for fact in facts:
            assert fact in text, (kind, fact, text)
        assert message["X-Aftersale-Key"].startswith(kind + ":")


def _settled(system: Any, order_id: str, handled: int) -> bool:
    """The notifier handled `handled` events and left no delivery check pending
    (when the delivery was recorded before the shipment was handled, none is set)."""
    with system.sessions() as session:
        receipts = session.scalar(
            select(func.count()).select_from(HandledEvent).where(HandledEvent.worker == "notifier")
        )
        state = session.scalar(
            select(Timer.state).where(
                Timer.kind == "delivery_overdue", Timer.subject_id == order_id
            )
        )
    return receipts == handled and state in (None, "cancelled")


def test_an_overdue_delivery_is_noticed_without_a_delay_event(
    amqp_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    policies = parse_policies('[shipping]\ndelay_grace = "1s"\n')
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    placed = factories.order_placed("ord-late")
    shipped = factories.order_shipped("ord-late")
    shipped["data"]["estimated_delivery"] = soon
    with smtp_sink() as (inbox, port):
        settings = settings_for(amqp_url, sqlite_url, port, tmp_path)
        with running_system(settings, policies):
            publish(amqp_url, [placed, shipped])
            wait_until(lambda: inbox.of_kind("delivery_overdue"), timeout=30, what="staff alert")
            wait_until(lambda: inbox.of_kind("shipment_delayed"), timeout=30, what="apology")
    [apology] = inbox.of_kind("shipment_delayed")
    assert apology["To"] == "jan.kowalski@example.com"
    [alert] = inbox.of_kind("delivery_overdue")[:1]
    assert alert["To"] == "support-lead@shop.example"
    alert_text = body_text(alert)
    assert "ord-late" in alert_text and "shipping.delay_grace" in alert_text
    assert "jan.kowalski@example.com" not in alert_text  # the customer is masked for staff


def test_everything_twice_and_a_worker_restart_still_send_one_email_per_key(
    amqp_url: str, database_url: str, tmp_path: Path
) -> None:
    events = life("ord-twice", "pl")
    with smtp_sink() as (inbox, port):
        settings = settings_for(amqp_url, database_url, port, tmp_path)
        with running_system(settings, parse_policies("")) as system:
            publish(amqp_url, events[:2] + events[:2])
            wait_until(lambda: len(inbox.messages) >= 2, timeout=30, what="first two emails")
            system.stop_workers()
            publish(amqp_url, events[2:] + events + events[2:])
            system.start_workers()
            wait_until(lambda: len(inbox.messages) >= 3, timeout=30, what="the third email")
            wait_until(lambda: _settled(system, "ord-twice", 4), what="all handled")
            wait_until(lambda: system.ingest.stats.duplicates >= 6, what="all duplicates seen")
            with system.sessions() as session:
                keys = session.scalars(select(Notification.idempotency_key)).all()
    counts = Counter(message["X-Aftersale-Key"] for message in inbox.messages)
    assert len(inbox.messages) == 3 and set(counts.values()) == {1}
    assert sorted(counts) == sorted(keys)
    assert Counter(inbox.kinds()) == {"order_confirmation": 1, "order_shipped": 1,
                                      "shipment_delayed": 1}  # fmt: skip


def test_the_timeline_tells_the_order_story_in_time_order(
    amqp_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    from services.runtime.store.timeline import order_timeline

    placed, shipped, *_ = life("ord-story", "pl")
    with smtp_sink() as (inbox, port):
        settings = settings_for(amqp_url, sqlite_url, port, tmp_path)
        with running_system(settings, parse_policies("")) as system:
            publish(amqp_url, [placed, shipped])
            wait_until(lambda: len(inbox.messages) >= 2, timeout=30, what="two emails")

            def story() -> list[Any]:
                with system.sessions() as session:
                    entries = order_timeline(session, "ord-story")
                # The SMTP server has it a moment before the deliverer notes it sent.
                return entries if "order_shipped sent" in [e.what for e in entries] else []

            entries = wait_until(story, what="the shipment's email noted as sent")
    whats = [e.what for e in entries]
    assert whats.index("order.placed") < whats.index("order_confirmation written")
    assert "order.shipped" in whats and "order_shipped sent" in whats
    assert "delivery_overdue (ord-story) set" in whats
    assert [e.at for e in entries] == sorted(e.at for e in entries)
