"""Claimed rows checked against the suppression list, in the claim's transaction.

One look-up for all the claimed emails (the list's primary key); the rare
suppressed row is then marked (status ``suppressed``) or moved to another
channel (``channel``, ``recipient``, and a ``rerouted`` attempt row saying
why) before any lane sees it. The timeline shows either.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.orm import Session

from services.deliverer.suppression import Reroute, Suppress, route_around
from services.runtime.logging import get_logger
from services.runtime.policies import PolicyBook
from services.runtime.rendering import TRANSACTIONAL_KINDS
from services.runtime.store import suppressions
from services.runtime.store.models import Customer, DeliveryAttempt, Notification

log = get_logger("aftersale.deliverer")


class Screen:
    """Called with each claim's rows; returns those still to send."""

    def __init__(self, policies: PolicyBook, *, sms_available: bool) -> None:
        self._policies = policies
        self._sms_available = sms_available

    def __call__(
        self, session: Session, rows: Sequence[Notification], now: datetime
    ) -> list[Notification]:
        emails = [r for r in rows if r.channel == "email" and r.customer_id is not None]
        listed = suppressions.find(session, [r.recipient for r in emails]) if emails else {}
        if not listed:
            return list(rows)
        hit = [r for r in emails if suppressions.normalise(r.recipient) in listed]
        phones = self._phones(session, hit)
        kept: list[Notification] = []
        for row in rows:
            entry = listed.get(suppressions.normalise(row.recipient)) if row in hit else None
            if entry is not None and not entry.applies_to(row.shop_id):
                entry = None
            delivery = self._policies.for_shop(row.shop_id).delivery
            decision = route_around(
                entry,
                channel=row.channel,
                for_customer=row.customer_id is not None,
                transactional=row.kind in TRANSACTIONAL_KINDS,
                prefer=delivery.prefer,
                phone=phones.get((row.shop_id, row.customer_id or "")),
                sms_available=self._sms_available,
                webhook_url=delivery.webhook_url or None,
            )
            if decision is None:
                kept.append(row)
            elif isinstance(decision, Suppress):
                _suppress(session, row, decision)
            else:
                _reroute(session, row, decision, now)
                kept.append(row)
        return kept

    @staticmethod
    def _phones(session: Session, rows: Sequence[Notification]) -> dict[tuple[str, str], str]:
        keys = sorted({(r.shop_id, r.customer_id) for r in rows if r.customer_id})
        if not keys:
            return {}
        found = session.execute(
            select(Customer.shop_id, Customer.customer_id, Customer.phone).where(
                tuple_(Customer.shop_id, Customer.customer_id).in_(keys)
            )
        )
        return {(shop, customer): phone for shop, customer, phone in found if phone}


def _suppress(session: Session, row: Notification, decision: Suppress) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == row.id)
        .values(status="suppressed", next_attempt_at=None, failure_reason=decision.reason)
    )
    log.info("message suppressed", notification_id=row.id, kind=row.kind, shop_id=row.shop_id,
             reason=decision.reason.split(":")[0])  # fmt: skip


def _reroute(session: Session, row: Notification, decision: Reroute, now: datetime) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == row.id)
        .values(channel=decision.channel, recipient=decision.recipient)
    )
    session.execute(
        insert(DeliveryAttempt).values(
            notification_pk=row.id, at=now, outcome="rerouted", detail=decision.why
        )
    )
    row.channel, row.recipient = decision.channel, decision.recipient
    log.info("message rerouted", notification_id=row.id, kind=row.kind, shop_id=row.shop_id,
             channel=decision.channel)  # fmt: skip
