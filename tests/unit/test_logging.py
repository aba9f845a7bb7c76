"""Logs never carry a full email address or phone number."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from services.runtime.logging import configure_logging, mask_personal_data


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        ("jan.kowalski@example.com", "jan.kowalski", "j***@example.com"),
        ("to: Anna <anna+shop@poczta.pl>", "anna+shop", "a***@poczta.pl"),
        ("call +48 600 100 200 now", "600 100 200", "***00"),
        ("tel 600100200", "600100200", "***00"),
        ("order PL-2026-000981 total 1234.50", "", "PL-2026-000981 total 1234.50"),
        ("at 2026-11-23T10:15:00+01:00", "", "2026-11-23T10:15:00+01:00"),
    ],
)
def test_masking(text: str, hidden: str, kept: str) -> None:
    masked = mask_personal_data(text)
    if hidden:
        assert hidden not in masked
    assert kept in masked


@pytest.fixture
def process_logging() -> Iterator[None]:
    """Configure logging as a process does, and put it back afterwards: the
    captured stream it writes to is closed once the test ends."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("process_logging")
def test_log_lines_are_json_with_context_and_masked(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", "json")
    structlog.contextvars.bind_contextvars(event_id="e-1", type="order.placed", shop_id="shop-42")
    try:
        structlog.get_logger("t").info(
            "customer found", email="jan.kowalski@example.com", detail={"phone": "+48600100200"}
        )
        logging.getLogger("some.library").warning("sent to ewa@example.org")
    finally:
        structlog.contextvars.clear_contextvars()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    ours, library = lines[-2], lines[-1]
    assert ours["event_id"] == "e-1" and ours["type"] == "order.placed"
    assert ours["shop_id"] == "shop-42"
    assert ours["email"] == "j***@example.com"
    assert "600100200" not in json.dumps(ours)
    assert "ewa@example.org" not in library["event"]
