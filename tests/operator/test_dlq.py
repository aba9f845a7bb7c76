"""`aftersale dlq` against a real broker and a real ingest: list without
consuming, show byte for byte, replay only after a confirm, purge on --yes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pika

from services.runtime.policies import parse_policies
from services.runtime.routing import SUBSCRIPTIONS, worker_queue_names
from services.runtime.topology import DEAD_LETTER_QUEUE, EVENTS_EXCHANGE, INGEST_QUEUE, declare
from tests.support import factories
from tests.support.ingest import get_all, queue_depth, running_ingest
from tests.support.polling import wait_until

REPO = Path(__file__).resolve().parents[2]
#: The `dlq` group as `aftersale dlq` runs it (until services/cli/main.py adds it).
DLQ = "from services.cli.dlq import dlq; dlq(prog_name='aftersale dlq')"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(amqp_url: str, *args: str) -> Result:
    """`aftersale dlq ARGS` in a process of its own (the ingest thread of a
    test logs to this process's stdout, which would mix into the output)."""
    done = subprocess.run(
        [sys.executable, "-c", DLQ, *args],
        env={**os.environ, "AFTERSALE_AMQP_URL": amqp_url},
        cwd=REPO,
        capture_output=True,
        timeout=60,
        text=True,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def run_json(amqp_url: str, *args: str) -> Any:
    result = run(amqp_url, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def publish_raw(amqp_url: str, body: bytes, routing_key: str, *, exchange: str = EVENTS_EXCHANGE,
                message_id: str | None = None) -> None:  # fmt: skip
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        properties = pika.BasicProperties(
            content_type="application/json", delivery_mode=2, message_id=message_id
        )
        channel.basic_publish(exchange, routing_key, body, properties=properties, mandatory=True)
    finally:
        connection.close()


def bad_order() -> tuple[dict[str, Any], bytes]:
    event = factories.order_placed()
    body = factories.to_bytes(event).replace(b'"quantity": 2', b'"quantity": "two"')
    return event, body


def dead_letter_count(amqp_url: str, expected: int) -> bool:
    return queue_depth(amqp_url, DEAD_LETTER_QUEUE) == expected


def test_a_bad_event_is_listed_with_its_reason_and_shown_byte_for_byte(
    amqp_url: str, sqlite_url: str
) -> None:
    event, body = bad_order()
    with running_ingest(amqp_url, sqlite_url):
        publish_raw(amqp_url, body, "order.placed", message_id=event["event_id"])
        wait_until(lambda: dead_letter_count(amqp_url, 1), what="the dead letter")
    [record] = run_json(amqp_url, "list")
    assert len(record["id"]) == 12 and int(record["id"], 16) >= 0
    assert record["queue"] == DEAD_LETTER_QUEUE
    assert record["routing_key"] == "order.placed"
    assert record["event_id"] == event["event_id"] and record["type"] == "order.placed"
    assert record["shop_id"] == "shop-42"
    assert "data.items[0].quantity" in record["reason"] and record["error_code"] == "invalid"
    assert record["size"] == len(body) and record["when"]

    shown = run_json(amqp_url, "show", record["id"])
    assert shown["body_encoding"] == "utf-8" and shown["body"].encode() == body
    assert shown["headers"]["x-aftersale-dead-letter-id"] == record["id"]
    assert shown["headers"]["x-aftersale-exchange"] == EVENTS_EXCHANGE
    assert shown["properties"]["message_id"] == event["event_id"]
    table = run(amqp_url, "show", record["id"])
    assert table.exit_code == 0 and "data.items[0].quantity" in table.stdout
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 1


def test_an_orphan_is_replayed_after_its_order_came_and_recorded_once(
    amqp_url: str, sqlite_url: str
) -> None:
    policies = parse_policies('[ingest]\nwait_for_parent = "1s"\n')
    shipped = factories.order_shipped("ord-late-dlq")
    placed = factories.order_placed("ord-late-dlq")
    with running_ingest(amqp_url, sqlite_url, policies=policies) as ingest:
        publish_raw(amqp_url, factories.to_bytes(shipped), "order.shipped")
        wait_until(lambda: dead_letter_count(amqp_url, 1), timeout=20, what="the orphan")
        [record] = run_json(amqp_url, "list", "--queue", "events")
        assert record["error_code"] == "unknown_parent"
        assert record["event_id"] == shipped["event_id"]

        publish_raw(amqp_url, factories.to_bytes(placed), "order.placed")  # the fix
        wait_until(lambda: ingest.recorded() == 1, what="the order")
        replayed = run(amqp_url, "replay", record["id"])
        assert replayed.exit_code == 0, replayed.output
        assert f"replayed {record['id']}" in replayed.stdout
        wait_until(lambda: ingest.recorded() == 2, what="the replayed shipment")
        wait_until(lambda: queue_depth(amqp_url, INGEST_QUEUE) == 0, what="an idle ingest")
        assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 0
        assert run_json(amqp_url, "list") == []

        again = run(amqp_url, "replay", record["id"])
        assert again.exit_code == 1
        assert f"no dead letter with id {record['id']!r}" in again.stderr
        assert "Traceback" not in again.output
        assert ingest.recorded() == 2


def test_a_still_bad_event_comes_back_to_the_dead_letters_with_its_reason(
    amqp_url: str, sqlite_url: str
) -> None:
    event, body = bad_order()
    with running_ingest(amqp_url, sqlite_url) as ingest:
        publish_raw(amqp_url, body, "order.placed", message_id=event["event_id"])
        wait_until(lambda: dead_letter_count(amqp_url, 1), what="the dead letter")
        [first] = run_json(amqp_url, "list")
        assert run(amqp_url, "replay", first["id"]).exit_code == 0
        [back] = wait_until(
            lambda: [r for r in run_json(amqp_url, "list") if r["replays"] == 1],
            what="the replayed event back in the dead letters",
        )
        assert ingest.recorded() == 0
    assert back["id"] != first["id"] and back["event_id"] == event["event_id"]
    assert "data.items[0].quantity" in back["reason"]
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 1
    [(properties, dead_body)] = get_all(amqp_url, DEAD_LETTER_QUEUE)
    assert dead_body == body
    assert properties.headers["x-aftersale-replays"] == 1
    assert properties.headers["x-aftersale-replayed-from"] == first["id"]
    assert properties.message_id == event["event_id"]


def put_dead_letter(amqp_url: str, body: bytes, dead_letter_id: str) -> None:
    headers = {
        "x-aftersale-error": "not JSON",
        "x-aftersale-error-code": "not_json",
        "x-aftersale-routing-key": "order.placed",
        "x-aftersale-exchange": EVENTS_EXCHANGE,
        "x-aftersale-dead-lettered-at": "2026-11-23T10:15:00+00:00",
        "x-aftersale-dead-letter-id": dead_letter_id,
    }
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        declare(channel)
        channel.basic_publish(
            "", DEAD_LETTER_QUEUE, body, pika.BasicProperties(headers=headers, delivery_mode=2)
        )
    finally:
        connection.close()


def test_list_and_show_take_nothing_off_the_queue(amqp_url: str) -> None:
    put_dead_letter(amqp_url, b"\xff\xfe\x00garbage", "aaaaaaaaaaaa")
    put_dead_letter(amqp_url, b"{not json", "bbbbbbbbbbbb")
    wait_until(lambda: dead_letter_count(amqp_url, 2), what="two dead letters")
    for _ in range(2):
        records = run_json(amqp_url, "list")
        assert [r["id"] for r in records] == ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]
        assert records[0]["event_id"] is None and records[0]["type"] is None
        wait_until(lambda: dead_letter_count(amqp_url, 2), what="the list to give all back")
    shown = run_json(amqp_url, "show", "aaaaaaaaaaaa")
    assert (
        shown["body_encoding"] == "hex" and bytes.fromhex(shown["body"]) == b"\xff\xfe\x00garbage"
    )
    table = run(amqp_url, "list")
    assert table.exit_code == 0 and "bbbbbbbbbbbb" in table.stdout
    assert run(amqp_url, "show", "cccccccccccc").exit_code == 1
    wait_until(lambda: dead_letter_count(amqp_url, 2), what="the show to give all back")
    [(_, first), (_, second)] = get_all(amqp_url, DEAD_LETTER_QUEUE)
    assert (first, second) == (b"\xff\xfe\x00garbage", b"{not json")


def test_purge_refuses_without_yes_and_empties_with_it(amqp_url: str) -> None:
    put_dead_letter(amqp_url, b"one", "aaaaaaaaaaaa")
    put_dead_letter(amqp_url, b"two", "bbbbbbbbbbbb")
    refused = run(amqp_url, "purge")
    assert refused.exit_code == 1 and "--yes" in refused.stderr
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 2
    purged = run(amqp_url, "purge", "--yes")
    assert purged.exit_code == 0, purged.output
    assert "purged 2 dead letters" in purged.stdout
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 0


def test_a_worker_message_out_of_retries_is_listed_and_replayed_with_fresh_retries(
    amqp_url: str,
) -> None:
    queues = worker_queue_names(SUBSCRIPTIONS)
    assert "aftersale.notifier" in queues
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    declare(connection.channel(), queues)
    connection.close()
    message = {
        "queue_name": "aftersale.notifier",
        "actor_name": "notifier.on_event",
        "args": ["shop-42", "evt-xq-1", "order.shipped"],
        "kwargs": {},
        "options": {
            "retries": 12,
            "traceback": 'Traceback (most recent call last):\n  File "x.py", line 1\n'
            "RuntimeError: the store said no\n",
        },
        "message_id": "3b1f7a2e-0000-4000-8000-000000000001",
        "message_timestamp": 1_764_000_000_000,
    }
    publish_raw(amqp_url, json.dumps(message).encode(), "aftersale.notifier.XQ", exchange="")

    [record] = run_json(amqp_url, "list", "--queue", "workers")
    assert record["id"] == message["message_id"]
    assert record["queue"] == "aftersale.notifier.XQ"
    assert record["routing_key"] == "aftersale.notifier"
    assert record["reason"] == "notifier.on_event: RuntimeError: the store said no"
    assert [record["shop_id"], record["event_id"], record["type"]] == message["args"]
    assert record["when"].startswith("2025-11-24")
    assert run_json(amqp_url, "list", "--queue", "events") == []

    replayed = run(amqp_url, "replay", record["id"])
    assert replayed.exit_code == 0, replayed.output
    assert queue_depth(amqp_url, "aftersale.notifier.XQ") == 0
    [(properties, body)] = get_all(amqp_url, "aftersale.notifier")
    sent = json.loads(body)
    assert properties.delivery_mode == 2
    assert sent["options"]["retries"] == 0
    assert {k: sent[k] for k in ("actor_name", "args", "message_id", "queue_name")} == {
        k: message[k] for k in ("actor_name", "args", "message_id", "queue_name")
    }


def test_replay_needs_an_id_or_all_and_an_unreachable_broker_is_one_line() -> None:
    url = "amqp://guest:secret@127.0.0.1:1/%2F"
    assert run(url, "replay").exit_code == 1
    result = run(url, "list")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach RabbitMQ" in lines[0] and "secret" not in lines[0]


def test_a_replay_the_broker_cannot_route_leaves_the_dead_letter_in_place(
    amqp_url: str,
) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    declare(connection.channel(), ("aftersale.notifier",))
    connection.close()
    message = {"queue_name": "aftersale.nowhere", "actor_name": "nobody", "args": [],
               "kwargs": {}, "options": {"retries": 3}, "message_id": "m-nowhere"}  # fmt: skip
    body = json.dumps(message).encode()
    publish_raw(amqp_url, body, "aftersale.notifier.XQ", exchange="")
    result = run(amqp_url, "replay", "--all", "--yes")
    assert result.exit_code == 1
    assert "NOT replayed m-nowhere" in result.stderr and "could not route" in result.stderr
    wait_until(lambda: queue_depth(amqp_url, "aftersale.notifier.XQ") == 1, what="it back")
    [(_, kept)] = get_all(amqp_url, "aftersale.notifier.XQ")
    assert kept == body


def test_a_reason_that_quotes_a_customer_address_is_listed_masked(
    amqp_url: str, sqlite_url: str
) -> None:
    event = factories.order_placed()
    event["data"]["customer"]["email"] = "jan.kowalski@localhost"  # no dot: not an address
    body = factories.to_bytes(event)
    with running_ingest(amqp_url, sqlite_url):
        publish_raw(amqp_url, body, "order.placed", message_id=event["event_id"])
        wait_until(lambda: dead_letter_count(amqp_url, 1), what="the dead letter")
    [record] = run_json(amqp_url, "list")
    assert "data.customer.email" in record["reason"], record["reason"]
    assert "jan.kowalski" not in record["reason"]
    assert "jan.kowalski" not in run(amqp_url, "list").output
    # `show` is the byte-for-byte view: the body as it came.
    assert run_json(amqp_url, "show", record["id"])["body"].encode() == body
