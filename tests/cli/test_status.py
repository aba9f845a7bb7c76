"""`aftersale status --json` and `tickets overdue --json` report what is really there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pika

from services.runtime.routing import SUBSCRIPTIONS, worker_queue_names
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.store.models import Customer, Notification, Ticket
from services.runtime.topology import DEAD_LETTER_QUEUE, INGEST_QUEUE, declare


def run(*args: str, amqp_url: str, database_url: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "AFTERSALE_AMQP_URL": amqp_url, "AFTERSALE_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *args], env=env, capture_output=True,
        timeout=60,
    )  # fmt: skip


def seed_store(database_url: str) -> None:
    now = datetime.now(UTC)
    engine = build_engine(database_url)
    with session_factory(engine).begin() as session:
        customer = Customer(
            shop_id="shop-42",
            customer_id="c-1",
            updated_at=now,
            locale="pl",
            timezone="Europe/Warsaw",
            marketing_consent=False,
            opted_out=False,
        )
        for ticket_id, status, due, replied in (
            ("t-late", "open", now - timedelta(minutes=90), None),
            ("t-fine", "open", now + timedelta(minutes=30), None),
            ("t-done", "answered", now - timedelta(hours=5), now - timedelta(hours=6)),
        ):
            session.add(Ticket(shop_id="shop-42", ticket_id=ticket_id, customer=customer,
                               channel="email", priority="high", subject="?", status=status,
                               opened_at=now - timedelta(hours=8), reply_due_at=due,
                               first_reply_due_at=due, first_replied_at=replied,
                               escalation_level=1 if ticket_id == "t-late" else 0))  # fmt: skip
        session.add(Notification(idempotency_key="k-1", shop_id="shop-42", kind="order_shipped",
                                 channel="email", recipient="a@example.com", status="failed",
                                 content={}, created_at=now, attempts=3,
                                 failure_reason="550 no such user"))  # fmt: skip
    engine.dispose()


def test_status_counts_what_a_test_put_in_the_queues_and_the_store(
    amqp_url: str, sqlite_url: str
) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    declare(channel, worker_queue_names(SUBSCRIPTIONS))
    for _ in range(3):
        channel.basic_publish("", INGEST_QUEUE, b"{}")
    for _ in range(2):
        channel.basic_publish("", DEAD_LETTER_QUEUE, b"{}")
    connection.close()
    seed_store(sqlite_url)

    result = run("status", "--json", amqp_url=amqp_url, database_url=sqlite_url)
    report = json.loads(result.stdout)
    queues = {q["name"]: q for q in report["queues"]}
    assert queues[INGEST_QUEUE]["ready"] == 3 and queues[INGEST_QUEUE]["consumers"] == 0
    assert report["dead_letters"] == 2
    assert report["overdue_tickets"] == 1
    assert report["failed_deliveries_24h"] == 1
    [email] = report["sla_first_reply"]
    assert (email["channel"], email["measured"], email["within_target"]) == ("email", 2, 1)
    assert report["health"] == "degraded" and result.returncode == 1
    assert any("nobody consumes aftersale.ingest" in r for r in report["reasons"])

    overdue = run("tickets", "overdue", "--json", amqp_url=amqp_url, database_url=sqlite_url)
    [late] = json.loads(overdue.stdout)
    assert (late["ticket_id"], late["level"]) == ("t-late", 1)
    assert 89 * 60 <= late["late_by_seconds"] <= 95 * 60


def test_status_is_down_with_exit_2_when_the_broker_is_unreachable(sqlite_url: str) -> None:
    result = run("status", "--json", amqp_url="amqp://guest:guest@127.0.0.1:1/%2F",
                 database_url=sqlite_url)  # fmt: skip
    report = json.loads(result.stdout)
    assert result.returncode == 2 and report["health"] == "down"
    assert "cannot reach RabbitMQ" in report["reasons"][0]
    text = run("status", amqp_url="amqp://guest:guest@127.0.0.1:1/%2F", database_url=sqlite_url)
    assert "dead letters: unknown (the broker is unreachable)" in text.stdout.decode()
    assert "None" not in text.stdout.decode()
