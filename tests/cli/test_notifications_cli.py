"""`aftersale notifications list` and `timeline` as an operator reads them: nothing
cut silently, unknown filters refused with the valid ones, the same exit status
with and without --json, and `aftersale --version`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.runtime.store.engine import build_engine, session_factory
from services.runtime.store.migrate import upgrade
from services.runtime.store.notifications import add_once
from tests.cli.test_commands import aftersale

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'aftersale.db'}"
    upgrade(url)
    engine = build_engine(url)
    with session_factory(engine).begin() as session:
        for n in range(7):
            add_once(session, idempotency_key=f"order_shipped:k{n}", shop_id="shop-42",
                     kind="order_confirmation" if n % 2 else "order_shipped", channel="email",
                     recipient=f"c{n}@example.pl", content={"subject": "s"},
                     now=T0 + timedelta(minutes=n), order_id=f"PL-{n}",
                     status="sent" if n < 2 else "pending")  # fmt: skip
    engine.dispose()
    return {"AFTERSALE_DATABASE_URL": url, "COLUMNS": "200"}


def test_a_limited_list_shows_the_newest_and_says_how_many_more(store: dict[str, str]) -> None:
    shown = aftersale("notifications", "list", "--limit", "3", env=store)
    out = shown.stdout.decode()
    assert shown.returncode == 0, shown.stderr.decode()
    assert "the newest 3 of 7 notifications" in out
    assert "4 older not shown: --limit 7 or --all to see them" in out
    assert "PL-6" in out and "PL-4" in out and "PL-3" not in out
    every = aftersale("notifications", "list", "--all", env=store).stdout.decode()
    assert "7 notifications" in every and "not shown" not in every and "PL-0" in every


def test_json_keeps_its_shape_and_tells_stderr_what_was_left_out(store: dict[str, str]) -> None:
    result = aftersale("notifications", "list", "--limit", "2", "--json", env=store)
    records = json.loads(result.stdout)
    assert [r["order_id"] for r in records] == ["PL-5", "PL-6"]  # the newest, oldest first
    assert "5 older not shown" in result.stderr.decode()
    sent = json.loads(aftersale("notifications", "list", "--status", "sent", "--json",
                                env=store).stdout)  # fmt: skip
    assert sorted(r["order_id"] for r in sent) == ["PL-0", "PL-1"]
    one = json.loads(aftersale("notifications", "list", "--kind", "order_confirmation",
                               "--channel", "email", "--json", env=store).stdout)  # fmt: skip
    assert [r["order_id"] for r in one] == ["PL-1", "PL-3", "PL-5"]


@pytest.mark.parametrize(
    ("option", "value", "valid"),
    [("--kind", "bogus", "order_confirmation"), ("--channel", "fax", "webhook"),
     ("--status", "lost", "suppressed")],
)  # fmt: skip
def test_an_unknown_filter_is_an_error_naming_the_valid_values(
    store: dict[str, str], option: str, value: str, valid: str
) -> None:
    result = aftersale("notifications", "list", option, value, env=store)
    stderr = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in stderr
    assert f"'{value}' is not one of" in stderr and valid in stderr


def test_version() -> None:
    result = aftersale("--version")
    assert result.returncode == 0
    assert result.stdout.decode().startswith("aftersale, version ")


def test_an_unknown_orders_timeline_fails_the_same_with_and_without_json(
    store: dict[str, str],
) -> None:
    table = aftersale("timeline", "NOPE", env=store)
    as_json = aftersale("timeline", "NOPE", "--json", env=store)
    assert table.returncode == as_json.returncode == 1
    assert json.loads(as_json.stdout) == []
    for result in (table, as_json):
        assert "nothing is known about order 'NOPE'" in result.stderr.decode()
