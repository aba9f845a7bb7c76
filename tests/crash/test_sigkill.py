"""SIGKILL each consumer mid-stream, start it again, and count: nothing lost,
nothing twice (the deliverer may resend the one message it had in flight,
with the same Message-ID, which SPEC section 2 allows; with several senders,
one per sender)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pika
import pytest
from sqlalchemy import func, insert, select

from services.publishing.publisher import EventPublisher
from services.runtime.store.engine import build_engine, read_session_factory, session_factory
from services.runtime.store.models import Notification, Timer
from services.runtime.topology import declare, worker_queues
from tests.support import factories
from tests.support.ingest import get_all, queue_depth, running_ingest
from tests.support.polling import wait_until
from tests.support.smtp import smtp_sink

pytestmark = pytest.mark.slow


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", *command],
            env={**os.environ, "AFTERSALE_LOG_FORMAT": "json", **env},
            stdout=sink,
            stderr=sink,
        )


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def stop(process: subprocess.Popen[bytes], log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, log.read_text()[-3000:]


def count(database_url: str, *where: object) -> int:
    engine = build_engine(database_url)
    # A reader: on SQLite it must not queue for the write lock behind the
    # worker it watches, or the kill comes too late.
    with read_session_factory(engine)() as session:
        value = int(session.scalar(select(func.count()).select_from(Notification).where(*where)))
    engine.dispose()
    return value


def test_a_killed_worker_loses_no_event_and_writes_no_message_twice(
    amqp_url: str, database_url: str, tmp_path: Path
) -> None:
    orders = 300
    env = {"AFTERSALE_AMQP_URL": amqp_url, "AFTERSALE_DATABASE_URL": database_url,
           "AFTERSALE_SECRET_KEY": "t"}  # fmt: skip
    log = tmp_path / "worker.log"
    # Small ingest batches make many worker messages, so the kill lands between
    # committed batches and inside one.
    with running_ingest(amqp_url, database_url, prefetch=10) as ingest:
        worker = start(["worker", "notifier"], env, log)
        with EventPublisher(amqp_url) as publisher:
            for n in range(orders):
                publisher.publish_event(factories.order_placed(f"ord-k{n}"))
        wait_until(lambda: count(database_url) >= 50, timeout=60, what="a first part")
        kill(worker)
        assert count(database_url) < orders, "the kill came too late to prove anything"
        worker = start(["worker", "notifier"], env, log)
        try:
            wait_until(lambda: count(database_url) >= orders, timeout=120, what="every order")
            wait_until(lambda: queue_depth(amqp_url, "aftersale.notifier") == 0, what="drained")
        finally:
            stop(worker, log)
        assert ingest.recorded() == orders
    assert count(database_url, Notification.kind == "order_confirmation") == orders
    assert queue_depth(amqp_url, "aftersale.notifier.XQ") == 0


@pytest.mark.parametrize("senders", [1, 4])
def test_a_killed_deliverer_sends_everything_and_at_most_its_messages_in_flight_again(
    amqp_url: str, sqlite_url: str, tmp_path: Path, senders: int
) -> None:
    """Each sender has at most one message accepted and not yet recorded: with
    the default single sender, a crash resends at most that one message."""
    total, now = 200, datetime.now(UTC)
    engine = build_engine(sqlite_url)
    with session_factory(engine).begin() as session:
        session.execute(insert(Notification), [
            {"idempotency_key": f"order_shipped:{n:04d}", "shop_id": "shop-42",
             "kind": "order_shipped", "channel": "email", "recipient": f"c{n}@example.com",
             "status": "pending", "content": {"subject": "S", "text": "T", "html": "<p>T</p>"},
             "created_at": now, "next_attempt_at": now, "attempts": 0}
            for n in range(total)
        ])  # fmt: skip
    engine.dispose()
    log = tmp_path / "deliverer.log"
    with smtp_sink() as (inbox, port):
        env = {"AFTERSALE_AMQP_URL": amqp_url, "AFTERSALE_DATABASE_URL": sqlite_url,
               "AFTERSALE_SMTP_URL": f"smtp://127.0.0.1:{port}",
               "AFTERSALE_DELIVERER_LEASE": "5s",
               "AFTERSALE_DELIVERER_CONCURRENCY": str(senders)}  # fmt: skip
        deliverer = start(["deliverer"], env, log)
        wait_until(lambda: len(inbox.messages) >= 40, timeout=60, what="a first part")
        kill(deliverer)
        assert len(inbox.messages) < total, "the kill came too late to prove anything"
        deliverer = start(["deliverer"], env, log)
        try:
            # Rows taken by the killed deliverer come back when their lease ends.
            wait_until(lambda: count(sqlite_url, Notification.status == "sent") == total,
                       timeout=120, what="every message sent")  # fmt: skip
        finally:
            stop(deliverer, log)
    keys = Counter(str(m["X-Aftersale-Key"]) for m in inbox.messages)
    assert len(keys) == total
    resent = [key for key, times in keys.items() if times > 1]
    assert len(resent) <= senders, resent
    for key in resent:
        assert len({m["Message-ID"] for m in inbox.messages if m["X-Aftersale-Key"] == key}) == 1


def test_a_killed_scheduler_fires_every_timer_and_none_twice_per_version(
    amqp_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    total, now = 3000, datetime.now(UTC)
    queue = "aftersale.notifier"
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    declare(channel)
    for spec in worker_queues(queue):
        channel.queue_declare(spec.name, durable=True, arguments=spec.arguments)
    connection.close()
    engine = build_engine(sqlite_url)
    with session_factory(engine).begin() as session:
        session.execute(insert(Timer), [
            {"shop_id": "shop-42", "kind": "delivery_overdue", "subject_id": f"o-{n}",
             "due_at": now - timedelta(seconds=n % 50), "state": "pending", "version": 1,
             "created_at": now}
            for n in range(total)
        ])  # fmt: skip
    env = {"AFTERSALE_AMQP_URL": amqp_url, "AFTERSALE_DATABASE_URL": sqlite_url,
           "AFTERSALE_SCHEDULER_TICK": "0.05s", "AFTERSALE_SCHEDULER_LEASE": "3s"}  # fmt: skip
    log = tmp_path / "scheduler.log"

    def fired() -> int:
        with session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).where(Timer.state == "fired")) or 0)

    scheduler = start(["scheduler"], env, log)
    wait_until(lambda: fired() >= 300, timeout=60, what="a first part")
    kill(scheduler)
    assert fired() < total, "the kill came too late to prove anything"
    scheduler = start(["scheduler"], env, log)
    try:
        wait_until(lambda: fired() == total, timeout=120, what="every timer fired")
    finally:
        stop(scheduler, log)
    engine.dispose()
    firings = Counter(tuple(json.loads(body)["args"]) for _p, body in get_all(amqp_url, queue))
    # Every (timer, version) was published; a batch published by the killed
    # scheduler just before it died may be published again (handlers act once).
    assert len(firings) == total
    assert sum(firings.values()) - total <= 500
