"""`aftersale topology migrate`: an installation's classic queues become quorum
queues with every message kept, in order, and a start against queues of the
other type stops with one line saying how to move."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pika
import pytest

from services.operator.migrate import HOLDING_SUFFIX, MigrationRefused, migrate_topology
from services.runtime import topology
from services.runtime.routing import SUBSCRIPTIONS, worker_queue_names

WORKER_QUEUES = worker_queue_names(SUBSCRIPTIONS)


def _channel(
    url: str,
) -> tuple[pika.BlockingConnection, pika.adapters.blocking_connection.BlockingChannel]:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    # A publish returns once the broker confirmed it: a quorum queue enqueues
    # through its log, and a get straight after an unconfirmed publish may miss it.
    channel.confirm_delivery()
    return connection, channel


def _install_classic_with_messages(url: str) -> dict[str, list[bytes]]:
    """A classic installation holding messages in the ingest, dead-letter, a retry
    and a worker queue; returns what each holds, in order."""
    connection, channel = _channel(url)
    topology.declare(channel, WORKER_QUEUES, "classic")
    held = {
        topology.INGEST_QUEUE: [f'{{"n": {n}}}'.encode() for n in range(5)],
        topology.DEAD_LETTER_QUEUE: [b"not json", b'{"bad": true}'],
        topology.retry_queue(120): [b'{"parked": 1}'],
        WORKER_QUEUES[0]: [f'{{"actor": {n}}}'.encode() for n in range(3)],
    }
    for queue, bodies in held.items():
        for body in bodies:
            if queue == topology.INGEST_QUEUE:  # as a shop publishes it
                channel.basic_publish(topology.EVENTS_EXCHANGE, "order.placed", body)
            else:
                channel.basic_publish("", queue, body)
    connection.close()
    return held


def _drain(channel: pika.adapters.blocking_connection.BlockingChannel, queue: str) -> list[bytes]:
    bodies = []
    while True:
        method, _, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            return bodies
        bodies.append(body)


def test_classic_queues_become_quorum_with_every_message_in_order(amqp_url: str) -> None:
    held = _install_classic_with_messages(amqp_url)

    report = migrate_topology(amqp_url, "quorum")

    outcomes = {move.queue: (move.outcome, move.moved) for move in report.queues}
    for queue, bodies in held.items():
        assert outcomes[queue] == ("moved", len(bodies))
    assert all(outcome == "moved" for outcome, _ in outcomes.values())
    connection, channel = _channel(amqp_url)
    # Declaring as a quorum installation now passes: every queue has quorum arguments.
    topology.declare(channel, WORKER_QUEUES, "quorum")
    for queue, bodies in held.items():
        assert _drain(channel, queue) == bodies, queue
    # The ingest is bound to the exchange again; no holding queue is left.
    channel.basic_publish(topology.EVENTS_EXCHANGE, "ticket.opened", b"{}")
    assert _drain(channel, topology.INGEST_QUEUE) == [b"{}"]
    for queue in held:
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as gone:
            channel.queue_declare(queue + HOLDING_SUFFIX, passive=True)
        assert gone.value.reply_code == 404
        channel = connection.channel()
    connection.close()

    again = migrate_topology(amqp_url, "quorum")
    assert {move.outcome for move in again.queues} == {"already"}


def test_a_run_that_was_interrupted_is_finished_by_the_next(amqp_url: str) -> None:
    """A holding queue left with messages (the process died after emptying the
    ingest into it) is filled back into the new queue."""
    connection, channel = _channel(amqp_url)
    topology.declare(channel, WORKER_QUEUES, "classic")
    holding = topology.INGEST_QUEUE + HOLDING_SUFFIX
    channel.queue_declare(holding, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(holding, topology.EVENTS_EXCHANGE, routing_key="#")
    for n in range(3):
        channel.basic_publish(topology.EVENTS_EXCHANGE, "order.placed", f"{n}".encode())
    _drain(channel, topology.INGEST_QUEUE)  # as if moved before the crash
    channel.queue_delete(topology.INGEST_QUEUE)
    connection.close()

    report = migrate_topology(amqp_url, "quorum")

    moved = {move.queue: move.moved for move in report.queues}
    assert moved[topology.INGEST_QUEUE] == 3
    connection, channel = _channel(amqp_url)
    topology.declare(channel, WORKER_QUEUES, "quorum")
    assert _drain(channel, topology.INGEST_QUEUE) == [b"0", b"1", b"2"]
    connection.close()


def test_a_queue_with_consumers_is_refused_before_anything_moves(amqp_url: str) -> None:
    held = _install_classic_with_messages(amqp_url)
    consumer, channel = _channel(amqp_url)
    channel.basic_consume(WORKER_QUEUES[0], lambda *_: None)
    try:
        with pytest.raises(MigrationRefused, match=WORKER_QUEUES[0].replace(".", r"\.")):
            migrate_topology(amqp_url, "quorum")
    finally:
        consumer.close()
    connection, channel = _channel(amqp_url)
    topology.declare(channel, WORKER_QUEUES, "classic")  # still classic, untouched
    assert _drain(channel, topology.INGEST_QUEUE) == held[topology.INGEST_QUEUE]
    connection.close()


def _aftersale(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_start_against_classic_queues_says_which_and_how_to_move(
    amqp_url: str, tmp_path: Path
) -> None:
    _install_classic_with_messages(amqp_url)
    env = {
        "AFTERSALE_AMQP_URL": amqp_url,
        "AFTERSALE_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
    }

    started = _aftersale("ingest", env=env, cwd=tmp_path)

    assert started.returncode == 78, started.stderr
    lines = [line for line in started.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, started.stderr
    assert f"queue {topology.INGEST_QUEUE} exists" in lines[0]
    assert "aftersale topology migrate --to quorum" in lines[0]
    assert "AFTERSALE_QUEUE_TYPE=classic" in lines[0]

    moved = _aftersale("topology", "migrate", "--json", env=env, cwd=tmp_path)
    assert moved.returncode == 0, moved.stderr
    report = json.loads(moved.stdout)
    assert report["queue_type"] == "quorum"
    ingest = next(q for q in report["queues"] if q["queue"] == topology.INGEST_QUEUE)
    assert ingest == {"queue": topology.INGEST_QUEUE, "outcome": "moved", "messages": 5}
