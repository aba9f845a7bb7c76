"""`AFTERSALE_AMQP_URL` with several comma-separated node URLs: every connect
takes the first node that answers (here the first is a dead port)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import dramatiq
import pika
import pytest

from services.runtime import topology
from services.runtime.amqp import BrokerUnreachable, connect
from services.runtime.dramatiq_broker import TopologyBroker
from tests.cli.up_process import free_port
from tests.support import factories
from tests.support.ingest import queue_depth


def dead_node(vhost_url: str) -> str:
    """A URL of the same virtual host on a port nothing listens on."""
    vhost = vhost_url.rsplit("/", 1)[1]
    return f"amqp://guest:guest@127.0.0.1:{free_port()}/{vhost}"


def test_connect_skips_a_node_that_does_not_answer(amqp_url: str) -> None:
    connection = connect(f"{dead_node(amqp_url)}, {amqp_url}")
    try:
        assert connection.is_open
        connection.channel().exchange_declare(topology.EVENTS_EXCHANGE, "topic", durable=True)
    finally:
        connection.close()


def test_when_no_node_answers_the_error_names_every_one_without_passwords() -> None:
    first, second = free_port(), free_port()
    with pytest.raises(BrokerUnreachable) as failed:
        connect(
            f"amqp://guest:secret@127.0.0.1:{first}/%2F,amqp://guest:secret@127.0.0.1:{second}/%2F"
        )
    message = str(failed.value)
    assert f"127.0.0.1:{first}" in message and f"127.0.0.1:{second}" in message
    assert "secret" not in message


def test_the_workers_broker_takes_the_node_that_answers_and_declares_quorum_queues(
    amqp_url: str,
) -> None:
    broker = TopologyBroker(f"{dead_node(amqp_url)},{amqp_url}", queue_type="quorum")
    try:

        @dramatiq.actor(broker=broker, queue_name="aftersale.scale-probe")
        def probe(n: int) -> None:  # never run: only its message is looked at
            del n

        probe.send(1)
        probe.send_with_options(args=(2,), delay=60_000)
    finally:
        broker.close()
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    for spec in topology.worker_queues("aftersale.scale-probe", "quorum"):
        # Re-declaring with the quorum arguments passes only if they were declared so.
        channel.queue_declare(spec.name, durable=True, arguments=spec.arguments)
    assert channel.queue_declare("aftersale.scale-probe", passive=True).method.message_count == 1
    assert channel.queue_declare("aftersale.scale-probe.DQ", passive=True).method.message_count == 1
    connection.close()


def test_publish_sends_through_the_node_that_answers(amqp_url: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    topology.declare(connection.channel())
    connection.close()
    result = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "publish", "-"],
        env={**os.environ, "AFTERSALE_AMQP_URL": f"{dead_node(amqp_url)},{amqp_url}"},
        input=factories.to_bytes(factories.order_placed()) + b"\n",
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert queue_depth(amqp_url, topology.INGEST_QUEUE) == 1


def test_status_reads_the_queues_and_the_management_api_of_the_node_that_answers(
    amqp_url: str, sqlite_url: str
) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.confirm_delivery()
    topology.declare(channel)
    channel.basic_publish(topology.EVENTS_EXCHANGE, "order.placed", b"{}")
    connection.close()
    result = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "status", "--json"],
        env={
            **os.environ,
            "AFTERSALE_AMQP_URL": f"{dead_node(amqp_url)},{amqp_url}",
            "AFTERSALE_DATABASE_URL": sqlite_url,
        },
        capture_output=True,
        timeout=60,
    )
    report = json.loads(result.stdout)
    ingest = next(q for q in report["queues"] if q["name"] == topology.INGEST_QUEUE)
    assert ingest["exists"] and ingest["ready"] == 1
    assert ingest["unacked"] == 0  # from the management API of the second node
