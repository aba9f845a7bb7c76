"""The suppression list on SQLite and PostgreSQL: one row per address whatever its case,
the first reason kept but an unsubscribe overruled, a complaint withdrawing consent,
and the deliverer's claim screening against it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from services.deliverer import claims
from services.deliverer.screening import Screen
from services.runtime.policies import parse_policies
from services.runtime.store import suppressions
from services.runtime.store.engine import session_factory
from services.runtime.store.models import Customer, DeliveryAttempt, Notification
from services.runtime.store.suppressions import Report

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_one_row_per_address_and_an_unsubscribe_is_overruled(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        new = suppressions.record(
            session,
            [Report("Jan@Example.com ", "unsubscribe", "one_click"),
             Report("ala@example.com", "bounce", "ses", "550 5.1.1")],
            NOW,
        )  # fmt: skip
        assert new == 2
    with sessions.begin() as session:
        # A bounce replaces the unsubscribe; a later complaint does not replace a bounce.
        assert suppressions.record(session, [Report("jan@example.com", "bounce", "postmark")],
                                   NOW + timedelta(minutes=1)) == 0  # fmt: skip
        suppressions.record(session, [Report("ALA@example.com", "complaint", "sendgrid")], NOW)
    with sessions() as session:
        listed = suppressions.find(session, ["JAN@example.com", "ala@example.com", "x@y.z"])
        assert sorted(listed) == ["ala@example.com", "jan@example.com"]
        assert (listed["jan@example.com"].reason, listed["jan@example.com"].source) == (
            "bounce", "postmark")  # fmt: skip
        assert listed["ala@example.com"].reason == "bounce"
        assert listed["ala@example.com"].detail == "550 5.1.1"
        counts = suppressions.counts(session)
        assert counts == {"bounce": 2, "complaint": 0, "rejected": 0, "unsubscribe": 0,
                          "manual": 0}  # fmt: skip
    with sessions.begin() as session:
        assert suppressions.remove(session, "Jan@example.com")
        assert not suppressions.remove(session, "jan@example.com")
    with sessions() as session:
        assert [e.address for e in suppressions.entries(session)] == ["ala@example.com"]


def test_a_complaint_withdraws_marketing_consent_in_every_shop(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        for shop in ("shop-1", "shop-2"):
            session.add(Customer(shop_id=shop, customer_id="c1", email="Eva@Example.com",
                                 marketing_consent=True, updated_at=NOW))  # fmt: skip
        session.add(Customer(shop_id="shop-1", customer_id="c2", email="other@example.com",
                             marketing_consent=True, updated_at=NOW))  # fmt: skip
    with sessions.begin() as session:
        suppressions.record(session, [Report("eva@example.com", "complaint", "ses")], NOW)
    with sessions() as session:
        rows = session.execute(
            select(Customer.shop_id, Customer.customer_id, Customer.marketing_consent)
        ).all()
        consent = {f"{shop}/{customer}": given for shop, customer, given in rows}
    assert consent == {"shop-1/c1": False, "shop-2/c1": False, "shop-1/c2": True}


def _outbox_row(kind: str, recipient: str, customer: str | None = "c1") -> Notification:
    return Notification(
        idempotency_key=f"{kind}:{recipient}",
        shop_id="shop-1",
        kind=kind,
        channel="email",
        recipient=recipient,
        status="pending",
        customer_id=customer,
        locale="pl",
        content={"subject": "s", "text": "t", "html": None},
        created_at=NOW,
        next_attempt_at=NOW,
        attempts=0,
    )


def test_a_claim_is_screened_against_the_list(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        session.add(Customer(shop_id="shop-1", customer_id="c1", email="jan@example.com",
                             phone="+48600100200", updated_at=NOW))  # fmt: skip
        session.add_all([
            _outbox_row("order_confirmation", "jan@example.com"),  # transactional: to SMS
            _outbox_row("checkin", "JAN@example.com"),  # not transactional: suppressed
            _outbox_row("checkin", "ok@example.com"),  # not listed: sent
            _outbox_row("sla_warning", "jan@example.com", customer=None),  # staff: sent
        ])  # fmt: skip
        suppressions.record(session, [Report("jan@example.com", "bounce", "ses")], NOW)
    screen = Screen(parse_policies(""), sms_available=True)
    with sessions.begin() as session:
        rows = claims.claim(session, NOW, NOW + timedelta(minutes=5), 10)
        kept = screen(session, rows, NOW)
    assert [(r.kind, r.channel, r.recipient) for r in kept] == [
        ("order_confirmation", "sms", "+48600100200"),
        ("checkin", "email", "ok@example.com"),
        ("sla_warning", "email", "jan@example.com"),
    ]
    with sessions() as session:
        stored = {(n.kind, n.recipient.lower()): n for n in session.scalars(select(Notification))}
        suppressed = stored[("checkin", "jan@example.com")]
        assert suppressed.status == "suppressed"
        assert suppressed.failure_reason is not None
        assert suppressed.failure_reason.startswith("suppressed (bounce, ses)")
        moved = stored[("order_confirmation", "+48600100200")]
        assert (moved.channel, moved.status) == ("sms", "pending")
        [attempt] = session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.notification_pk == moved.id)
        )
        assert attempt.outcome == "rerouted"
        assert attempt.detail is not None and "sent by SMS instead" in attempt.detail


def test_within_one_report_a_bounce_wins_and_absurd_addresses_are_dropped(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        new = suppressions.record(
            session,
            [Report("jan@example.com", "bounce", "sendgrid"),
             Report("JAN@example.com", "unsubscribe", "sendgrid"),
             Report("x" * 250 + "@example.com", "bounce", "ses")],
            NOW,
        )  # fmt: skip
    assert new == 1
    with sessions() as session:
        [entry] = suppressions.entries(session)
    assert (entry.address, entry.reason) == ("jan@example.com", "bounce")


def test_an_unsubscribe_stops_only_its_own_shops_marketing(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        session.add(Customer(shop_id="shop-1", customer_id="c1", email="jan@example.com",
                             updated_at=NOW))  # fmt: skip
        other = _outbox_row("checkin", "jan@example.com")
        other.shop_id, other.idempotency_key = "shop-2", "checkin:shop-2"
        session.add_all([_outbox_row("checkin", "jan@example.com"), other])
        suppressions.record(
            session, [Report("jan@example.com", "unsubscribe", "one_click", None, "shop-1")], NOW
        )
    screen = Screen(parse_policies(""), sms_available=False)
    with sessions.begin() as session:
        kept = screen(session, claims.claim(session, NOW, NOW + timedelta(minutes=5), 10), NOW)
    assert [(r.shop_id, r.kind) for r in kept] == [("shop-2", "checkin")]
    with sessions() as session:
        [entry] = suppressions.entries(session)
    assert entry.shop_id == "shop-1" and not entry.stops_transactional
