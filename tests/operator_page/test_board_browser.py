"""The operator board in a real browser (tests.support.browser), against a real
gateway, store and broker. The screenshot goes to `test-artifacts/board.png`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from services.runtime.store.engine import build_engine, session_factory
from services.runtime.topology import DEAD_LETTER_QUEUE
from tests.operator_page import support
from tests.operator_page.support import OPERATOR_TOKEN, running_gateway, settings_for
from tests.support.browser import ARTIFACTS, chromium
from tests.support.ingest import queue_depth

#: The breached-at-level-1 row colour of board.css (#ffebee).
BREACHED_1_BACKGROUND = "rgb(255, 235, 238)"
WAIT_MS = 20_000


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _seed(database_url: str) -> None:
    engine = build_engine(database_url)
    with session_factory(engine).begin() as session:
        owner = support.customer(session)
        support.ticket(
            session,
            owner,
            "T-overdue",
            due_in=-timedelta(minutes=20),
            level=1,
            subject="Parcel never arrived",
        )
        support.ticket(
            session, owner, "T-in-time", due_in=timedelta(hours=3), subject="Can I change the size?"
        )
        support.notification(
            session,
            "sla_breach",
            "email",
            "team.lead@example.com",
            status="sent",
            sent_after=timedelta(seconds=2),
        )
        support.notification(
            session,
            "order_confirmation",
            "sms",
            "+48 600 100 200",
            status="failed",
            failure="provider said no",
        )
    engine.dispose()


def _add_overdue_ticket(database_url: str) -> None:
    engine = build_engine(database_url)
    with session_factory(engine).begin() as session:
        owner = support.customer(session, "c-2")
        support.ticket(
            session,
            owner,
            "T-new-overdue",
            due_in=-timedelta(minutes=2),
            level=1,
            subject="Refund still missing",
        )
    engine.dispose()


def test_the_board_in_a_browser(browser: Any, amqp_url: str, sqlite_url: str) -> None:
    from playwright.sync_api import expect

    support.declare_topology(amqp_url)
    _seed(sqlite_url)
    support.put_dead_letter(amqp_url, "dl-browser-1", "invalid order.placed: data.items[0]")
    support.put_dead_letter(amqp_url, "dl-browser-2", "invalid order.placed: data.total")
    with running_gateway(settings_for(amqp_url, sqlite_url)) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{url}/board?refresh=1")

        overdue = page.locator('tr[data-ticket="shop-board/T-overdue"]')
        expect(overdue).to_have_class(re.compile(r"\bstate-breached-1\b"))
        expect(overdue).to_contain_text("late by")
        background = overdue.evaluate("row => getComputedStyle(row).backgroundColor")
        assert background == BREACHED_1_BACKGROUND
        expect(page.locator('tr[data-ticket="shop-board/T-in-time"]')).to_have_class(
            re.compile(r"\bstate-ok\b")
        )

        # It refreshes by itself: a ticket put in the store appears without a reload.
        page.evaluate("window.__notReloaded = true")
        _add_overdue_ticket(sqlite_url)
        added = page.locator('tr[data-ticket="shop-board/T-new-overdue"]')
        expect(added).to_have_class(re.compile(r"\bstate-breached-1\b"), timeout=WAIT_MS)
        assert page.evaluate("window.__notReloaded") is True
        # Sorted by time to breach: the longest overdue first.
        order = page.locator("tr.ticket").evaluate_all("rows => rows.map(r => r.dataset.ticket)")
        assert order == ["shop-board/T-overdue", "shop-board/T-new-overdue",
                         "shop-board/T-in-time"]  # fmt: skip

        # Replay a dead letter with the operator token: it leaves the board.
        page.fill("#token", OPERATOR_TOKEN)
        page.click('button[data-replay="dl-browser-1"]')
        expect(page.locator("#flash")).to_contain_text("Replayed dl-browser-1", timeout=WAIT_MS)
        expect(page.locator('tr[data-dead-letter="dl-browser-1"]')).to_have_count(
            0, timeout=WAIT_MS
        )
        expect(page.locator('tr[data-dead-letter="dl-browser-2"]')).to_have_count(1)
        assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 1

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "board.png"), full_page=True)
        assert not problems, problems  # no script error, no CSP violation
        page.close()
