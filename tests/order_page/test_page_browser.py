"""The order page in a real browser (tests.support.browser) on a phone-sized
screen, in Polish and English, against a real gateway and store; the withdrawal
button leads to the confirmation step without any script. Screenshots go to
`test-artifacts/order-page-pl.png`, `order-page-en.png` and `withdrawal-confirm-pl.png`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store.engine import build_engine, session_factory
from tests.operator_page.support import running_gateway
from tests.order_page.support import order_story, page_url
from tests.order_page.test_page_http import settings_for
from tests.support.browser import ARTIFACTS, chromium

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def sqlite_sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    engine = build_engine(sqlite_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.mark.parametrize(
    ("locale", "late", "button", "confirm"),
    [
        ("pl", "Odpowiemy do", "Odstąp od umowy tutaj", "Potwierdź odstąpienie od umowy"),
        ("en", "We will answer by", "Withdraw from contract here", "Confirm withdrawal"),
    ],
)
def test_a_delivered_orders_page_in_a_browser(
    browser: Any, amqp_url: str, sqlite_url: str, sqlite_sessions: sessionmaker[Session],
    tmp_path: Path, locale: str, late: str, button: str, confirm: str,
) -> None:  # fmt: skip
    order_story(sqlite_sessions, sqlite_url, tmp_path, f"ZO-B-{locale}", locale=locale)
    ARTIFACTS.mkdir(exist_ok=True)
    with running_gateway(settings_for(amqp_url, sqlite_url, tmp_path)) as url:
        context = browser.new_context(viewport=PHONE, java_script_enabled=False)
        page = context.new_page()
        response = page.goto(page_url(url, f"ZO-B-{locale}"))
        assert response is not None and response.status == 200
        assert page.locator("html").get_attribute("lang") == locale
        stages = page.locator("#stages li")
        keys = [stages.nth(i).get_attribute("data-stage") for i in range(stages.count())]
        assert keys == [
            "placed",
            "shipped",
            "estimate",
            "estimate",
            "delivered",
            "return",
            "ticket",
        ]
        assert page.locator("#stages li[data-state=superseded] del").count() == 1
        assert late in page.locator("#stages li[data-stage=return]").inner_text()
        # Readable on a phone: nothing wider than the screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        page.screenshot(path=str(ARTIFACTS / f"order-page-{locale}.png"), full_page=True)
        page.get_by_role("link", name=button).click()
        page.wait_for_url("**/withdraw")
        assert page.get_by_role("button", name=confirm).is_visible()
        if locale == "pl":
            page.screenshot(path=str(ARTIFACTS / "withdrawal-confirm-pl.png"), full_page=True)
        context.close()
