"""Every customer message about an order links to its order page, signed for that order."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.notifier.decide import on_event
from services.runtime import tokens
from services.runtime.actor_kit import handle_recorded_events
from services.runtime.order_links import (
    COMPLAINT_PERIOD,
    OrderRef,
    order_page_url,
    read_order_token,
)
from services.runtime.policies import load_policies
from services.runtime.store.models import Notification
from tests.notifier.test_batches import context_for, record
from tests.support import factories

LINK = re.compile(r"http://localhost:8080/o/([A-Za-z0-9_.-]+)")
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_order_messages_carry_a_link_to_their_own_order(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    placed, shipped = factories.order_placed("ord-l1"), factories.order_shipped("ord-l1")
    dispatched = record(sessions, placed, shipped, factories.order_placed("ord-l2"))
    handle_recorded_events(context_for(database_url, sessions, tmp_path), "notifier",
                           dispatched, on_event)  # fmt: skip
    with sessions() as session:
        rows = session.execute(select(Notification.order_id, Notification.content)).all()
    assert len(rows) == 3
    for order_id, content in rows:
        text_link = LINK.search(content["text"])
        html_link = LINK.search(content["html"])
        assert text_link and html_link, content["text"]
        ref = read_order_token("t", text_link.group(1), datetime.now(UTC))
        assert ref == OrderRef(factories.order_placed(order_id)["shop_id"], order_id)


def test_a_link_outlives_the_withdrawal_and_complaint_periods_and_is_refused_altered() -> None:
    policies = load_policies(None).for_shop("shop-42")
    url = order_page_url(
        "secret", "https://care.example/", OrderRef("shop-42", "ord-1"), NOW, policies
    )
    token = url.removeprefix("https://care.example/o/")
    later = NOW + policies.withdrawal.period + COMPLAINT_PERIOD
    assert read_order_token("secret", token, later) == OrderRef("shop-42", "ord-1")
    body, _, mac = token.partition(".")
    forged = tokens.sign("secret", "csat", {"shop": "shop-42", "order": "ord-1"}, later)
    for bad in (body + "x." + mac, token[:-2], forged, "", "a.b"):
        with pytest.raises(tokens.InvalidToken):
            read_order_token("secret", bad, NOW)
    with pytest.raises(tokens.InvalidToken):
        read_order_token("another secret", token, NOW)
    with pytest.raises(tokens.InvalidToken):
        read_order_token("secret", token, later + timedelta(days=60))
