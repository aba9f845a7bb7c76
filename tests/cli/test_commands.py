"""The `aftersale` command as a newcomer and a shop integrator use it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pika

from services.runtime.topology import INGEST_QUEUE, declare
from tests.cli.up_process import free_port
from tests.support import factories
from tests.support.ingest import queue_depth
from tests.support.polling import wait_until

REPO = Path(__file__).resolve().parents[2]


def aftersale(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *args],
        env={**os.environ, **(env or {})},
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=120,
    )


def test_up_without_a_broker_says_where_it_tried_and_how_to_start_one(tmp_path: Path) -> None:
    result = aftersale(
        "up", env={"AFTERSALE_AMQP_URL": "amqp://guest:secret@127.0.0.1:1/%2F"}, cwd=tmp_path
    )
    stderr = result.stderr.decode()
    assert result.returncode != 0
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "cannot reach RabbitMQ at amqp://guest:***@127.0.0.1:1/%2F" in lines[0]
    assert "rabbitmq-server -detached" in lines[0]
    assert "secret" not in stderr


def test_a_bad_policies_file_stops_the_start_with_key_and_line(tmp_path: Path) -> None:
    policies = tmp_path / "policies.toml"
    policies.write_text('[shipping]\ndelay_grace = "12 hours"\n')
    result = aftersale("up", env={"AFTERSALE_POLICIES": str(policies)}, cwd=tmp_path)
    assert result.returncode != 0
    stderr = result.stderr.decode()
    assert "line 2" in stderr and "shipping.delay_grace" in stderr
    assert "Traceback" not in stderr


def test_publish_reports_a_malformed_line_by_number_and_sends_the_rest(
    amqp_url: str, tmp_path: Path
) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    declare(connection.channel())
    connection.close()
    lines = [
        factories.to_bytes(factories.order_placed()),
        b"{not json",
        b"",
        factories.to_bytes(factories.ticket_opened()),
        b'{"type": "order.placed"}',
    ]
    source = tmp_path / "events.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = aftersale("publish", "--json", str(source), env={"AFTERSALE_AMQP_URL": amqp_url})
    assert result.returncode == 1, result.stderr.decode()
    summary = json.loads(result.stdout)
    assert summary["confirmed"] == 2 and summary["rejected"] == 2
    assert [p["line"] for p in summary["problems"]] == [2, 5]
    assert "event_id" in summary["problems"][1]["reason"]
    assert queue_depth(amqp_url, INGEST_QUEUE) == 2


def test_publish_reads_standard_input(amqp_url: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    declare(connection.channel())
    connection.close()
    body = factories.to_bytes(factories.order_placed())
    result = aftersale("publish", "-", env={"AFTERSALE_AMQP_URL": amqp_url}, stdin=body + b"\n")
    assert result.returncode == 0, result.stderr.decode()
    assert b"confirmed: 1" in result.stdout
    assert queue_depth(amqp_url, INGEST_QUEUE) == 1


def test_db_upgrade_creates_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = aftersale("db", "upgrade", env={"AFTERSALE_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr.decode()
    tables = {
        row[0]
        for row in sqlite3.connect(tmp_path / "fresh.db").execute(
            "select name from sqlite_master where type='table'"
        )
    }
    assert {"events", "orders", "customers", "tickets", "timers", "notifications"} <= tables


def test_schemas_export_writes_what_is_committed(tmp_path: Path) -> None:
    result = aftersale("schemas", "export", "--to", str(tmp_path / "schemas"))
    assert result.returncode == 0, result.stderr.decode()
    committed = REPO / "schemas" / "asyncapi.yaml"
    assert (tmp_path / "schemas" / "asyncapi.yaml").read_bytes() == committed.read_bytes()


def test_up_records_a_published_event_and_stops_cleanly_on_ctrl_c(
    amqp_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "AFTERSALE_AMQP_URL": amqp_url, "AFTERSALE_LOG_FORMAT": "json",
           "AFTERSALE_HTTP_ADDR": f"127.0.0.1:{free_port()}"}  # fmt: skip
    log = (tmp_path / "up.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", "up"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        database = tmp_path / "aftersale.db"
        event = factories.order_placed("ord-up")

        def recorded() -> int:
            if not database.exists():
                return 0
            with sqlite3.connect(database) as db:
                try:
                    return int(db.execute("select count(*) from events").fetchone()[0])
                except sqlite3.OperationalError:
                    return 0

        def consuming() -> bool:
            try:
                return queue_depth(amqp_url, INGEST_QUEUE) == 0 and database.exists()
            except pika.exceptions.ChannelClosedByBroker:
                return False

        wait_until(consuming, timeout=30, what="the ingest queue")
        result = aftersale(
            "publish", "-", env={"AFTERSALE_AMQP_URL": amqp_url}, stdin=factories.to_bytes(event)
        )
        assert result.returncode == 0, result.stderr.decode()
        wait_until(lambda: recorded() == 1, timeout=30, what="the event in the store")
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=40)
        log.close()
    output = (tmp_path / "up.log").read_text()
    assert code == 0, output
    assert "ingest stopped" in output
    assert "jan.kowalski@example.com" not in output


def test_up_with_several_processes_of_each_part_refuses_a_sqlite_store(tmp_path: Path) -> None:
    result = aftersale("up", "--processes", "2", cwd=tmp_path)
    assert result.returncode == 78
    lines = result.stderr.decode().strip().splitlines()
    assert lines == [
        "aftersale: --processes 2 needs PostgreSQL (AFTERSALE_DATABASE_URL): several "
        "schedulers and deliverers share their work through its row locks"
    ]
