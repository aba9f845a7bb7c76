"""SIGKILL the ingest while 5,000 events stream in: none lost, none twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.publishing.publisher import EventPublisher, read_envelope
from services.runtime.store.engine import build_engine, session_factory
from services.runtime.store.models import EventRecord
from services.runtime.topology import DEAD_LETTER_QUEUE, INGEST_QUEUE
from tests.support import factories
from tests.support.ingest import queue_depth, running_ingest
from tests.support.polling import wait_until
from tests.support.services import Broker

EVENTS = 5_000


def start_ingest(amqp_url: str, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AFTERSALE_AMQP_URL": amqp_url,
        "AFTERSALE_DATABASE_URL": database_url,
        "AFTERSALE_LOG_FORMAT": "json",
    }
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", "ingest"],
            env=env,
            stdout=sink,
            stderr=sink,
        )


@pytest.mark.slow
def test_sigkill_mid_stream_loses_nothing_and_records_nothing_twice(
    amqp_url: str, database_url: str, tmp_path: Path
) -> None:
    engine = build_engine(database_url)
    sessions = session_factory(engine)

    def recorded() -> int:
        with sessions() as session:
            return int(session.scalar(select(func.count()).select_from(EventRecord)) or 0)

    bodies = []
    for _ in range(EVENTS // 2):
        placed = factories.order_placed()
        bodies.append(factories.to_bytes(placed))
        bodies.append(factories.to_bytes(factories.order_shipped(placed["data"]["order_id"])))
    log = tmp_path / "ingest.log"
    ingest = start_ingest(amqp_url, database_url, log)
    wait_until(lambda: ingest.poll() is not None or queue_depth_or_none(amqp_url), what="ingest")
    assert ingest.poll() is None, log.read_text()

    published: list[str] = []

    def stream() -> None:
        with EventPublisher(amqp_url) as publisher:
            for body in bodies:
                published.append(publisher.publish(read_envelope(body)))

    streamer = threading.Thread(target=stream)
    streamer.start()
    wait_until(lambda: recorded() >= 1_000, timeout=60, what="the first thousand")
    ingest.send_signal(signal.SIGKILL)
    ingest.wait()
    killed_at = recorded()
    assert killed_at < EVENTS, "the kill came too late to prove anything"

    ingest = start_ingest(amqp_url, database_url, log)
    try:
        streamer.join(timeout=120)
        assert published.count("confirmed") == EVENTS
        wait_until(lambda: recorded() >= EVENTS, timeout=120, what="all events recorded")
        wait_until(lambda: queue_depth(amqp_url, INGEST_QUEUE) == 0, what="an empty queue")
    finally:
        ingest.send_signal(signal.SIGTERM)
        assert ingest.wait(timeout=30) == 0, log.read_text()[-3000:]
    with sessions() as session:
        distinct = session.scalar(
            select(func.count()).select_from(
                select(EventRecord.shop_id, EventRecord.event_id).distinct().subquery()
            )
        )
        undispatched = session.scalar(
            select(func.count()).where(EventRecord.dispatched_at.is_(None))
        )
    engine.dispose()
    assert recorded() == EVENTS == distinct
    assert undispatched == 0
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 0
    assert killed_at > 0


def queue_depth_or_none(amqp_url: str) -> bool:
    """True once the ingest has declared its queue and is consuming from it."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        method = connection.channel().queue_declare(INGEST_QUEUE, passive=True).method
        return bool(method.consumer_count)
    except pika.exceptions.ChannelClosedByBroker:
        return False
    finally:
        if connection.is_open:
            connection.close()


def _close_ingest_connections(broker: Broker, vhost: str) -> int:
    """Have the broker drop the ingest's connection, as a node restart would."""
    assert broker.management_url is not None
    import base64
    import urllib.parse
    import urllib.request

    token = base64.b64encode(b"guest:guest").decode()
    request = urllib.request.Request(
        f"{broker.management_url}/api/vhosts/{urllib.parse.quote(vhost, safe='')}/connections",
        headers={"Authorization": f"Basic {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        connections = json.loads(response.read())
    closed = 0
    for connection in connections:
        if connection.get("client_properties", {}).get("connection_name") == "aftersale-ingest":
            name = urllib.parse.quote(connection["name"], safe="")
            broker._api("DELETE", f"/api/connections/{name}")
            closed += 1
    return closed


@pytest.mark.slow
def test_a_dropped_broker_connection_mid_stream_loses_nothing(
    broker: Broker, sqlite_url: str
) -> None:
    if broker.management_url is None:
        pytest.skip("needs the management API to drop a connection")
    vhost = broker.create_vhost()
    amqp_url = broker.url_for_vhost(vhost)
    bodies = [factories.to_bytes(factories.order_placed()) for _ in range(2_000)]
    try:
        with running_ingest(amqp_url, sqlite_url) as ingest:
            streamer = threading.Thread(target=_publish_all, args=(amqp_url, bodies))
            streamer.start()
            wait_until(lambda: ingest.recorded() >= 300, timeout=60, what="a first part")
            wait_until(lambda: _close_ingest_connections(broker, vhost), what="a connection")
            streamer.join(timeout=120)
            wait_until(lambda: ingest.recorded() == len(bodies), timeout=60, what="all events")
            wait_until(lambda: ingest.service.stats.reconnects >= 1, what="the reconnect")
            wait_until(lambda: queue_depth(amqp_url, INGEST_QUEUE) == 0, what="an empty queue")
    finally:
        broker.delete_vhost(vhost)


def _publish_all(amqp_url: str, bodies: list[bytes]) -> None:
    with EventPublisher(amqp_url) as publisher:
        for body in bodies:
            assert publisher.publish(read_envelope(body)) == "confirmed"
