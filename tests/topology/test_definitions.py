"""deploy/rabbitmq/definitions.json and the code declare the same topology."""

from __future__ import annotations

import json
from pathlib import Path

import pika

from services.runtime import topology
from services.runtime.routing import SUBSCRIPTIONS, worker_queue_names
from tests.support.services import Broker

DEFINITIONS = Path(__file__).resolve().parents[2] / "deploy" / "rabbitmq" / "definitions.json"


def test_the_committed_definitions_are_what_the_code_declares() -> None:
    committed = json.loads(DEFINITIONS.read_text())
    expected = topology.definitions(worker_queue_names=worker_queue_names(SUBSCRIPTIONS))
    assert committed == expected, (
        "deploy/rabbitmq/definitions.json is stale: run "
        "`aftersale topology definitions > deploy/rabbitmq/definitions.json`"
    )


def _import_definitions(broker: Broker, vhost: str) -> None:
    document = json.loads(DEFINITIONS.read_text())
    if broker.management_url:
        for section in ("exchanges", "queues", "bindings"):
            for item in document[section]:
                item["vhost"] = vhost
        body = {k: document[k] for k in ("exchanges", "queues", "bindings")}
        quoted = vhost.replace("/", "%2F")
        broker._api("POST", f"/api/definitions/{quoted}", body)
        return
    # Without the management API, declare exactly what the file says.
    connection = pika.BlockingConnection(pika.URLParameters(broker.url_for_vhost(vhost)))
    channel = connection.channel()
    for exchange in document["exchanges"]:
        channel.exchange_declare(exchange["name"], exchange["type"], durable=exchange["durable"])
    for queue in document["queues"]:
        channel.queue_declare(queue["name"], durable=True, arguments=queue["arguments"])
    connection.close()


def test_the_code_can_declare_over_an_imported_definitions_file(broker: Broker) -> None:
    """RabbitMQ refuses a re-declaration whose arguments differ (PRECONDITION_FAILED)."""
    vhost = broker.create_vhost()
    try:
        _import_definitions(broker, vhost)
        url = broker.url_for_vhost(vhost)
        connection = pika.BlockingConnection(pika.URLParameters(url))
        channel = connection.channel()
        # The binding "#" from the file alone routes every event type to the ingest.
        channel.basic_publish(topology.EVENTS_EXCHANGE, "order.placed", b"{}")
        channel.basic_publish(topology.EVENTS_EXCHANGE, "ticket.opened", b"{}")
        topology.declare(channel, worker_queue_names(SUBSCRIPTIONS))
        for spec in topology.core_queues():
            channel.queue_declare(spec.name, passive=True)
        connection.close()
        connection = pika.BlockingConnection(pika.URLParameters(url))
        depth = connection.channel().queue_declare(topology.INGEST_QUEUE, passive=True)
        assert depth.method.message_count == 2
        connection.close()
    finally:
        broker.delete_vhost(vhost)
