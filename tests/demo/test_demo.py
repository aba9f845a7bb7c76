"""`aftersale demo` against the real system: every kind of message appears."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from services.cli.demo import demo
from services.demo.run import EXPECTED_KINDS, START_FIRST, DemoError, check_system_up, run_demo
from services.demo.stream import SHOP_ID
from services.runtime.policies import load_policies
from services.runtime.settings import Settings
from services.runtime.store.models import Notification, Order, Ticket
from tests.support.polling import wait_until
from tests.support.system import running_system


def settings_for(amqp_url: str, database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        amqp_url=amqp_url,
        database_url=database_url,
        outbox_dir=tmp_path / "outbox",
        secret_key="t",
        scheduler_tick="0.2s",
    )


@pytest.mark.slow
def test_every_kind_appears(amqp_url: str, sqlite_url: str, tmp_path: Path) -> None:
    settings = settings_for(amqp_url, sqlite_url, tmp_path)
    with running_system(settings, load_policies(None)) as system:
        summary = run_demo(settings, wait=150)
        assert summary.complete, f"did not appear: {summary.missing}; {summary.as_json()}"
        assert summary.rejected == 0 and summary.recorded == summary.published
        rows = {row.kind: row for row in summary.rows}
        assert [row.kind for row in summary.rows] == list(EXPECTED_KINDS)
        assert rows["sla_breach"].audience == "staff" and rows["checkin"].audience == "customer"
        assert rows["order_confirmation"].sent > 0  # emails became .eml files
        assert any((tmp_path / "outbox").iterdir())
        # Customers with a phone only and no SMS provider: recorded, with the reason.
        assert rows["order_confirmation"].suppressed > 0
        assert rows["order_confirmation"].failed == 0
        # The story ran its course: level-2 breaches, both complaint alerts, repeated overdue.
        assert rows["complaint_deadline"].count >= 2
        assert rows["delivery_overdue"].count >= 2
        with system.sessions() as session:
            level2 = session.scalars(
                select(Notification.ticket_id).where(
                    Notification.kind == "sla_breach",
                    Notification.recipient == "manager@shop.example",
                    Notification.ticket_id.like(f"%{summary.run_id}-%"),
                )
            ).all()
        assert len(set(level2)) >= 2, level2
        # The follow-up answered every open ticket and delivered the lost parcel.
        assert summary.follow_up > 0
        run = summary.run_id

        def closed() -> bool:
            with system.sessions() as session:
                tickets = session.scalars(
                    select(Ticket.status).where(
                        Ticket.shop_id == SHOP_ID, Ticket.ticket_id.like(f"%{run}-%")
                    )
                ).all()
                parcels = session.scalars(
                    select(Order.status).where(Order.shop_id == SHOP_ID, Order.status == "shipped",
                                               Order.estimated_delivery.like("%T%"),
                                               Order.order_id.like(f"{run}-%"))
                ).all()  # fmt: skip
            return bool(tickets) and set(tickets) == {"resolved"} and not parcels

        wait_until(closed, timeout=30, what="the demo's tickets resolved and parcel delivered")
    document = summary.as_json()
    assert document["complete"] is True and document["missing"] == []
    assert {k["kind"] for k in document["kinds"]} == set(EXPECTED_KINDS)


def test_refuses_to_run_without_the_system(amqp_url: str, sqlite_url: str, tmp_path: Path) -> None:
    with pytest.raises(DemoError, match="start `aftersale up` first"):
        check_system_up(amqp_url)
    env = {"AFTERSALE_AMQP_URL": amqp_url, "AFTERSALE_DATABASE_URL": sqlite_url}
    result = CliRunner().invoke(demo, ["--wait", "1"], env=env)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"aftersale: {START_FIRST}"]
